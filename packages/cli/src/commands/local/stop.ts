import { StandaloneCommand } from '../../base-command.js';

export default class LocalStop extends StandaloneCommand {
  static override summary = 'Stop the local runtime daemon. Deployed services come back on the next start.';
  static override examples = ['<%= config.bin %> local stop'];
  static override enableJsonFlag = true;

  async run(): Promise<unknown> {
    await this.parse(LocalStop);
    const { stopDaemon } = await import('@skyrun/provider-local');
    const result = await stopDaemon();
    this.log(result.stopped ? `Stopped the local runtime (pid ${result.pid}).` : 'The local runtime was not running.');
    return result;
  }
}
