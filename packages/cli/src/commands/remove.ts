import { SkyrunCommand } from '../base-command.js';

export default class Remove extends SkyrunCommand {
  static override summary = 'Remove the deployed service and stage.';
  static override examples = ['<%= config.bin %> remove', '<%= config.bin %> remove --stage prod'];
  static override enableJsonFlag = true;

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Remove);
    const { context, hooks } = await this.commandContext(flags);
    const { removeService } = await import('@skyrun/core/operations/verbs');
    const result = await removeService(context, hooks);
    const { service } = context.loaded;
    this.log(
      `Removed ${service.name} (stage ${service.stage}) from ${service.provider.name}: ${result.removed.length} function(s).`,
    );
    return result;
  }
}
