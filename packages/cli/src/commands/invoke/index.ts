import { Flags } from '@oclif/core';
import { SkyrunCommand } from '../../base-command.js';
import { printInvokeResult } from '../../output/format-invoke.js';

export default class Invoke extends SkyrunCommand {
  static override summary = 'Invoke a deployed function and print its result.';
  static override examples = [
    '<%= config.bin %> invoke -f hello',
    `<%= config.bin %> invoke -f hello -d '{"name":"Ada"}' --log`,
    '<%= config.bin %> invoke -f worker -p event.json --type Event',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    function: Flags.string({ char: 'f', description: 'The function to invoke.', required: true }),
    data: Flags.string({ char: 'd', description: 'The event, as JSON (or a plain string).' }),
    path: Flags.string({ char: 'p', description: 'A JSON or YAML file holding the event.' }),
    type: Flags.string({
      char: 't',
      description: 'Invocation type.',
      options: ['RequestResponse', 'Event', 'DryRun'],
      default: 'RequestResponse',
    }),
    log: Flags.boolean({ char: 'l', description: 'Print the tail of the function log after the result.' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Invoke);
    const { context, hooks } = await this.commandContext(flags);
    const { invokeFunction } = await import('@skyrun/core/operations/verbs');
    const result = await invokeFunction(context, hooks, {
      functionKey: flags.function,
      data: flags.data,
      path: flags.path,
      type: flags.type as 'RequestResponse' | 'Event' | 'DryRun',
      log: flags.log,
    });
    if (!this.jsonEnabled()) printInvokeResult(result);
    if (result.functionError) process.exitCode = 6;
    return result;
  }
}
