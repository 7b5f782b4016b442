import type { Command } from '@oclif/core';
import Create from './commands/create.js';
import Deploy from './commands/deploy/index.js';
import DeployFunction from './commands/deploy/function.js';
import Info from './commands/info.js';
import Invoke from './commands/invoke/index.js';
import Logs from './commands/logs.js';
import Package from './commands/package.js';
import Print from './commands/print.js';
import Remove from './commands/remove.js';
import Schema from './commands/schema.js';

/** The command map (oclif "explicit" strategy): id → class. Command path = command id. */
export const COMMANDS: Record<string, Command.Class> = {
  create: Create,
  deploy: Deploy,
  'deploy:function': DeployFunction,
  info: Info,
  invoke: Invoke,
  logs: Logs,
  package: Package,
  print: Print,
  remove: Remove,
  schema: Schema,
};
