export * from './command-context.js';
export * from './package.js';
export * from './deploy.js';
export * from './verbs.js';
export * from './dev.js';
export * from './invoke-local.js';
