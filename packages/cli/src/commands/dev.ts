import os from 'node:os';
import { SkyrunCommand } from '../base-command.js';
import { formatDeploySummary } from '../output/format-deploy.js';

export default class Dev extends SkyrunCommand {
  static override summary = 'Develop against the local runtime: deploy, watch, redeploy on save, stream logs.';
  static override description =
    'Deploys the service to an ephemeral stage (dev-<user> unless --stage is given) on the local runtime (unless --provider says otherwise), redeploys the changed functions on every file change, streams every function log line, and removes the stage on Ctrl-C.';
  static override examples = ['<%= config.bin %> dev', '<%= config.bin %> dev --stage feature-x'];

  async run(): Promise<void> {
    const { flags } = await this.parse(Dev);
    const progress = this.progress(flags);
    const devFlags = {
      ...flags,
      stage: flags.stage ?? `dev-${os.userInfo().username.replace(/[^a-zA-Z0-9-]/g, '') || 'local'}`,
      provider: flags.provider ?? 'local',
    };
    const loaded = await this.loadService(devFlags, progress);
    const { runDev } = await import('@skyrun/core/operations/dev');
    const stop = new AbortController();
    const onSignal = () => {
      progress.info(`\nRemoving stage ${devFlags.stage}...`);
      stop.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    await runDev(
      { loaded, options: this.cliOptions(devFlags), progress },
      {
        reload: () => this.loadService(devFlags, progress),
        signal: stop.signal,
        onDeploy: (outcome, files) => {
          if (files.length === 0) {
            this.log(formatDeploySummary(outcome));
            this.log('\nWatching for changes; Ctrl-C stops and removes the stage.');
            return;
          }
          const changed = outcome.changes.filter((c) => c.action !== 'unchanged').map((c) => c.name);
          this.log(
            `↻ ${files.slice(0, 3).join(', ')}${files.length > 3 ? ` (+${files.length - 3})` : ''} → redeployed ${changed.length ? changed.join(', ') : 'nothing (no function changed)'} in ${outcome.durationMs} ms`,
          );
        },
        onLog: (line) => this.log(`${line.function}\t${line.message}`),
        onError: (error) => {
          const e = error as { message?: string; hint?: string };
          progress.warn(`${e.message ?? String(error)}${e.hint ? `\n  ${e.hint}` : ''}`);
        },
      },
    );
    this.log(`Removed stage ${devFlags.stage}.`);
  }
}
