import { Flags } from '@oclif/core';
import { SkyrunCommand } from '../../base-command.js';
import { formatDeploySummary } from '../../output/format-deploy.js';

export default class DeployFunction extends SkyrunCommand {
  static override summary = 'Deploy a single function, leaving the rest of the service untouched.';
  static override examples = ['<%= config.bin %> deploy function -f hello'];
  static override enableJsonFlag = true;
  static override flags = {
    function: Flags.string({
      char: 'f',
      description: 'The function to deploy (its key under functions:).',
      required: true,
    }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(DeployFunction);
    const progress = this.progress(flags);
    const loaded = await this.loadService(flags, progress);
    const [{ HookEngine }, { deployOneFunction }] = await Promise.all([
      import('@skyrun/core/lifecycle/index'),
      import('@skyrun/core/operations/deploy'),
    ]);
    const result = await deployOneFunction(
      { loaded, options: this.cliOptions(flags), progress, functionKey: flags.function },
      new HookEngine(),
    );
    this.log(formatDeploySummary(result));
    return result;
  }
}
