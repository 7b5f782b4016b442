import type { Command } from '@oclif/core';
import AutocompleteFish from './commands/autocomplete/fish.js';
import Create from './commands/create.js';
import Deploy from './commands/deploy/index.js';
import DeployFunction from './commands/deploy/function.js';
import Dev from './commands/dev.js';
import Info from './commands/info.js';
import Invoke from './commands/invoke/index.js';
import InvokeLocal from './commands/invoke/local.js';
import LocalStart from './commands/local/start.js';
import LocalStatus from './commands/local/status.js';
import LocalStop from './commands/local/stop.js';
import Logs from './commands/logs.js';
import Package from './commands/package.js';
import Print from './commands/print.js';
import Remove from './commands/remove.js';
import Schema from './commands/schema.js';

/** The command map (oclif "explicit" strategy): id → class. Command path = command id. */
export const COMMANDS: Record<string, Command.Class> = {
  'autocomplete:fish': AutocompleteFish,
  create: Create,
  deploy: Deploy,
  'deploy:function': DeployFunction,
  dev: Dev,
  info: Info,
  invoke: Invoke,
  'invoke:local': InvokeLocal,
  'local:start': LocalStart,
  'local:status': LocalStatus,
  'local:stop': LocalStop,
  logs: Logs,
  package: Package,
  print: Print,
  remove: Remove,
  schema: Schema,
};
