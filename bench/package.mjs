// `bench/package`: skyrun packaging vs Serverless Framework v3 on the same fixtures, one run.
// Run after `pnpm build` (imports packages/core/dist). Fixtures and the v3 peer live under
// bench/peers/ (gitignored); dependencies come from the npm registry on the first run.
// Prints ratios against budgets; never fails on time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, median, timeCommand } from './lib.mjs';

const PEERS = path.join(ROOT, 'bench/peers');
const FIXTURES = path.join(PEERS, 'package-fixtures');
const OUT = path.join(PEERS, 'package-out');
const V3_DIR = path.join(PEERS, 'serverless3');
const V3_BIN = path.join(V3_DIR, 'node_modules/serverless/bin/serverless.js');
const CORE_DIST = path.join(ROOT, 'packages/core/dist/packaging/index.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// skyrun's own packaging runs take a fraction of a second: more of them, so that the re-package ratio of a small
// service (tens of milliseconds against a few) is a median of enough samples to hold from run to run (with 3, the
// one-function ratio read 8.8x and 14.5x in two runs of the same build).
const SKYRUN_ROUNDS = Math.max(ROUNDS, 7);

if (!existsSync(CORE_DIST)) {
  console.log('packages/core/dist is missing: run `pnpm build` first.');
  process.exit(1);
}

// ~30 real production dependencies (and one dev dependency that must be left out).
const HEAVY_DEPS = {
  express: '^4.21.0',
  lodash: '^4.17.21',
  axios: '^1.7.0',
  dayjs: '^1.11.0',
  uuid: '^10.0.0',
  zod: '^3.23.0',
  'date-fns': '^3.6.0',
  moment: '^2.30.0',
  ramda: '^0.30.0',
  chalk: '^4.1.2',
  commander: '^12.0.0',
  yargs: '^17.7.0',
  debug: '^4.3.0',
  qs: '^6.13.0',
  jsonwebtoken: '^9.0.0',
  bcryptjs: '^2.4.3',
  validator: '^13.12.0',
  joi: '^17.13.0',
  ajv: '^8.17.0',
  yaml: '^2.5.0',
  'fast-xml-parser': '^4.5.0',
  'node-fetch': '^2.7.0',
  'p-limit': '^3.1.0',
  async: '^3.2.0',
  bluebird: '^3.7.0',
  immer: '^10.1.0',
  nanoid: '^3.3.0',
  semver: '^7.6.0',
  'mime-types': '^2.1.0',
  cors: '^2.8.0',
  dotenv: '^16.4.0',
  pino: '^9.4.0',
};

const HEAVY_HANDLER = `'use strict';
const express = require('express');
const _ = require('lodash');
const axios = require('axios');
const dayjs = require('dayjs');
const { v4: uuid } = require('uuid');
const { z } = require('zod');
const { format } = require('date-fns');
const jwt = require('jsonwebtoken');
const YAML = require('yaml');
const semver = require('semver');

const schema = z.object({ name: z.string().default('world') });
const app = express();

module.exports.hello = async (event) => {
  const input = schema.parse(event ?? {});
  return {
    statusCode: 200,
    body: JSON.stringify({
      id: uuid(), at: dayjs().toISOString(), day: format(new Date(0), 'yyyy'), name: _.capitalize(input.name),
      token: jwt.sign({ a: 1 }, 'secret'), yaml: YAML.stringify({ a: 1 }), ok: semver.valid('1.2.3'),
      client: typeof axios.get, app: typeof app,
    }),
  };
};
`;

function serverlessYml(name, functions, extra = '') {
  const fns = functions.map((f) => `  ${f.key}:\n    handler: ${f.handler}\n`).join('');
  return `service: ${name}\nframeworkVersion: '3'\nprovider:\n  name: aws\n  runtime: nodejs20.x\n  region: us-east-1\n${extra}functions:\n${fns}`;
}

function writeFixture(name, files) {
  const dir = path.join(FIXTURES, name);
  mkdirSync(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

function npmInstall(dir) {
  if (existsSync(path.join(dir, 'node_modules/.package-lock.json'))) return true;
  console.log(`installing dependencies of ${path.basename(dir)} from the npm registry...`);
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    stdio: 'inherit',
  });
  return result.status === 0;
}

function generateFixtures() {
  const fixtures = [];
  const one = [{ key: 'hello', handler: 'handler.hello' }];
  fixtures.push({
    name: 'one-function',
    functions: one,
    dir: writeFixture('one-function', {
      'serverless.yml': serverlessYml('one-function', one),
      'handler.js': "'use strict';\nmodule.exports.hello = async () => ({ statusCode: 200, body: 'ok' });\n",
      'package.json': JSON.stringify({ name: 'one-function', private: true }, null, 2),
    }),
  });

  const heavyDir = writeFixture('dependency-heavy', {
    'serverless.yml': serverlessYml('dependency-heavy', one),
    'handler.js': HEAVY_HANDLER,
    'package.json': JSON.stringify(
      { name: 'dependency-heavy', private: true, dependencies: HEAVY_DEPS, devDependencies: { prettier: '^3.3.0' } },
      null,
      2,
    ),
  });
  fixtures.push({ name: 'dependency-heavy', functions: one, dir: heavyDir, install: true, bundleToo: true });

  const fifty = Array.from({ length: 50 }, (_, i) => ({
    key: `fn${String(i).padStart(2, '0')}`,
    handler: `src/fn${String(i).padStart(2, '0')}.handler`,
  }));
  const files = {
    'serverless.yml': serverlessYml('fifty-functions', fifty),
    'package.json': JSON.stringify(
      { name: 'fifty-functions', private: true, dependencies: { lodash: '^4.17.21', dayjs: '^1.11.0' } },
      null,
      2,
    ),
    'src/lib/shared.js':
      "'use strict';\nconst _ = require('lodash');\nmodule.exports.reply = (n) => ({ statusCode: 200, body: _.repeat('x', n) });\n",
  };
  for (const f of fifty) {
    files[`src/${f.key}.js`] =
      `'use strict';\nconst { reply } = require('./lib/shared');\nconst dayjs = require('dayjs');\nmodule.exports.handler = async () => ({ ...reply(${f.key.slice(2)}), at: dayjs(0).year() });\n`;
  }
  fixtures.push({
    name: 'fifty-functions',
    functions: fifty,
    dir: writeFixture('fifty-functions', files),
    install: true,
  });
  return fixtures;
}

function ensureV3() {
  if (existsSync(V3_BIN)) return true;
  console.log('installing Serverless Framework v3 under bench/peers/serverless3 (once)...');
  mkdirSync(V3_DIR, { recursive: true });
  const result = spawnSync(
    'npm',
    ['install', '--prefix', V3_DIR, '--no-audit', '--no-fund', '--loglevel=error', 'serverless@3'],
    { stdio: 'inherit' },
  );
  return result.status === 0 && existsSync(V3_BIN);
}

const V3_ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'x',
  AWS_SECRET_ACCESS_KEY: 'x',
  SLS_TELEMETRY_DISABLED: '1',
  SLS_TRACKING_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  SLS_DEPRECATION_DISABLE: '*',
  SLS_INTERACTIVE_SETUP_DISABLE: '1',
  CI: '1',
};

