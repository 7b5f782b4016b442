import { Flags } from '@oclif/core';
import type { PackagingContext } from '@skyrun/core';
import { SkyrunCommand } from '../base-command.js';
import { formatPackageSummary } from '../output/format-package.js';

export default class Package extends SkyrunCommand {
  static override summary = 'Package the service into deployable artifacts.';
  static override description =
    'Writes one zip for the service (or one per function with package.individually) and manifest.json into .serverless/ or --package DIR. Artifacts are byte-for-byte reproducible.';
  static override examples = ['<%= config.bin %> package', '<%= config.bin %> package --package build/ --json'];
  static override enableJsonFlag = true;
  static override flags = {
    package: Flags.string({ char: 'p', description: 'Directory to write the artifacts to (default: .serverless).' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Package);
    const { context, hooks } = await this.commandContext<PackagingContext>(flags);
    const { runPackage } = await import('@skyrun/core/operations/package');
    const manifest = await runPackage({ ...context, packageDir: flags.package }, hooks);
    this.log(formatPackageSummary(manifest));
    return manifest;
  }
}
