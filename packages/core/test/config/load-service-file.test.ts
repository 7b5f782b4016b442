import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findServiceFile, loadServiceFile, parseYamlDocument } from '../../src/config/index.js';
import { SkyrunError } from '../../src/errors/index.js';

describe('parseYamlDocument', () => {
  const text = [
    'service: demo',
    'provider:',
    '  name: local',
    'functions:',
    '  hello:',
    '    handler: h.hello',
    '    events:',
    '      - httpApi: GET /x',
    '',
  ].join('\n');

  it('locates values by property path, 1-based', () => {
    const doc = parseYamlDocument('/tmp/serverless.yml', text);
    expect(doc.locate(['provider', 'name'])).toMatchObject({ line: 3, column: 9 });
    expect(doc.locate(['functions', 'hello', 'events', 0, 'httpApi'])).toMatchObject({ line: 8, column: 18 });
  });

  it('falls back to the nearest written parent for a missing path', () => {
    const doc = parseYamlDocument('/tmp/serverless.yml', text);
    expect(doc.locate(['functions', 'hello', 'timeout'])).toMatchObject({ line: 6, column: 5 });
  });

  it('expands CloudFormation short-form tags', () => {
    const doc = parseYamlDocument(
      '/tmp/s.yml',
      [
        'a: !Ref Bucket',
        'b: !GetAtt Table.Arn',
        'c: !Join',
        "  - ''",
        '  - [x, !Ref Y]',
        "d: !Sub '${AWS::Region}'",
      ].join('\n'),
    );
    expect(doc.data).toEqual({
      a: { Ref: 'Bucket' },
      b: { 'Fn::GetAtt': ['Table', 'Arn'] },
      c: { 'Fn::Join': ['', ['x', { Ref: 'Y' }]] },
      d: { 'Fn::Sub': '${AWS::Region}' },
    });
  });

  it('resolves anchors and merge keys', () => {
    const doc = parseYamlDocument('/tmp/s.yml', ['base: &b {x: 1, y: 2}', 'other:', '  <<: *b', '  y: 3'].join('\n'));
    expect(doc.data).toEqual({ base: { x: 1, y: 2 }, other: { x: 1, y: 3 } });
  });

  it('reports a syntax error with its position', () => {
    try {
      parseYamlDocument(path.join(process.cwd(), 'serverless.yml'), 'service: a\nprovider:\n  name: [local\n');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SkyrunError);
      const e = error as SkyrunError;
      expect(e.code).toBe('CONFIG_SYNTAX');
      expect(e.exitCode).toBe(3);
      expect(e.message).toMatch(/^serverless\.yml:\d+:\d+: /);
    }
  });

  it('rejects duplicate keys', () => {
    expect(() => parseYamlDocument('/tmp/s.yml', 'a: 1\na: 2\n')).toThrow(SkyrunError);
  });
});

describe('findServiceFile and module configs', () => {
  it('finds serverless.yml, then the other names, and explains when none exists', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'skyrun-find-'));
    expect(() => findServiceFile(dir)).toThrow(/No service file/);
    await writeFile(path.join(dir, 'serverless.json'), '{"service": "j"}');
    expect(findServiceFile(dir)).toBe(path.join(dir, 'serverless.json'));
    await writeFile(path.join(dir, 'serverless.yml'), 'service: y\n');
    expect(findServiceFile(dir)).toBe(path.join(dir, 'serverless.yml'));
    expect(() => findServiceFile(dir, 'nope.yml')).toThrow(/does not exist/);
  });

  it('loads JSON with positions, and js/mjs/ts files exporting objects or async functions', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'skyrun-load-'));
    await writeFile(path.join(dir, 'a.json'), '{\n  "service": "j",\n  "provider": {"name": "local"}\n}');
    const json = await loadServiceFile(path.join(dir, 'a.json'));
    expect(json.data).toEqual({ service: 'j', provider: { name: 'local' } });
    expect(json.locate(['provider', 'name'])).toMatchObject({ line: 3, column: 24 });

    await writeFile(path.join(dir, 'b.mjs'), 'export default async () => ({ service: "m" });');
    expect((await loadServiceFile(path.join(dir, 'b.mjs'))).data).toEqual({ service: 'm' });

    await writeFile(path.join(dir, 'c.ts'), 'const name: string = "t";\nexport default { service: name };');
    expect((await loadServiceFile(path.join(dir, 'c.ts'))).data).toEqual({ service: 't' });

    await writeFile(path.join(dir, 'd.yml'), '- a\n- b\n');
    await expect(loadServiceFile(path.join(dir, 'd.yml'))).rejects.toThrow(/must contain a mapping/);
  });
});
