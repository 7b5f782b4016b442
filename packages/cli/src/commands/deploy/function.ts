import { Flags } from '@oclif/core';
import type { DeployFunctionContext } from '@skyrun/core';
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
    const { context, hooks } = await this.commandContext<DeployFunctionContext>(flags);
    const { deployOneFunction } = await import('@skyrun/core/operations/deploy');
    const result = await deployOneFunction({ ...context, functionKey: flags.function }, hooks);
    this.log(formatDeploySummary(result));
    return result;
  }
}
