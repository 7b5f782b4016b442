export { default } from './definition.js';
export { startDaemon, stopDaemon, daemonStatus, type DaemonOptions, type DaemonStatus } from './client/launcher.js';
export { invokeInProcess, type InvokeInProcessOptions } from './engine/invoke-local.js';
