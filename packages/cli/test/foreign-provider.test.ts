// A service written for one provider, run on the local runtime by a stage or by --provider:
// the other provider's settings are reported once, the events local cannot serve are listed
// once and skipped, and the rest deploys and answers.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const temp = mkdtempSync(path.join(tmpdir(), 'skyrun-foreign-'));
const dir = path.join(temp, 'svc');
const env = { SKYRUN_HOME: path.join(temp, 'home'), SKYRUN_PORT: '0' };
cpSync(fileURLToPath(new URL('./fixtures/multi-provider', import.meta.url)), dir, { recursive: true });

afterAll(async () => {
  await runCli(['local', 'stop'], { cwd: temp, env, timeoutMs: 20_000 });
  rmSync(temp, { recursive: true, force: true });
}, 30_000);

it('runs an aws service on local through its dev stage, warning once per kind of skipped setting', async () => {
  const deploy = await runCli(['deploy', '--json'], { cwd: dir, env });
  expect(deploy.status, deploy.stderr).toBe(0);
  const warnings = deploy.stderr.split('\n').filter((line) => line.startsWith('Warning:'));
  expect(warnings).toHaveLength(2);
  expect(warnings[0]).toContain('written for "aws" and runs on "local"');
  expect(warnings[0]).toContain('provider.iam');
  expect(warnings[0]).toContain('provider.tracing');
  expect(warnings[1]).toContain('hello (sqs)');
  const result = JSON.parse(deploy.stdout);
  expect(result.provider).toBe('local');
  const response = await fetch(result.endpoints[0].url);
  expect(await response.json()).toEqual({ path: '/hello' });
});

it('keeps validating strictly when the stage runs on the provider the file names', async () => {
  const print = await runCli(['print', '--stage', 'prod', '--path', 'provider.name', '--format', 'text'], {
    cwd: dir,
    env,
  });
  expect(print.status).toBe(0);
  expect(print.stdout.trim()).toBe('aws');
  expect(print.stderr).toContain('does not offer the provider "aws"');
});
