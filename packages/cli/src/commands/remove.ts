import { SkyrunCommand } from '../base-command.js';

export default class Remove extends SkyrunCommand {
  static override summary = 'Remove the deployed service and stage.';
  static override examples = ['<%= config.bin %> remove', '<%= config.bin %> remove --stage prod'];
  static override enableJsonFlag = true;

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Remove);
    const progress = this.progress(flags);
    const loaded = await this.loadService(flags, progress);
    const [{ HookEngine }, { removeService }] = await Promise.all([
      import('@skyrun/core/lifecycle/index'),
      import('@skyrun/core/operations/verbs'),
    ]);
    const result = await removeService({ loaded, options: this.cliOptions(flags), progress }, new HookEngine());
    const { service } = loaded;
    this.log(
      `Removed ${service.name} (stage ${service.stage}) from ${service.provider.name}: ${result.removed.length} function(s).`,
    );
    return result;
  }
}
