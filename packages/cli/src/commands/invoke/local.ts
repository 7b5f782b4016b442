import { Flags } from '@oclif/core';
import { SkyrunCommand } from '../../base-command.js';
import { printInvokeResult } from '../../output/format-invoke.js';

export default class InvokeLocal extends SkyrunCommand {
  static override summary = 'Run a function’s handler on this machine, without deploying.';
  static override description =
    'As the Serverless Framework v3 does: Node.js handlers run in this process, Python handlers in one python3 process, with the function’s environment and a Lambda-style context. TypeScript handlers are bundled first.';
  static override examples = [
    '<%= config.bin %> invoke local -f hello',
    `<%= config.bin %> invoke local -f hello -d '{"name":"Ada"}' -e DEBUG=1`,
  ];
  static override enableJsonFlag = true;
  static override flags = {
    function: Flags.string({ char: 'f', description: 'The function to run.', required: true }),
    data: Flags.string({ char: 'd', description: 'The event, as JSON (or a plain string).' }),
    path: Flags.string({ char: 'p', description: 'A JSON or YAML file holding the event.' }),
    env: Flags.string({
      char: 'e',
      description: 'An extra environment variable, KEY=VALUE. Repeatable.',
      multiple: true,
    }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(InvokeLocal);
    const { context } = await this.commandContext(flags);
    const [{ invokeLocally }, { invokeInProcess }] = await Promise.all([
      import('@skyrun/core/operations/invoke-local'),
      import('@skyrun/provider-local'),
    ]);
    const result = await invokeLocally(context, {
      functionKey: flags.function,
      data: flags.data,
      path: flags.path,
      env: flags.env,
      runner: invokeInProcess,
    });
    if (!this.jsonEnabled()) printInvokeResult(result);
    if (result.functionError) process.exitCode = 6;
    return result;
  }
}
