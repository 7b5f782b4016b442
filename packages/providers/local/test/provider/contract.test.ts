// The shared provider contract suite (packages/core/test/provider-contract) against the local
// runtime: a real daemon from dist/ (run `pnpm build` first), its own SKYRUN_HOME and ports.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runProviderContract } from '../../../../core/test/provider-contract/suite.js';
import { stopDaemon } from '../../src/client/launcher.js';
import definition from '../../src/definition.js';

const home = mkdtempSync(path.join(tmpdir(), 'skyrun-contract-home-'));
const saved = { home: process.env.SKYRUN_HOME, port: process.env.SKYRUN_PORT };

runProviderContract({
  definition,
  providerBlock: 'name: local\nruntime: nodejs20.x',
  async setup() {
    process.env.SKYRUN_HOME = home;
    process.env.SKYRUN_PORT = '0';
  },
  async teardown() {
    await stopDaemon({ home });
    process.env.SKYRUN_HOME = saved.home;
    process.env.SKYRUN_PORT = saved.port;
    if (saved.home === undefined) delete process.env.SKYRUN_HOME;
    if (saved.port === undefined) delete process.env.SKYRUN_PORT;
    rmSync(home, { recursive: true, force: true });
  },
});
