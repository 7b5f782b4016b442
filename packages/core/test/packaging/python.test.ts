import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packageService } from '../../src/packaging/index.js';
import { cleanTemporaries, copyFixture, fn, makeService, readZip, recorder, tempDir, writeFiles } from './helpers.js';

afterEach(cleanTemporaries);

const pip = spawnSync('python3', ['-m', 'pip', '--version']);
const hasPip = pip.status === 0;
if (!hasPip) console.warn('python tests skipped: "python3 -m pip --version" failed on this machine');

/** A wheel is a zip: build `skyrun_tiny-0.1.0` by hand so no index or build backend is needed. */
function buildWheel(dir: string): void {
  const script = `
import zipfile, sys
name = sys.argv[1] + '/skyrun_tiny-0.1.0-py3-none-any.whl'
files = {
  'skyrun_tiny/__init__.py': 'VALUE = "from-wheel"\\n',
  'skyrun_tiny-0.1.0.dist-info/METADATA': 'Metadata-Version: 2.1\\nName: skyrun-tiny\\nVersion: 0.1.0\\n',
  'skyrun_tiny-0.1.0.dist-info/WHEEL': 'Wheel-Version: 1.0\\nGenerator: hand\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n',
}
record = ''.join(f'{k},,\\n' for k in files) + 'skyrun_tiny-0.1.0.dist-info/RECORD,,\\n'
with zipfile.ZipFile(name, 'w') as z:
  for k, v in files.items(): z.writestr(k, v)
  z.writestr('skyrun_tiny-0.1.0.dist-info/RECORD', record)
`;
  execFileSync('python3', ['-c', script, dir]);
}

describe('python', () => {
  it.skipIf(!hasPip)(
    'installs requirements from a local wheel directory into the artifact, cached by requirements hash',
    async () => {
      const dir = copyFixture('python');
      const wheels = tempDir('skyrun-wheels-');
      buildWheel(wheels);
      const service = makeService(dir, {
        runtime: 'python3.11',
        functions: [fn('hello', 'handler.hello', { runtime: 'python3.11' })],
      });
      const env = { ...process.env, SKYRUN_PIP_ARGS: `--no-index --find-links ${wheels}` };
      const progress = recorder();
      const { artifacts } = await packageService({ service, progress, env });
      const entries = await readZip(artifacts[0].path);
      expect(entries.get('skyrun_tiny/__init__.py')!.data.toString()).toContain('from-wheel');
      expect(entries.has('handler.py')).toBe(true);
      expect(entries.has('requirements.txt')).toBe(true);
      expect([...entries.keys()].some((n) => n.endsWith('direct_url.json') || n.includes('__pycache__'))).toBe(false);
      expect(progress.steps).toContain('Installing Python requirements with pip');

      // A changed handler rebuilds the zip but pip is not run again (its cache is keyed by requirements).
      writeFiles(dir, { 'handler.py': 'import skyrun_tiny\n\n\ndef hello(event, context):\n    return 2\n' });
      const again = recorder();
      await packageService({ service, progress: again, env });
      expect(again.steps).toEqual(['Packaging svc.zip']);
      const cacheEntries = (await import('node:fs')).readdirSync(path.join(dir, '.serverless/.skyrun-cache/pip'));
      expect(cacheEntries).toHaveLength(1);
    },
    120_000,
  );

  it.skipIf(!hasPip)(
    'reports a pip failure clearly (no index reachable, package missing)',
    async () => {
      const dir = copyFixture('python');
      const wheels = tempDir('skyrun-wheels-');
      const service = makeService(dir, { functions: [fn('hello', 'handler.hello', { runtime: 'python3.11' })] });
      await expect(
        packageService({
          service,
          progress: recorder(),
          env: { ...process.env, SKYRUN_PIP_ARGS: `--no-index --find-links ${wheels}` },
        }),
      ).rejects.toMatchObject({
        code: 'PACKAGE_PIP_FAILED',
        message: expect.stringMatching(/skyrun-tiny|No matching distribution/i),
      });
    },
    120_000,
  );

  it('fails clearly when pip is not available', async () => {
    const dir = copyFixture('python');
    const service = makeService(dir, { functions: [fn('hello', 'handler.hello', { runtime: 'python3.11' })] });
    await expect(
      packageService({ service, progress: recorder(), env: { ...process.env, SKYRUN_PYTHON: '/nonexistent/python3' } }),
    ).rejects.toMatchObject({ code: 'PACKAGE_PIP_MISSING', hint: expect.stringContaining('pip') });
  });

  it('fails when the Python handler module does not define the function', async () => {
    const dir = copyFixture('python');
    const service = makeService(dir, { functions: [fn('hello', 'handler.goodbye', { runtime: 'python3.11' })] });
    await expect(packageService({ service, progress: recorder() })).rejects.toMatchObject({
      code: 'PACKAGE_HANDLER_EXPORT_MISSING',
    });
  });

  it('takes pip arguments from custom.pythonRequirements.pipArgs', async () => {
    const dir = copyFixture('python');
    const service = makeService(dir, {
      custom: { pythonRequirements: { pipArgs: '--no-index --find-links /nonexistent-wheels' } },
      functions: [fn('hello', 'handler.hello', { runtime: 'python3.11' })],
    });
    const failure = packageService({
      service,
      progress: recorder(),
      env: { ...process.env, SKYRUN_PYTHON: hasPip ? 'python3' : '/nonexistent/python3' },
    });
    await expect(failure).rejects.toMatchObject({ code: hasPip ? 'PACKAGE_PIP_FAILED' : 'PACKAGE_PIP_MISSING' });
  }, 120_000);
});
