import { SkyrunCommand } from '../base-command.js';
import { formatInfo } from '../output/format-deploy.js';

export default class Info extends SkyrunCommand {
  static override summary = 'Show the deployed service: endpoints, functions, versions.';
  static override examples = ['<%= config.bin %> info', '<%= config.bin %> info --stage prod --json'];
  static override enableJsonFlag = true;

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Info);
    const { context, hooks } = await this.commandContext(flags);
    const { serviceInfo } = await import('@skyrun/core/operations/verbs');
    const info = await serviceInfo(context, hooks);
    this.log(formatInfo(info));
    return info;
  }
}
