// Simultaneous A/B of two builds of the local engine (gateway, front workers and log store, as in the daemon):
// both serve the hello service at the same time, each loaded by its own load generator, round after round, and
// each round's throughput ratio is printed with their median. On a shared 2-core machine single throughput
// samples taken seconds apart swing 15% or more, which hides a change worth 5%; two servers loaded at once see
// the same noise (measured: two identical builds read 1.00 with rounds within about ±6%).
// Not part of `pnpm bench` (it needs a second build). Usage, after `pnpm build`:
//   node bench/local-ab.mjs /path/to/baseline/packages/providers/local/dist/engine/index.js [rounds] [seconds]
// The baseline is a copy of packages/providers/local (src, runtime, dist, package.json, tsconfig.json) built at
// another commit, placed next to it in the workspace (so that its imports resolve): e.g. git archive <commit>
// packages/providers/local into packages/providers/local-base, then `npx tsc -p packages/providers/local-base`.
// Move it out again before running the tests.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT, median } from './lib.mjs';

const LOCAL_BENCH = path.join(ROOT, 'bench/local.mjs');
const CURRENT = path.join(ROOT, 'packages/providers/local/dist/engine/index.js');
const AUTOCANNON = path.join(ROOT, 'bench/peers/local/node_modules/autocannon/autocannon.js');
const CONNECTIONS = 10;

const [baselineArg, roundsArg = '10', secondsArg = '3'] = process.argv.slice(2);
if (!baselineArg || !existsSync(baselineArg)) {
  console.error('usage: node bench/local-ab.mjs <baseline dist/engine/index.js> [rounds] [seconds]');
  process.exit(2);
}
const rounds = Math.min(50, Math.max(1, Number(roundsArg)));
const ms = Math.min(30_000, Math.max(500, Number(secondsArg) * 1000));

const servers = [];
process.on('exit', () => servers.forEach((s) => s.kill('SIGTERM')));

function startServer(enginePath) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOCAL_BENCH, 'serve-skyrun', path.resolve(enginePath), 'store'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    servers.push(child);
    const timer = setTimeout(() => reject(new Error(`${enginePath} did not start in 20 s`)), 20_000);
    child.stdout.on('data', (chunk) => {
      const port = /PORT (\d+)/.exec(String(chunk));
      if (!port) return;
      clearTimeout(timer);
      resolve(`http://127.0.0.1:${port[1]}/hello`);
    });
    child.on('exit', (code) => reject(new Error(`${enginePath} exited (${code}) before serving`)));
  });
}

/** One load run (autocannon when installed under bench/peers, else bench/local.mjs's own client). */
function load(url, durationMs) {
  const mode = existsSync(AUTOCANNON) ? 'autocannon' : 'load';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOCAL_BENCH, mode, url, String(CONNECTIONS), String(durationMs)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`load exited ${code}`)),
    );
  });
}

const baseline = await startServer(baselineArg);
const current = await startServer(CURRENT);
await Promise.all([load(baseline, 1000), load(current, 1000)]); // warm-up: JIT, worker start
const ratios = [];
for (let i = 0; i < rounds; i++) {
  const [b, c] = await Promise.all([load(baseline, ms), load(current, ms)]);
  ratios.push(c.rps / b.rps);
  console.log(
    `round ${i + 1}: baseline ${b.rps.toFixed(0)} req/s, current ${c.rps.toFixed(0)} req/s, ratio ${(c.rps / b.rps).toFixed(3)}`,
  );
}
console.log(`current / baseline throughput: ${median(ratios).toFixed(3)}x (median of ${rounds} simultaneous rounds)`);
process.exit(0);
