export { default } from './definition.js';
export { startDaemon, stopDaemon, daemonStatus, type DaemonOptions, type DaemonStatus } from './client/launcher.js';
