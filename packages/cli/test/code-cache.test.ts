// The CLI runs from one bundle with V8's code cache in $SKYRUN_HOME/cache/cli
// (packages/cli/src/bundle-loader.ts): the cache must never change what a command does.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const service = fileURLToPath(new URL('./fixtures/print-basic', import.meta.url));
const temp = mkdtempSync(path.join(tmpdir(), 'skyrun-code-cache-'));
const env = { SKYRUN_HOME: path.join(temp, 'home'), GREETER_API_KEY: 's3cret' };
const cacheDir = path.join(temp, 'home', 'cache', 'cli');
const cacheFiles = (): string[] => readdirSync(cacheDir).filter((name) => name.endsWith('.v8'));

afterAll(() => rmSync(temp, { recursive: true, force: true }));

it('saves the code cache on the first run and gives the same result with it, or with a broken one', async () => {
  mkdirSync(cacheDir, { recursive: true });
  const olderBuild = `node${process.versions.node}-${process.arch}-0123456789abcdef0123456789abcdef.v8`;
  const otherNode = `node0.0.1-${process.arch}-0123456789abcdef0123456789abcdef.v8`;
  writeFileSync(path.join(cacheDir, olderBuild), 'from an older build');
  writeFileSync(path.join(cacheDir, otherNode), 'from another Node version');

  const first = await runCli(['print', '--format', 'json'], { cwd: service, env });
  expect(first.status, first.stderr).toBe(0);
  const files = cacheFiles().filter((name) => name !== otherNode); // another Node's cache is kept
  expect(files).toHaveLength(1); // the older build's cache is gone
  expect(files[0]).not.toBe(olderBuild);
  const cacheFile = path.join(cacheDir, files[0]!);
  expect(statSync(cacheFile).size).toBeGreaterThan(100_000);

  const cached = await runCli(['print', '--format', 'json'], { cwd: service, env });
  expect(cached.status, cached.stderr).toBe(0);
  expect(cached.stdout).toBe(first.stdout);
  expect(cached.stderr).toBe(first.stderr);
  expect(cacheFiles()).toContain(otherNode);

  writeFileSync(cacheFile, 'not V8 code cache data');
  const broken = await runCli(['print', '--format', 'json'], { cwd: service, env });
  expect(broken.status, broken.stderr).toBe(0);
  expect(broken.stdout).toBe(first.stdout);
  expect(readFileSync(cacheFile, 'utf8')).not.toBe('not V8 code cache data'); // rewritten
});

it('runs commands that import modules from the bundle (providers) with the cache in place', async () => {
  const result = await runCli(['info', '--stage', 'prod'], { cwd: service, env });
  expect(result.stderr).toContain('is not deployed on the local runtime');
  expect(result.status).toBe(5);
});

it('loads a serverless.ts and a ${file(x.js)} variable from the bundle (esbuild and import() outside it)', async () => {
  const dir = path.join(temp, 'ts-service');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'serverless.ts'),
    "const greeting: string = '${file(./vars.cjs):greeting}';\n" +
      "export default { service: 'ts-config', provider: { name: 'local', environment: { GREETING: greeting } } };\n",
  );
  writeFileSync(path.join(dir, 'vars.cjs'), "module.exports = () => ({ greeting: 'from a js file' });\n");
  for (let run = 0; run < 2; run++) {
    const result = await runCli(['print', '--format', 'json'], { cwd: dir, env });
    expect(result.status, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed.service).toBe('ts-config');
    expect(printed.provider.environment.GREETING).toBe('from a js file');
  }
});
