export * from './skyrun-error.js';
export * from './warning.js';
