// Every template's own handler test, run the way a user runs it, on a copy made by
// `skyrun create` through the built binary (run `pnpm build` first).
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const TEMPLATES_DIR = fileURLToPath(new URL('.', import.meta.url));
const ROOT = path.resolve(TEMPLATES_DIR, '..');
const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'run.js');
const temp = mkdtempSync(path.join(tmpdir(), 'skyrun-templates-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const templates = readdirSync(TEMPLATES_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(path.join(TEMPLATES_DIR, entry.name, 'template.json')))
  .map((entry) => entry.name);

/** Dependencies a template's package.json lists, linked from this workspace instead of installed (offline). */
const WORKSPACE_PACKAGES: Record<string, string> = {
  tsx: path.join(ROOT, 'packages', 'cli', 'node_modules', 'tsx'),
  typescript: path.join(ROOT, 'node_modules', 'typescript'),
  '@types/node': path.join(ROOT, 'node_modules', '@types', 'node'),
};

function run(command: string, args: readonly string[], cwd: string) {
  const env: Record<string, string | undefined> = { ...process.env, NODE_ENV: undefined, NO_COLOR: '1' };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function linkDependencies(dir: string): void {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    dependencies?: object;
    devDependencies?: object;
  };
  for (const name of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })) {
    const source = WORKSPACE_PACKAGES[name];
    if (!source) throw new Error(`templates.test.ts cannot provide "${name}" offline: add it to WORKSPACE_PACKAGES.`);
    mkdirSync(path.dirname(path.join(dir, 'node_modules', name)), { recursive: true });
    symlinkSync(source, path.join(dir, 'node_modules', name), 'dir');
  }
}

/** The template's own test command: `npm test` for Node.js, `python3 -m unittest` for Python. */
function testCommand(dir: string): { command: string; args: string[]; passed: RegExp } {
  if (existsSync(path.join(dir, 'package.json')))
    return { command: 'npm', args: ['test'], passed: /^# pass [1-9]\d*$/m };
  return { command: 'python3', args: ['-m', 'unittest', '-v'], passed: /^Ran [1-9]\d* tests? in/m };
}

describe.each(templates)('template %s', (template) => {
  const dir = path.join(temp, template);

  it('is created by skyrun create and passes its own handler test', () => {
    const created = run(process.execPath, [BIN, 'create', '--template', template, '--path', dir], temp);
    expect(created.status, created.output).toBe(0);
    if (existsSync(path.join(dir, 'package.json'))) linkDependencies(dir);
    const { command, args, passed } = testCommand(dir);
    const result = run(command, args, dir);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toMatch(passed);
    if (existsSync(path.join(dir, 'tsconfig.json'))) {
      const typecheck = run('npm', ['run', 'typecheck'], dir);
      expect(typecheck.status, typecheck.output).toBe(0);
    }
  });

  it('has a handler test that fails when the handler breaks', () => {
    const handler = ['handler.js', 'handler.py', 'src/handler.ts']
      .map((f) => path.join(dir, f))
      .find((f) => existsSync(f))!;
    const original = readFileSync(handler, 'utf8');
    writeFileSync(
      handler,
      original.replace('statusCode: 200', 'statusCode: 500').replace('"statusCode": 200', '"statusCode": 500'),
    );
    const { command, args } = testCommand(dir);
    expect(run(command, args, dir).status).not.toBe(0);
    writeFileSync(handler, original);
  });

  it('has a README, a .gitignore, an HTTP function and a scheduled function', () => {
    for (const file of ['README.md', '.gitignore', 'serverless.yml'])
      expect(existsSync(path.join(dir, file)), file).toBe(true);
    const yml = readFileSync(path.join(dir, 'serverless.yml'), 'utf8');
    expect(yml).toMatch(/- httpApi: GET \/\S*/);
    expect(yml).toMatch(/- schedule: rate\(1 hour\)/);
  });
});

it('finds the four local templates', () => {
  expect(templates).toEqual(
    expect.arrayContaining(['local-nodejs', 'local-python', 'local-typescript', 'multi-cloud-starter']),
  );
});
