import { SkyrunCommand } from '../base-command.js';
import { formatInfo } from '../output/format-deploy.js';

export default class Info extends SkyrunCommand {
  static override summary = 'Show the deployed service: endpoints, functions, versions.';
  static override examples = ['<%= config.bin %> info', '<%= config.bin %> info --stage prod --json'];
  static override enableJsonFlag = true;

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Info);
    const progress = this.progress(flags);
    const loaded = await this.loadService(flags, progress);
    const [{ HookEngine }, { serviceInfo }] = await Promise.all([
      import('@skyrun/core/lifecycle/index'),
      import('@skyrun/core/operations/verbs'),
    ]);
    const info = await serviceInfo({ loaded, options: this.cliOptions(flags), progress }, new HookEngine());
    this.log(formatInfo(info));
    return info;
  }
}
