import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const root = mkdtempSync(path.join(tmpdir(), 'skyrun-create-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDir = () => {
  const dir = path.join(root, `case-${++counter}`);
  mkdirSync(dir);
  return dir;
};
const TEMPLATES = ['local-nodejs', 'local-python', 'local-typescript', 'multi-cloud-starter'];

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`)
        : [`${prefix}${entry.name}`],
    )
    .sort();
}

describe('skyrun create --list', () => {
  it('lists every template with provider, runtime and description', async () => {
    const result = await runCli(['create', '--list'], { cwd: root });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^TEMPLATE\s+PROVIDER\s+RUNTIME\s+DESCRIPTION/);
    for (const name of TEMPLATES) expect(result.stdout).toMatch(new RegExp(`^${name}\\s+local\\s+\\S+\\s+\\S`, 'm'));
  });

  it('prints the same list as JSON with --json', async () => {
    const result = await runCli(['create', '--list', '--json'], { cwd: root });
    expect(result.status, result.stderr).toBe(0);
    const list = JSON.parse(result.stdout) as {
      name: string;
      provider: string;
      runtime: string;
      description: string;
    }[];
    expect(list.map((t) => t.name)).toEqual(TEMPLATES);
    expect(list.find((t) => t.name === 'local-python')).toMatchObject({ provider: 'local', runtime: 'python3.11' });
    for (const t of list) expect(Object.keys(t).sort()).toEqual(['description', 'name', 'provider', 'runtime']);
  });
});

describe('skyrun create --template', () => {
  it('creates ./<name> with --name, renames dotfiles and rewrites the service name everywhere', async () => {
    const cwd = freshDir();
    const result = await runCli(['create', '--template', 'local-nodejs', '--name', 'my-api'], { cwd });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('Created service my-api from local-nodejs in my-api');
    const dir = path.join(cwd, 'my-api');
    expect(listFiles(dir)).toEqual([
      '.gitignore',
      'README.md',
      'handler.js',
      'package.json',
      'serverless.yml',
      'test/handler.test.js',
    ]);
    expect(readFileSync(path.join(dir, 'serverless.yml'), 'utf8')).toMatch(/^service: my-api$/m);
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name).toBe('my-api');
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toMatch(/^# my-api$/m);
    for (const file of listFiles(dir))
      expect(readFileSync(path.join(dir, file), 'utf8'), file).not.toContain('local-nodejs');
  });

  it('creates into the current directory without --name or --path, keeping the template service name', async () => {
    const cwd = freshDir();
    const result = await runCli(['create', '-t', 'local-python'], { cwd });
    expect(result.status, result.stderr).toBe(0);
    expect(listFiles(cwd)).toEqual(['.gitignore', 'README.md', 'handler.py', 'serverless.yml', 'test_handler.py']);
    expect(readFileSync(path.join(cwd, 'serverless.yml'), 'utf8')).toMatch(/^service: local-python$/m);
  });

  it('honours --path over ./<name> and returns the result as JSON', async () => {
    const cwd = freshDir();
    const result = await runCli(
      ['create', '-t', 'local-typescript', '-n', 'orders', '-p', 'services/orders-api', '--json'],
      { cwd },
    );
    expect(result.status, result.stderr).toBe(0);
    const created = JSON.parse(result.stdout) as {
      directory: string;
      service: string;
      template: string;
      files: string[];
    };
    expect(created).toMatchObject({
      directory: path.join(cwd, 'services', 'orders-api'),
      service: 'orders',
      template: 'local-typescript',
    });
    expect(created.files).toContain('src/handler.ts');
    expect(existsSync(path.join(cwd, 'orders'))).toBe(false);
    expect(readFileSync(path.join(cwd, 'services/orders-api/serverless.yml'), 'utf8')).toMatch(/^service: orders$/m);
  });

  it('never overwrites: lists every conflict and writes nothing', async () => {
    const cwd = freshDir();
    writeFileSync(path.join(cwd, 'serverless.yml'), 'service: mine\n');
    mkdirSync(path.join(cwd, 'test'));
    writeFileSync(path.join(cwd, 'test', 'handler.test.js'), '// mine\n');
    const result = await runCli(['create', '-t', 'local-nodejs'], { cwd });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('2 file(s) already exist');
    expect(result.stderr).toContain('serverless.yml');
    expect(result.stderr).toContain('test/handler.test.js');
    expect(result.stderr).toContain('Nothing was written');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(listFiles(cwd)).toEqual(['serverless.yml', 'test/handler.test.js']);
    expect(readFileSync(path.join(cwd, 'serverless.yml'), 'utf8')).toBe('service: mine\n');
  });

  it('suggests the closest template for a typo', async () => {
    const result = await runCli(['create', '--template', 'local-nodjs'], { cwd: freshDir() });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('There is no template named "local-nodjs"');
    expect(result.stderr).toContain('Did you mean "local-nodejs"?');
  });

  it('rejects a missing template, both template flags at once and an invalid name', async () => {
    const cwd = freshDir();
    const none = await runCli(['create'], { cwd });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('--template NAME or --template-path DIR');
    const both = await runCli(['create', '-t', 'local-nodejs', '--template-path', '.'], { cwd });
    expect(both.status).toBe(2);
    const badName = await runCli(['create', '-t', 'local-nodejs', '--name', '1-bad'], { cwd });
    expect(badName.status).toBe(2);
    expect(badName.stderr).toContain('not a valid service name');
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('skyrun create --template-path', () => {
  it('copies any directory: dotfiles renamed, service renamed, binaries intact, node_modules skipped', async () => {
    const cwd = freshDir();
    const source = path.join(cwd, 'my-template');
    mkdirSync(path.join(source, 'lib'), { recursive: true });
    mkdirSync(path.join(source, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(path.join(source, 'serverless.yml'), 'service:\n  name: base-svc\nprovider:\n  name: local\n');
    writeFileSync(
      path.join(source, 'lib', 'names.js'),
      "export const deployed = 'base-svc-dev-hello';\nexport const other = 'base-svcx';\n",
    );
    writeFileSync(path.join(source, '_npmrc'), 'save-exact=true\n');
    writeFileSync(path.join(source, '__init__.py'), '');
    writeFileSync(path.join(source, 'logo.bin'), Buffer.from([0, 1, 2, ...Buffer.from('base-svc'), 0]));
    writeFileSync(path.join(source, 'node_modules', 'dep', 'index.js'), '');
    const result = await runCli(['create', '--template-path', 'my-template', '--name', 'billing'], { cwd });
    expect(result.status, result.stderr).toBe(0);
    const dir = path.join(cwd, 'billing');
    expect(listFiles(dir)).toEqual(['.npmrc', '__init__.py', 'lib/names.js', 'logo.bin', 'serverless.yml']);
    expect(readFileSync(path.join(dir, 'serverless.yml'), 'utf8')).toContain('  name: billing\n');
    expect(readFileSync(path.join(dir, 'lib', 'names.js'), 'utf8')).toBe(
      "export const deployed = 'billing-dev-hello';\nexport const other = 'base-svcx';\n",
    );
    expect(readFileSync(path.join(dir, 'logo.bin'))).toEqual(readFileSync(path.join(source, 'logo.bin')));
  });

  it('fails clearly when the path is not a directory', async () => {
    const result = await runCli(['create', '--template-path', 'nowhere'], { cwd: freshDir() });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('is not a directory');
  });
});
