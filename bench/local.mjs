// Local runtime budgets (issue 4), ratios from one run. Run after `pnpm build`.
//   throughput, hello handler, 10 connections: a hello service deployed with `skyrun deploy` (the real CLI, daemon,
//     log store and workers) >= 50% of a bare node:http server, and >= 10x serverless-offline (installed on demand
//     under bench/peers/local). The reference is serverless-offline 14: it declares the Serverless
//     Framework v4 (login and licence) as its peer but runs under v3, so v14 on v3 is the peer measured (installed
//     with --legacy-peer-deps). The version that ran is printed: 14 serves about 1.8x the requests of 13 here.
//   warm p99 at 10 connections <= 2x the bare server's
//   cold start (first request, no warm worker) < 0.5x a bare `node -e 0`
// The deployed service, the bare server and serverless-offline are loaded in turns (BENCH_ROUNDS, default 5,
// each round in another order), and a budget ratio is the median of the rounds' ratios, so that a noisy machine
// hits both sides of a ratio alike. The engine alone (gateway + workers in one process, no log
// store) is also measured, for reading changes to the engine apart from the daemon's share; and once more with a
// second function in the api (the gateway then reads each connection's first request to place it).
// Servers and the load generator each run in their own process. The load generator is autocannon when it
// installs under bench/peers/local, else a small keep-alive generator in this file (same one for every target).
// Latency: autocannon times every request with process.hrtime but records whole milliseconds (a bare server's
// p99 reads 0 or 1 ms), so it runs here programmatically with its latency histogram recording microseconds;
// the built-in generator records hrtime per request too. The first line of output says which one ran.
// BENCH_BASELINE_ENGINE=/path/to/dist/engine/index.js also measures another build of the engine (e.g. an
// older commit) in the same run, for before/after figures under the same machine conditions.
import { spawn, spawnSync } from 'node:child_process';
import { createServer, Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, SKYRUN, median, timeCommand } from './lib.mjs';

const ENGINE = path.join(ROOT, 'packages/providers/local/dist/engine/index.js');
const PEERS = path.join(ROOT, 'bench/peers/local');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const HELLO = `exports.handler = async () => ({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'hello' });\n`;

function makeService() {
  const dir = mkdtempSync(path.join(tmpdir(), 'skyrun-bench-'));
  writeFileSync(path.join(dir, 'handler.js'), HELLO);
  writeFileSync(path.join(dir, 'package.json'), '{"type":"commonjs"}\n');
  return dir;
}

/** serverless.yml of the hello service: `service`, the given lines, then the function behind `GET /hello`. */
function helloServiceYaml(lines) {
  return [
    'service: bench',
    ...lines,
    'functions:',
    '  hello:',
    '    handler: handler.handler',
    '    events:',
    '      - httpApi: GET /hello',
    '',
  ].join('\n');
}

function helloSpec(dir, extra = {}) {
  return {
    service: 'bench',
    stage: 'dev',
    key: 'hello',
    name: 'bench-dev-hello',
    version: '1',
    codeDir: dir,
    handler: 'handler.handler',
    runtime: 'nodejs20.x',
    environment: {},
    timeoutMs: 6000,
    memorySize: 1024,
    sha256: 'x',
    ...extra,
  };
}

// ---------------------------------------------------------------- child modes
async function serveBare() {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello');
  });
  server.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
}

/**
 * The engine serving the hello service; `store`: its log lines go to a log store, as in the daemon; `several`: the
 * api has a second function (behind `/other`), as most services' apis have.
 */
