// `skyrun print` against what the Serverless Framework v3 (3.x, `serverless print`) printed for
// the same files, recorded in fixtures/v3-parity*/v3-print.*. The lines skyrun does not print
// are the defaults v3's aws plugin adds (`provider.versionFunctions`, and `provider.stage` /
// `provider.region` when the file sets none): skyrun offers no aws provider yet.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const dir = fileURLToPath(new URL('./fixtures/v3-parity', import.meta.url));
const recorded = (name: string) => readFileSync(`${dir}/${name}`, 'utf8');

it('prints YAML byte for byte as v3 does', async () => {
  const result = await runCli(['print'], { cwd: dir });
  expect(result.status).toBe(0);
  expect(result.stdout).toBe(recorded('v3-print.yml').replace('  versionFunctions: true\n', ''));
});

it('prints JSON as v3 does', async () => {
  const result = await runCli(['print', '--format', 'json'], { cwd: dir });
  expect(result.status).toBe(0);
  const v3 = JSON.parse(recorded('v3-print.json'));
  delete v3.provider.versionFunctions;
  expect(JSON.parse(result.stdout)).toEqual(v3);
});

it('resolves js file variables, fallback literals and self references as v3 does', async () => {
  const jsDir = fileURLToPath(new URL('./fixtures/v3-parity-js', import.meta.url));
  const result = await runCli(['print'], { cwd: jsDir });
  expect(result.status).toBe(0);
  const v3 = readFileSync(`${jsDir}/v3-print.yml`, 'utf8').replace(
    '  stage: dev\n  region: us-east-1\n  versionFunctions: true\n',
    '',
  );
  expect(result.stdout).toBe(v3);
});
