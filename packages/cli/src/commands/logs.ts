import { Flags } from '@oclif/core';
import { SkyrunCommand } from '../base-command.js';

export default class Logs extends SkyrunCommand {
  static override summary = 'Show the logs of a deployed function.';
  static override examples = [
    '<%= config.bin %> logs -f hello',
    '<%= config.bin %> logs -f hello --tail',
    '<%= config.bin %> logs -f hello --startTime 10m --filter ERROR',
  ];
  static override flags = {
    function: Flags.string({ char: 'f', description: 'The function whose logs to show.', required: true }),
    tail: Flags.boolean({ char: 't', description: 'Keep printing new lines until Ctrl-C.' }),
    startTime: Flags.string({ description: 'Only lines since then: 30s, 10m, 2h, 1d or an ISO date.' }),
    filter: Flags.string({ description: 'Only lines containing this text.' }),
    json: Flags.boolean({ description: 'One JSON object per line.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Logs);
    const { context, hooks } = await this.commandContext(flags);
    const { functionLogs } = await import('@skyrun/core/operations/verbs');
    const lines = await functionLogs(context, hooks, {
      functionKey: flags.function,
      startTime: flags.startTime,
      filter: flags.filter,
      tail: flags.tail,
    });
    for await (const line of lines) {
      if (flags.json) process.stdout.write(`${JSON.stringify(line)}\n`);
      else
        process.stdout.write(`${new Date(line.timestamp).toISOString()}\t${line.requestId ?? '-'}\t${line.message}\n`);
    }
  }
}
