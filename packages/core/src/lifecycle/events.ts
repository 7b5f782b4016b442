/**
 * The named lifecycle events commands run through, with the Serverless Framework v3 names
 * where v3 has one. Plugins and the core's own steps hook them as `before:X`, `X`, `after:X`.
 */
export const LIFECYCLE_EVENTS = [
  'print:print',
  'package:cleanup',
  'package:initialize',
  'package:setupProviderConfiguration',
  'package:createDeploymentArtifacts',
  'package:compileFunctions',
  'package:compileEvents',
  'package:finalize',
  'deploy:deploy',
  'deploy:finalize',
  'deploy:function:initialize',
  'deploy:function:packageFunction',
  'deploy:function:deploy',
  'invoke:invoke',
  'invoke:local:invoke',
  'info:info',
  'logs:logs',
  'remove:remove',
] as const;

export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];
export type HookName = LifecycleEvent | `before:${LifecycleEvent}` | `after:${LifecycleEvent}`;
