export * from './discover-templates.js';
export * from './create-service.js';
