import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const cwd = mkdtempSync(path.join(tmpdir(), 'skyrun-schema-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

interface Schema {
  $schema: string;
  properties: {
    provider: { properties: { name: { enum?: string[] }; runtime: { enum?: string[] } } };
    functions: unknown;
  };
}

describe('skyrun schema', () => {
  it('prints the JSON Schema of serverless.yml with every installed provider', async () => {
    const result = await runCli(['schema'], { cwd });
    expect(result.status, result.stderr).toBe(0);
    const schema = JSON.parse(result.stdout) as Schema;
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.properties.provider.properties.name.enum).toContain('local');
    expect(schema.properties.provider.properties.runtime.enum).toEqual(expect.arrayContaining(['nodejs20.x']));
    expect(schema.properties.functions).toBeTypeOf('object');
  });

  it('writes it to --output, creating the directory, and names the modeline', async () => {
    const result = await runCli(['schema', '--output', '.skyrun/schema.json'], { cwd });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('# yaml-language-server: $schema=.skyrun/schema.json');
    const written = JSON.parse(readFileSync(path.join(cwd, '.skyrun', 'schema.json'), 'utf8')) as Schema;
    const printed = JSON.parse((await runCli(['schema'], { cwd })).stdout) as Schema;
    expect(written).toEqual(printed);
  });

  it('rejects an unknown --provider with a clear error', async () => {
    const result = await runCli(['schema', '--provider', 'locl'], { cwd });
    expect(result.status).toBe(5);
    expect(result.stderr).toContain('Did you mean "local"?');
  });
});
