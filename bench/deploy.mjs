// Deploy budgets of the local runtime (issue 4), through the real `skyrun` binary, run after
// `pnpm build`:
//   `skyrun deploy` of serverless.yml.example to its first 200 response  < 1.5 s (daemon not running)
//   a no-op redeploy                                                     < 0.5 s
//   idle daemon resident memory                                          < 80 MB
// Each round uses a fresh SKYRUN_HOME and stops its daemon. `node -e 0` is measured alongside
// as the machine's reference, so the absolute figures can be read against a noisy machine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, SKYRUN, median, timeCommand } from './lib.mjs';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const example = 'serverless.yml.example';

function skyrun(args, env) {
  const result = spawnSync(process.execPath, [SKYRUN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, NO_COLOR: '1' },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`skyrun ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

async function firstOk(url, deadline) {
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${url} did not answer 200 in time`);
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

const samples = { cold: [], noop: [], rss: [], node: [] };
for (let i = 0; i < rounds; i++) {
  const home = mkdtempSync(path.join(tmpdir(), 'skyrun-bench-deploy-'));
  const env = { SKYRUN_HOME: home, SKYRUN_PORT: '0' };
  try {
    samples.node.push(timeCommand(process.execPath, ['-e', '0']));
    const started = performance.now();
    const result = JSON.parse(skyrun(['deploy', '-c', example, '--json'], env));
    await firstOk(result.endpoints[0].url, Date.now() + 10_000);
    samples.cold.push(performance.now() - started);

    const again = performance.now();
    const noop = JSON.parse(skyrun(['deploy', '-c', example, '--json'], env));
    samples.noop.push(performance.now() - again);
    if (noop.changes.some((c) => c.action !== 'unchanged')) throw new Error('the redeploy was not a no-op');

    await new Promise((r) => setTimeout(r, 1500));
    const status = JSON.parse(skyrun(['local', 'status', '--json'], env));
    samples.rss.push(rssMb(status.pid));
  } finally {
    spawnSync(process.execPath, [SKYRUN, 'local', 'stop'], { env: { ...process.env, SKYRUN_HOME: home } });
    rmSync(home, { recursive: true, force: true });
  }
}

const node = median(samples.node);
const line = (name, value, unit, budget) =>
  `${name.padEnd(36)} ${value.toFixed(1).padStart(8)} ${unit}  ${unit === 'ms' ? `${(value / node).toFixed(1)}x node -e 0  ` : ''}(budget < ${budget} ${unit}: ${value < budget ? 'ok' : 'MISSED'})`;
console.log(`deploy: median of ${rounds} rounds; node -e 0 = ${node.toFixed(1)} ms`);
console.log(line('deploy example → first 200', median(samples.cold), 'ms', 1500));
console.log(line('no-op redeploy', median(samples.noop), 'ms', 500));
console.log(line('idle daemon RSS', median(samples.rss), 'MB', 80));
