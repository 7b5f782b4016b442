import { Flags } from '@oclif/core';
import type { DeployContext } from '@skyrun/core';
import { SkyrunCommand } from '../../base-command.js';
import { formatDeploySummary } from '../../output/format-deploy.js';

export default class Deploy extends SkyrunCommand {
  static override summary = 'Package and deploy the service.';
  static override description =
    'Deploys to provider.name (the embedded local runtime by default). Unchanged functions are left alone; a failed deploy leaves the previous version serving.';
  static override examples = [
    '<%= config.bin %> deploy',
    '<%= config.bin %> deploy --stage prod',
    '<%= config.bin %> deploy --provider local --json',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    package: Flags.string({
      char: 'p',
      description: 'Deploy the artifacts already in this directory (from `skyrun package`) instead of packaging.',
    }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Deploy);
    const { context, hooks } = await this.commandContext<DeployContext>(flags);
    const { deployService } = await import('@skyrun/core/operations/deploy');
    const result = await deployService(
      { ...context, packageDir: flags.package, usePackaged: flags.package !== undefined },
      hooks,
    );
    this.log(formatDeploySummary(result));
    return result;
  }
}
