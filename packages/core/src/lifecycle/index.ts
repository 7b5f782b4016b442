export * from './events.js';
export * from './hook-engine.js';