function v3Package(fixture) {
  rmSync(path.join(fixture.dir, '.serverless'), { recursive: true, force: true });
  return timeCommand(process.execPath, [V3_BIN, 'package'], { cwd: fixture.dir, env: V3_ENV, timeout: 300_000 });
}

const SKYRUN_RUNNER = `
import path from 'node:path';
const [dist, dir, outDir, esbuild, force, fnsJson] = process.argv.slice(1);
const { packageService } = await import(dist);
const functions = Object.fromEntries(JSON.parse(fnsJson).map((f) => [f.key, {
  key: f.key, name: f.key, handler: f.handler, runtime: 'nodejs20.x', memorySize: 1024, timeout: 6,
  environment: {}, events: [], package: { patterns: [] }, raw: {},
}]));
const service = {
  name: path.basename(dir), stage: 'dev', provider: { name: 'aws', stage: 'dev', runtime: 'nodejs20.x', memorySize: 1024, timeout: 6, environment: {}, raw: {} },
  functions, package: { individually: false, patterns: [], excludeDevDependencies: true },
  build: esbuild === 'true' ? { esbuild: true } : {}, custom: {}, plugins: [], useDotenv: false,
  serviceDir: dir, configFile: path.join(dir, 'serverless.yml'), config: {},
};
const silent = { step: () => ({ done() {}, fail() {} }), info() {}, warn() {}, debug() {} };
const started = performance.now();
await packageService({ service, outDir, progress: silent, force: force === 'true' });
process.stdout.write(JSON.stringify({ inProcess: performance.now() - started }));
`;

function skyrunPackage(fixture, { bundle = false, force = true } = {}) {
  const outDir = path.join(OUT, `${fixture.name}${bundle ? '-bundle' : ''}`);
  if (force) rmSync(outDir, { recursive: true, force: true });
  const started = process.hrtime.bigint();
  const result = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      SKYRUN_RUNNER,
      CORE_DIST,
      fixture.dir,
      outDir,
      String(bundle),
      String(force),
      JSON.stringify(fixture.functions),
    ],
    { timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`skyrun packaging failed: ${result.stderr}`);
  return { wall, inProcess: JSON.parse(result.stdout.toString()).inProcess };
}

function zipBytes(dir) {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.zip'))
    .reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0);
}

function line(label, value, reference, budget, better) {
  const ratio = reference / value;
  const verdict = budget === undefined ? '' : `  budget ${budget}x ${better}: ${ratio >= budget ? 'ok' : 'MISSED'}`;
  return `  ${label.padEnd(44)} ${ratio.toFixed(2).padStart(7)}x${verdict}`;
}

const fixtures = generateFixtures();
for (const fixture of fixtures) {
  if (fixture.install && !npmInstall(fixture.dir)) {
    console.log(`  ${fixture.name}: npm install failed; skipped`);
    fixture.skip = true;
  }
}
const hasV3 = ensureV3();
if (!hasV3) console.log('NOTE: Serverless Framework v3 could not be installed; v3 comparisons are skipped.');