async function serveSkyrun(enginePath = ENGINE, store = false, several = false) {
  const { createFunctionEngine, createApiServer } = await import(pathToFileURL(enginePath).href);
  const dir = makeService();
  const engine = createFunctionEngine();
  if (store) {
    const storeModule = path.join(path.dirname(enginePath), '../daemon/log-store.js');
    const { LogStore } = await import(pathToFileURL(storeModule).href);
    const logs = new LogStore({ root: path.join(dir, '.logs') });
    logs.setTarget('bench-dev-hello', { service: 'bench', stage: 'dev', key: 'hello' });
    engine.onLog((record) => logs.append(record), { lines: (name, lines) => logs.appendLines(name, lines) });
  }
  engine.activate(await engine.prepare(helloSpec(dir)));
  const route = (path, functionName) => ({
    service: 'bench',
    stage: 'dev',
    api: 'http',
    payloadVersion: '2.0',
    method: 'GET',
    path,
    functionName,
  });
  const routes = [route('/hello', 'bench-dev-hello')];
  if (several) {
    engine.activate(await engine.prepare(helloSpec(dir, { key: 'other', name: 'bench-dev-other' })));
    routes.push(route('/other', 'bench-dev-other'));
  }
  const api = createApiServer({ engine, routes });
  const { port } = await api.listen();
  console.log(`PORT ${port}`);
  process.on('SIGTERM', async () => {
    await api.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

/** Keep-alive load generator: `connections` loops, each one request at a time, for `ms`. Prints JSON. */
async function loadMode(url, connections, ms) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  let errors = 0;
  let done = 0;
  const end = Date.now() + ms;
  const one = () =>
    new Promise((resolve) => {
      const t0 = process.hrtime.bigint();
      const req = request(url, { agent }, (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          if (res.statusCode !== 200) errors++;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          done++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < end) await one();
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? NaN;
  const p50 = latencies[Math.floor(latencies.length * 0.5)] ?? NaN;
  agent.destroy();
  console.log(JSON.stringify({ rps: done / elapsed, p99, p50, errors, requests: done }));
}

/** autocannon, with its latency histogram in microseconds (its own per-request hrtime, not truncated to ms). */
async function autocannonMode(url, connections, ms) {
  const require = createRequire(path.join(PEERS, 'package.json'));
  const autocannon = require('autocannon');
  const hdr = require('hdr-histogram-js');
  hdr.initWebAssemblySync();
  const latencies = hdr.build({
    useWebAssembly: true,
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 10_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const record = latencies.recordValue.bind(latencies);
  latencies.recordValue = (msValue) => record(Math.max(1, Math.round(msValue * 1000)));
  const j = await autocannon({
    url,
    connections,
    duration: ms / 1000,
    histograms: { latencies },
  });
  console.log(
    JSON.stringify({
      rps: j.requests.average,
      p99: j.latency.p99 / 1000,
      p50: j.latency.p50 / 1000,
      errors: j.errors + j.timeouts + j.non2xx,
      requests: j.requests.total,
    }),
  );
}

// ---------------------------------------------------------------- orchestration helpers
function startServer(args, readyPattern = /^PORT (\d+)/m, timeoutMs = 30_000, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in ${timeoutMs} ms: ${out.slice(-500)}`));
    }, timeoutMs);
    const onData = (d) => {
      out += d;
      const m = readyPattern.exec(out);
      if (m) {
        clearTimeout(timer);
        // From here on its output is dropped unread: a server logging every request (serverless-offline)
        // would otherwise have this process search a growing text, taking CPU from the measured ones.
        child.stdout.off('data', onData);
        child.stderr.off('data', onData);
        child.stdout.resume();
        child.stderr.resume();
        out = '';
        resolve({ child, port: Number(m[1]) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited ${code}: ${out.slice(-500)}`));
    });
  });
}

function stopServer(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Install the peers this bench compares against, once, under bench/peers/local (never project dependencies). */
function ensurePeers() {
  const wanted = ['autocannon@8', 'serverless@3', 'serverless-offline@14'];
  const installedMajor = (name) => {
    const file = path.join(PEERS, 'node_modules', name, 'package.json');
    return existsSync(file) ? Number(JSON.parse(readFileSync(file, 'utf8')).version.split('.')[0]) : 0;
  };
  // An older install (serverless-offline 13, from before this bench measured 14) is replaced.
  const missing = wanted.filter((spec) => {
    const [name, major] = spec.split('@');
    return installedMajor(name) < Number(major);
  });
  if (!missing.length || process.env.BENCH_INSTALL_PEERS === '0') return;
  console.log(`installing bench peers under bench/peers/local: ${wanted.join(' ')}`);
  const args = ['install', '--prefix', PEERS, '--no-audit', '--no-fund', '--loglevel=error', '--legacy-peer-deps'];
  const r = spawnSync('npm', [...args, ...wanted], {
    stdio: 'inherit',
    timeout: 600_000,
  });
  if (r.status !== 0) console.log('peer install failed: the bench measures what it can');
}

function autocannonBin() {
  const bin = path.join(PEERS, 'node_modules/autocannon/autocannon.js');
  return existsSync(bin) ? bin : undefined;
}

function runLoad(url, seconds) {
  const mode = autocannonBin() ? 'autocannon' : 'load';
  const r = spawnSync(process.execPath, [process.argv[1], mode, url, String(CONNECTIONS), String(seconds * 1000)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`load generator failed: ${r.stderr.slice(-500)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function printLoad(label, r) {
  console.log(
    `${label.padEnd(38)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${r.p50.toFixed(3).padStart(7)} ms   p99 ${r.p99.toFixed(3).padStart(7)} ms   errors ${r.errors}`,
  );
}

async function measureServer(label, args, urlPath, options, readyPattern) {
  const { child, port } = await startServer(args, readyPattern, undefined, options);
  try {
    const url = `http://127.0.0.1:${port}${urlPath}`;
    runLoad(url, 1); // warm-up: JIT, and the engine scales out its workers
    const r = runLoad(url, SECONDS);
    printLoad(label, r);
    return r;
  } finally {
    await stopServer(child);
  }
}

/** The median of each field over rounds. */
function medianLoad(samples) {
  const pick = (k) => median(samples.map((r) => r[k]));
  return {
    rps: pick('rps'),
    p50: pick('p50'),
    p99: pick('p99'),
    errors: samples.reduce((n, r) => n + r.errors, 0),
    requests: samples.reduce((n, r) => n + r.requests, 0),
  };
}

/**
 * A hello service deployed with the real CLI (fresh SKYRUN_HOME, the daemon started on demand), the bare server
 * and serverless-offline, loaded in turns; the daemon is stopped at the end.
 */
async function measureDeployedAgainstBare() {
  const dir = makeService();
  const home = mkdtempSync(path.join(tmpdir(), 'skyrun-bench-home-'));
  writeFileSync(
    path.join(dir, 'serverless.yml'),
    helloServiceYaml(['provider:', '  name: local', '  runtime: nodejs20.x']),
  );
  const env = { ...process.env, SKYRUN_HOME: home, SKYRUN_PORT: '0', NO_COLOR: '1' };
  const skyrun = (args) => spawnSync(process.execPath, [SKYRUN, ...args], { cwd: dir, env, encoding: 'utf8' });
  const bare = await startServer([process.execPath, process.argv[1], 'serve-bare']);
  const offline = await startOffline();
  try {
    const deployed = skyrun(['deploy', '--json']);
    if (deployed.status !== 0) throw new Error(`skyrun deploy failed: ${deployed.stderr.slice(-500)}`);
    const url = JSON.parse(deployed.stdout).endpoints[0].url;
    const bareUrl = `http://127.0.0.1:${bare.port}/`;
    runLoad(bareUrl, 1);
    runLoad(url, 1);
    if (offline) {
      runLoad(offline.url, 1);
      offline.pause();
    }
    const samples = { bare: [], deployed: [], offline: [] };
    const loaders = {
      bare: () => runLoad(bareUrl, SECONDS),
      deployed: () => runLoad(url, SECONDS),
      offline: () => {
        offline.resume();
        const r = runLoad(offline.url, SECONDS);
        offline.pause();
        return r;
      },
    };
    const targets = offline ? ['bare', 'deployed', 'offline'] : ['bare', 'deployed'];
    for (let i = 0; i < ROUNDS; i++) {
      // Each round in another order, so that no target always follows the same one.
      const order = targets.map((_, k) => targets[(k + i) % targets.length]);
      for (const t of order) samples[t].push(loaders[t]());
    }
    // Budget ratios are the medians of each round's ratios: the targets of a round ran within seconds of each
    // other, under the same machine load, which a ratio of separate medians would not hold to.
    const perRound = (f) => samples.bare.map((_, i) => f(i));
    const ratios = {
      throughput: perRound((i) => samples.deployed[i].rps / samples.bare[i].rps),
      p99: perRound((i) => samples.deployed[i].p99 / samples.bare[i].p99),
      offline: offline ? perRound((i) => samples.deployed[i].rps / samples.offline[i].rps) : undefined,
    };
    const result = {
      bare: medianLoad(samples.bare),
      deployed: medianLoad(samples.deployed),
      offline: offline ? medianLoad(samples.offline) : undefined,
      ratios,
    };
    printLoad(`bare node:http hello (median of ${ROUNDS})`, result.bare);
    printLoad(`skyrun deploy (median of ${ROUNDS})`, result.deployed);
    if (result.offline) printLoad(`${offline.label} (median of ${ROUNDS})`, result.offline);
    const list = (values) => values.map((v) => v.toFixed(2)).join(' ');
    console.log(`rounds: skyrun / bare ${list(ratios.throughput)}; p99 / bare ${list(ratios.p99)}`);
    if (ratios.offline) console.log(`rounds: skyrun / serverless-offline ${list(ratios.offline)}`);
    return result;
  } finally {
    await offline?.stop();
    skyrun(['local', 'stop']);
    await stopServer(bare.child);
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
}

/** serverless-offline serving the same hello service: `{ label, url, stop }`, or undefined when it cannot run. */
async function startOffline() {
  if (process.env.BENCH_OFFLINE === '0') {
    console.log('serverless-offline: skipped (BENCH_OFFLINE=0)');
    return undefined;
  }
  const sls = path.join(PEERS, 'node_modules/serverless/bin/serverless.js');
  if (!existsSync(sls) || !existsSync(path.join(PEERS, 'node_modules/serverless-offline'))) {
    console.log('serverless-offline: could not be installed under bench/peers/local; skipped');
    return undefined;
  }
  const dir = makeService();
  writeFileSync(
    path.join(dir, 'serverless.yml'),
    helloServiceYaml([
      'frameworkVersion: "3"',
      'provider:',
      '  name: aws',
      '  runtime: nodejs20.x',
      'plugins:',
      `  - serverless-offline`,
      'custom:',
      '  serverless-offline:',
      '    httpPort: 0',
      '    lambdaPort: 0',
    ]),
  );
  // The plugin resolves from the service directory: point NODE_PATH-less resolution at the peers install.
  spawnSync('ln', ['-s', path.join(PEERS, 'node_modules'), path.join(dir, 'node_modules')]);
  const port = 3000 + Math.floor(Math.random() * 2000);
  try {
    const { child, port: bound } = await startServer(
      [process.execPath, sls, 'offline', 'start', '--httpPort', String(port), '--lambdaPort', String(port + 1)],
      /Server ready: http:\/\/localhost:(\d+)/,
      60_000,
      {
        cwd: dir,
        env: {
          ...process.env,
          SLS_TELEMETRY_DISABLED: '1',
          SLS_NOTIFICATIONS_MODE: 'off',
          SLS_DEPRECATION_DISABLE: '*',
          AWS_ACCESS_KEY_ID: 'bench',
          AWS_SECRET_ACCESS_KEY: 'bench',
        },
      },
    );
    const version = JSON.parse(
      readFileSync(path.join(PEERS, 'node_modules/serverless-offline/package.json'), 'utf8'),
    ).version;
    return {
      label: `serverless-offline ${version}`,
      url: `http://127.0.0.1:${bound}/hello`,
      // Between its own rounds it is stopped (SIGSTOP): idle, it still takes CPU from whatever is measured.
      pause: () => child.kill('SIGSTOP'),
      resume: () => child.kill('SIGCONT'),
      stop: async () => {
        child.kill('SIGCONT');
        await stopServer(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    console.log(`serverless-offline: could not run (${String(err.message).split('\n')[0].slice(0, 200)}); skipped`);
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

/** First request to a function with no warm worker: engine scaled to zero, generic pool warm. */
async function measureCold(rounds) {
  const { createFunctionEngine } = await import(pathToFileURL(ENGINE).href);
  const dir = makeService();
  const engine = createFunctionEngine({ keepWarmMs: 100, reapIntervalMs: 20 });
  const spec = helloSpec(dir);
  engine.activate(await engine.prepare(spec));
  const samples = [];
  const inits = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const end = Date.now() + 5000;
      while (engine.stats()[0].workers > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300)); // let the generic pool refill in the background
      const t0 = performance.now();
      const r = await engine.invoke(spec.name, {});
      samples.push(performance.now() - t0);
      if (r.initDurationMs === undefined || r.functionError) throw new Error('expected a cold start');
      inits.push(r.initDurationMs);
    }
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { cold: median(samples), init: median(inits) };
}

function budget(name, ratio, limit, better = 'below') {
  const ok = better === 'below' ? ratio <= limit : ratio >= limit;
  console.log(
    `${name.padEnd(44)} ${ratio.toFixed(2).padStart(6)}x   (budget ${better === 'below' ? '<=' : '>='} ${limit}x: ${ok ? 'ok' : 'MISSED'})`,
  );
}

async function main() {
  if (!existsSync(ENGINE)) {
    console.error('bench/local: build first (pnpm build): missing packages/providers/local/dist');
    process.exit(1);
  }
  ensurePeers();
  console.log(
    `local: ${CONNECTIONS} connections, ${SECONDS} s per target, load generator: ${autocannonBin() ? 'autocannon (latency histogram in µs)' : 'built-in keep-alive client (hrtime per request)'}`,
  );
  const self = process.argv[1];
  const { bare, deployed: sky, offline, ratios } = await measureDeployedAgainstBare();
  const engineOnly = await measureServer(
    'engine alone (no daemon)',
    [process.execPath, self, 'serve-skyrun'],
    '/hello',
  );
  const engineSeveral = await measureServer(
    'engine alone, api of 2 functions',
    [process.execPath, self, 'serve-skyrun', '', '', 'several'],
    '/hello',
  );
  const baselineEngine = process.env.BENCH_BASELINE_ENGINE;
  const baseline = baselineEngine
    ? await measureServer(
        'skyrun, baseline engine',
        [process.execPath, self, 'serve-skyrun', path.resolve(baselineEngine)],
        '/hello',
      )
    : undefined;

  const nodeE0 = median(Array.from({ length: 10 }, () => timeCommand(process.execPath, ['-e', '0'])));
  const { cold, init } = await measureCold(8);
  console.log(`${'node -e 0 (spawn to exit)'.padEnd(30)} ${nodeE0.toFixed(1).padStart(8)} ms`);
  console.log(
    `${'skyrun cold start (request)'.padEnd(30)} ${cold.toFixed(1).padStart(8)} ms   (init duration ${init.toFixed(1)} ms)`,
  );
  console.log('');
  budget('throughput: skyrun deploy / bare', median(ratios.throughput), 0.5, 'above');
  budget('warm p99: skyrun deploy / bare', median(ratios.p99), 2);
  console.log(`${'engine alone: throughput / bare'.padEnd(44)} ${(engineOnly.rps / bare.rps).toFixed(2).padStart(6)}x`);
  console.log(
    `${'engine alone, 2 functions: throughput / bare'.padEnd(44)} ${(engineSeveral.rps / bare.rps).toFixed(2).padStart(6)}x`,
  );
  if (baseline) {
    console.log(
      `${'baseline engine: throughput / bare'.padEnd(44)} ${(baseline.rps / bare.rps).toFixed(2).padStart(6)}x`,
    );
    console.log(
      `${'baseline engine: warm p99 / bare'.padEnd(44)} ${(baseline.p99 / bare.p99).toFixed(2).padStart(6)}x`,
    );
  }
  budget('cold start: skyrun / node -e 0', cold / nodeE0, 0.5);
  if (offline) budget('throughput: skyrun / serverless-offline', median(ratios.offline), 10, 'above');
  if (sky.errors > 0) console.log(`skyrun: ${sky.errors} errors during load`);
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'serve-bare') await serveBare();
else if (mode === 'serve-skyrun') await serveSkyrun(rest[0] || undefined, rest[1] === 'store', rest[2] === 'several');
else if (mode === 'load') await loadMode(rest[0], Number(rest[1]), Number(rest[2]));
else if (mode === 'autocannon') await autocannonMode(rest[0], Number(rest[1]), Number(rest[2]));
else await main();
