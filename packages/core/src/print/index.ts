export * from './print-configuration.js';
