import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

const basic = path.join(FIXTURES, 'print-basic');

describe('skyrun print', () => {
  it('prints the resolved configuration as YAML', async () => {
    const result = await runCli(['print'], { cwd: basic, env: { GREETER_API_KEY: 's3cret' } });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('service: greeter');
    expect(result.stdout).toContain('STAGE: dev');
    expect(result.stdout).toContain('GREETING: hello');
    expect(result.stdout).toContain('API_KEY: s3cret');
    expect(result.stdout).toContain('TABLE: greetings-dev');
    expect(result.stdout).toMatch(/RETRIES: '3'/);
    expect(result.stdout).toMatch(/shared:\n\s+colour: blue\n\s+size: 3/);
  });

  it('applies --stage, stage params and --param overrides', async () => {
    const prod = await runCli(['print', '--stage', 'prod', '--format', 'json', '--path', 'provider.environment'], {
      cwd: basic,
    });
    expect(prod.status).toBe(0);
    expect(JSON.parse(prod.stdout)).toEqual({
      STAGE: 'prod',
      GREETING: 'bonjour',
      API_KEY: 'none',
      TABLE: 'greetings-prod',
      RETRIES: '3',
    });
    const param = await runCli(
      ['print', '--param', 'greeting=hola', '--path', 'provider.environment.GREETING', '--format', 'text'],
      { cwd: basic },
    );
    expect(param.status).toBe(0);
    expect(param.stdout.trim()).toBe('hola');
  });

  it('masks values from env and param sources with --conceal', async () => {
    const result = await runCli(['print', '--conceal', '--format', 'json'], {
      cwd: basic,
      env: { GREETER_API_KEY: 's3cret' },
    });
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain('s3cret');
    const env = JSON.parse(result.stdout).provider.environment;
    expect(env.API_KEY).toBe('********');
    expect(env.GREETING).toBe('********');
    expect(env.STAGE).toBe('dev');
  });

  it('returns the selected configuration with --json', async () => {
    const result = await runCli(['print', '--json', '--path', 'custom.shared'], { cwd: basic });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ colour: 'blue', size: 3 });
  });

  it('names file, line and column of an unresolvable variable, with exit code 3', async () => {
    const result = await runCli(['print'], { cwd: path.join(FIXTURES, 'print-missing-var') });
    expect(result.status).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('serverless.yml:6:12');
    expect(result.stderr).toContain('provider.environment.TOKEN');
    expect(result.stderr).toContain('Hint:');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects an invalid value in error mode, pointing at it', async () => {
    const result = await runCli(['print'], { cwd: path.join(FIXTURES, 'print-invalid') });
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('serverless.yml:10:14');
    expect(result.stderr).toContain('functions.hello.timeout');
  });

  it('prints a service for a provider skyrun does not offer yet, with one warning', async () => {
    const result = await runCli(['print', '--format', 'json'], { cwd: path.join(FIXTURES, 'print-aws') });
    expect(result.status).toBe(0);
    const config = JSON.parse(result.stdout);
    expect(config.resources.Resources.Table.Properties.TableName).toBe('legacy-dev');
    expect(config.resources.Resources.Table.Properties.Tags[0].Value).toEqual({ 'Fn::Sub': '${AWS::Region}' });
    expect(config.provider.iam.role.statements[0].Resource).toEqual({ 'Fn::GetAtt': ['Table', 'Arn'] });
    expect(result.stderr.match(/Warning:/g)).toHaveLength(1);
    expect(result.stderr).toContain('aws');
  });

  it('fails provider verbs on a provider skyrun does not offer, with a hint', async () => {
    const result = await runCli(['info'], { cwd: path.join(FIXTURES, 'print-aws') });
    expect(result.status).toBe(5);
    expect(result.stderr).toContain('"aws"');
    expect(result.stderr).toContain('--provider local');
  });

  it('never shows a secret value in a validation error', async () => {
    const result = await runCli(['print'], {
      cwd: path.join(FIXTURES, 'print-secret-invalid'),
      env: { SKYRUN_TEST_SECRET_TIMEOUT: 'hunter2' },
    });
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('functions.hello.timeout must be a number (got ********)');
    expect(result.stderr).not.toContain('hunter2');
  });

  it('says once that plugins are not loaded, and still prints', async () => {
    const result = await runCli(['print', '--path', 'plugins', '--format', 'text'], {
      cwd: path.join(FIXTURES, 'print-plugins'),
    });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('serverless-offline\nserverless-esbuild');
    expect(result.stderr.match(/Warning:/g)).toHaveLength(1);
    expect(result.stderr).toContain('serverless.yml:3:3: skyrun does not load Serverless Framework plugins yet');
  });

  it('explains a missing service file', async () => {
    const result = await runCli(['print'], { cwd: FIXTURES });
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('No service file');
  });
});

describe('skyrun --help and --version', () => {
  it('prints the version', async () => {
    const result = await runCli(['--version'], { cwd: FIXTURES });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/0\.1\.0/);
  });

  it('lists commands and exit codes', async () => {
    const result = await runCli(['--help'], { cwd: FIXTURES });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('deploy');
    expect(result.stdout).toContain('EXIT CODES');
    expect(result.stdout).toMatch(/3\s+the service file is wrong/);
  });

  it('rejects an unknown flag with exit code 2', async () => {
    const result = await runCli(['print', '--no-such-flag'], { cwd: basic });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('no-such-flag');
  });
});
