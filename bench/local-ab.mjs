// Simultaneous A/B of two builds of the local engine (gateway, front workers and log store, as in the daemon):
// both serve the hello service at the same time, each loaded by its own load generator, round after round, and
// each round's throughput ratio is printed with their median. On a shared 2-core machine single throughput
// samples taken seconds apart swing 15% or more, which hides a change worth 5%; two servers loaded at once see
// the same noise (measured: two identical builds read 1.00 with rounds within about ±6%; on a busier day 1.03 as
// the median of 16 rounds, so a change under 3–4% does not show: use 16 rounds or more).
// Not part of `pnpm bench` (it needs a second build). Usage, after `pnpm build`:
//   node bench/local-ab.mjs /path/to/baseline/packages/providers/local/dist/engine/index.js [rounds] [seconds]
// The baseline is a copy of packages/providers/local (src, runtime, dist, package.json, tsconfig.json) built at
// another commit, placed next to it in the workspace (so that its imports resolve): e.g. git archive <commit>
// packages/providers/local into packages/providers/local-base, then `npx tsc -p packages/providers/local-base`.
// Move it out again before running the tests.
// On Linux each round also prints the CPU time per request of each side's busiest worker (the front serving the
// connections) and of its engine process (gateway, log store), read from /proc: where a change moves the work, and
// a second view of the same rounds (throughput under contention amplifies CPU differences).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
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
      resolve({ url: `http://127.0.0.1:${port[1]}/hello`, pid: child.pid });
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

/** CPU time (user + system) of a process so far, in clock ticks (100 per second), or undefined without /proc. */
function cpuTicks(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** The engine process and its workers (children), with their CPU ticks so far. */
function cpuOf(pid) {
  const children = [];
  if (existsSync('/proc')) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1] === String(pid)) {
          children.push(Number(entry));
        }
      } catch {
        // gone meanwhile
      }
    }
  }
  return { engine: cpuTicks(pid), workers: new Map(children.map((w) => [w, cpuTicks(w)])) };
}

/** µs of CPU per request of the engine and of its busiest worker between two `cpuOf` readings. */
function cpuPerRequest(before, after, requests) {
  if (before.engine === undefined || after.engine === undefined) return undefined;
  let front = 0;
  for (const [w, t] of after.workers) front = Math.max(front, (t ?? 0) - (before.workers.get(w) ?? t ?? 0));
  const us = (ticks) => (ticks * 10_000) / requests;
  return { front: us(front), engine: us(after.engine - before.engine) };
}

const baseline = await startServer(baselineArg);
const current = await startServer(CURRENT);
await Promise.all([load(baseline.url, 1000), load(current.url, 1000)]); // warm-up: JIT, worker start
const ratios = [];
const frontRatios = [];
const fmt = (cpu) => (cpu ? `, front ${cpu.front.toFixed(1)} µs/req, engine ${cpu.engine.toFixed(1)} µs/req` : '');
for (let i = 0; i < rounds; i++) {
  const before = [cpuOf(baseline.pid), cpuOf(current.pid)];
  const [b, c] = await Promise.all([load(baseline.url, ms), load(current.url, ms)]);
  const bCpu = cpuPerRequest(before[0], cpuOf(baseline.pid), b.requests);
  const cCpu = cpuPerRequest(before[1], cpuOf(current.pid), c.requests);
  ratios.push(c.rps / b.rps);
  if (bCpu && cCpu && bCpu.front > 0) frontRatios.push(cCpu.front / bCpu.front);
  console.log(`round ${i + 1}: throughput ratio ${(c.rps / b.rps).toFixed(3)}`);
  console.log(`  baseline ${b.rps.toFixed(0)} req/s${fmt(bCpu)}`);
  console.log(`  current  ${c.rps.toFixed(0)} req/s${fmt(cCpu)}`);
}
console.log(`current / baseline throughput: ${median(ratios).toFixed(3)}x (median of ${rounds} simultaneous rounds)`);
if (frontRatios.length > 0) {
  console.log(`current / baseline front CPU per request: ${median(frontRatios).toFixed(3)}x (median of the rounds)`);
}
process.exit(0);
