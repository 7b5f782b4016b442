// The AWS CLI, pointed at the local runtime's Lambda Invoke API with --endpoint-url, invokes a
// deployed function by its AWS-style name. Runs only where `aws` is installed.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './helpers/run-cli.js';

const awsCli = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;
const temp = mkdtempSync(path.join(tmpdir(), 'skyrun-awscli-'));
const env = { SKYRUN_HOME: path.join(temp, 'home'), SKYRUN_PORT: '0' };
const dir = path.join(temp, 'svc');

afterAll(async () => {
  await runCli(['local', 'stop'], { cwd: temp, env, timeoutMs: 20_000 });
  rmSync(temp, { recursive: true, force: true });
}, 30_000);

it.skipIf(!awsCli)(
  'aws lambda invoke --endpoint-url reaches a locally deployed function (needs the aws CLI)',
  async () => {
    cpSync(path.join(REPO_ROOT, 'templates/local-nodejs'), dir, { recursive: true });
    const deployed = await runCli(['deploy', '--json'], { cwd: dir, env });
    expect(deployed.status, deployed.stderr).toBe(0);
    const endpoint = JSON.parse(deployed.stdout).outputs.InvokeApiEndpoint as string;
    const aws = (args: string[]) =>
      spawnSync('aws', ['--endpoint-url', endpoint, '--region', 'us-east-1', 'lambda', 'invoke', ...args], {
        encoding: 'utf8',
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_PAGER: '' },
        timeout: 60_000,
      });
    const out = path.join(temp, 'out.json');
    const ok = aws([
      '--function-name',
      'local-nodejs-dev-hello',
      '--payload',
      '{"queryStringParameters":{"name":"cli"}}',
      '--cli-binary-format',
      'raw-in-base64-out',
      '--log-type',
      'Tail',
      out,
    ]);
    if (ok.status !== 0 && ok.stderr.includes('cli-binary-format')) {
      // AWS CLI v1 has no --cli-binary-format and takes the payload as is.
      Object.assign(
        ok,
        aws([
          '--function-name',
          'local-nodejs-dev-hello',
          '--payload',
          '{"queryStringParameters":{"name":"cli"}}',
          '--log-type',
          'Tail',
          out,
        ]),
      );
    }
    expect(ok.status, ok.stderr).toBe(0);
    const response = JSON.parse(ok.stdout);
    expect(response.StatusCode).toBe(200);
    expect(Buffer.from(response.LogResult, 'base64').toString()).toContain('REPORT RequestId:');
    expect(JSON.parse(JSON.parse(readFileSync(out, 'utf8')).body)).toEqual({ message: 'Hello, cli!' });

    const missing = aws(['--function-name', 'nope', out]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('ResourceNotFoundException');
  },
  90_000,
);