const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KB`;
const rows = [];
for (const fixture of fixtures.filter((f) => !f.skip)) {
  const row = { name: fixture.name };
  rows.push(row);
  console.log(`\n${fixture.name} (${fixture.functions.length} function${fixture.functions.length === 1 ? '' : 's'})`);
  const coldSamples = [];
  const warmSamples = [];
  for (let i = 0; i < SKYRUN_ROUNDS; i++) {
    coldSamples.push(skyrunPackage(fixture, { force: true }));
    warmSamples.push(skyrunPackage(fixture, { force: false }));
  }
  const cold = median(coldSamples.map((s) => s.wall));
  const warm = median(warmSamples.map((s) => s.wall));
  const coldIn = median(coldSamples.map((s) => s.inProcess));
  const warmIn = median(warmSamples.map((s) => s.inProcess));
  // The budget ratio is the median of each round's own ratio (its cold and unchanged runs back to back, under the
  // same machine load), as bench/local does: a ratio of two separate medians moved by a third between runs.
  const speedUpIn = median(coldSamples.map((s, i) => s.inProcess / warmSamples[i].inProcess));
  const skyrunSize = zipBytes(path.join(OUT, fixture.name));
  console.log(`  skyrun package (cold)  ${cold.toFixed(0).padStart(6)} ms   ${kb(skyrunSize)}`);
  console.log(`  skyrun re-package      ${warm.toFixed(0).padStart(6)} ms   (unchanged inputs; process wall time)`);
  console.log(
    `  in-process packaging   ${coldIn.toFixed(0).padStart(6)} ms cold, ${warmIn.toFixed(0)} ms unchanged (node startup + imports excluded)`,
  );
  console.log(line('re-package speed-up, in process', 1, speedUpIn, 10, 'faster'));
  console.log(line('re-package speed-up, process wall time', warm, cold));
  Object.assign(row, { cold, warm, coldIn, warmIn, speedUpIn, size: skyrunSize });

  let v3Size;
  if (hasV3) {
    try {
      const samples = [];
      for (let i = 0; i < Math.min(ROUNDS, 2); i++) samples.push(v3Package(fixture));
      const v3 = median(samples);
      v3Size = zipBytes(path.join(fixture.dir, '.serverless'));
      console.log(`  serverless v3 package  ${v3.toFixed(0).padStart(6)} ms   ${kb(v3Size)}`);
      console.log(line('speed vs v3 (v3 time / skyrun time)', cold, v3, 3, 'faster'));
      console.log(line('copy-mode size vs v3 (v3 size / skyrun size)', skyrunSize, v3Size, 1, 'no larger'));
      Object.assign(row, { v3, v3Size });
    } catch (error) {
      console.log(
        `  serverless v3 failed on this fixture; skipped (${String(error.message).split('\n').slice(0, 3).join(' ')})`,
      );
    }
  }
  if (fixture.bundleToo) {
    const bundleTime = skyrunPackage(fixture, { bundle: true, force: true }).wall;
    const bundleSize = zipBytes(path.join(OUT, `${fixture.name}-bundle`));
    console.log(`  skyrun bundle (esbuild) ${bundleTime.toFixed(0).padStart(5)} ms   ${kb(bundleSize)}`);
    const reference = v3Size ?? skyrunSize;
    console.log(
      line(
        `bundle size vs ${v3Size ? 'v3' : 'skyrun copy mode'} (reference / bundle)`,
        bundleSize,
        reference,
        5,
        'smaller',
      ),
    );
    Object.assign(row, { bundleSize, bundleReference: reference });
  }
}

// One table with every budget (ratios: higher is better; the budget in brackets).
const ratio = (reference, value, budget) =>
  reference && value ? `${(reference / value).toFixed(1)}x ${reference / value >= budget ? 'ok' : 'MISSED'}` : '-';
const table = [
  [
    'fixture',
    'skyrun cold',
    'v3',
    'vs v3 [3x]',
    're-package',
    'in-process cold / unchanged',
    're-package [10x]',
    'size skyrun / v3',
    'size [1x]',
    'bundle [5x]',
  ],
  ...rows.map((r) => [
    r.name,
    `${r.cold.toFixed(0)} ms`,
    r.v3 ? `${r.v3.toFixed(0)} ms` : '-',
    ratio(r.v3, r.cold, 3),
    `${r.warm.toFixed(0)} ms`,
    `${r.coldIn.toFixed(1)} / ${r.warmIn.toFixed(1)} ms`,
    ratio(r.speedUpIn, 1, 10),
    r.v3Size ? `${kb(r.size)} / ${kb(r.v3Size)}` : kb(r.size),
    ratio(r.v3Size, r.size, 1),
    r.bundleSize ? `${kb(r.bundleSize)} ${ratio(r.bundleReference, r.bundleSize, 5)}` : '-',
  ]),
];
const widths = table[0].map((_, i) => Math.max(...table.map((cells) => cells[i].length)));
console.log('\nsummary');
for (const cells of table) console.log(`  ${cells.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`);
