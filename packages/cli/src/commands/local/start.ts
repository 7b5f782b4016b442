import { StandaloneCommand } from '../../base-command.js';
import { formatDaemonStatus } from '../../output/format-daemon.js';

export default class LocalStart extends StandaloneCommand {
  static override summary = 'Start the local runtime daemon (deploy starts it on demand).';
  static override description =
    'The daemon serves every service deployed to the local runtime on 127.0.0.1. Its data lives in $SKYRUN_HOME (default ~/.skyrun); SKYRUN_PORT sets its port (default 3000).';
  static override examples = ['<%= config.bin %> local start', 'SKYRUN_PORT=4000 <%= config.bin %> local start --json'];
  static override enableJsonFlag = true;

  async run(): Promise<unknown> {
    await this.parse(LocalStart);
    const [{ startDaemon }, { createProgressReporter }] = await Promise.all([
      import('@skyrun/provider-local'),
      import('../../output/progress-reporter.js'),
    ]);
    const status = await startDaemon({ progress: createProgressReporter({ quiet: this.jsonEnabled() }) });
    this.log(formatDaemonStatus(status));
    return status;
  }
}
