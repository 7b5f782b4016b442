export * from './find-service-file.js';
export * from './load-service-file.js';
export * from './cloudformation-tags.js';
