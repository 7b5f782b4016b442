import { StandaloneCommand } from '../../base-command.js';
import { formatDaemonStatus } from '../../output/format-daemon.js';

export default class LocalStatus extends StandaloneCommand {
  static override summary = 'Show whether the local runtime daemon runs, and what it serves.';
  static override examples = ['<%= config.bin %> local status', '<%= config.bin %> local status --json'];
  static override enableJsonFlag = true;

  async run(): Promise<unknown> {
    await this.parse(LocalStatus);
    const { daemonStatus } = await import('@skyrun/provider-local');
    const status = await daemonStatus();
    this.log(formatDaemonStatus(status));
    return status;
  }
}
