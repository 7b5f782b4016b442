export * from './core-schema.js';
export * from './build-configuration-schema.js';
