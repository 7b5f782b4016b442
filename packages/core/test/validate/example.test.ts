import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadServiceFile } from '../../src/config/load-service-file.js';
import { normaliseService } from '../../src/service/normalise-service.js';
import { validateConfiguration } from '../../src/validate/validate-configuration.js';
import { local, providers } from './helpers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const exampleFile = path.join(repoRoot, 'serverless.yml.example');

/** The example's variables, resolved the way the resolver would for stage dev with no env set. */
const VARIABLES: Record<string, string> = {
  "${env:LOG_LEVEL, 'info'}": 'info',
  '${sls:stage}': 'dev',
  '${param:greeting}': 'Hello',
};

function resolveTrivially(value: unknown): unknown {
  if (typeof value === 'string') {
    const resolved = VARIABLES[value];
    if (resolved !== undefined) return resolved;
    if (value.includes('${')) throw new Error(`unexpected variable in the example: ${value}`);
    return value;
  }
  if (Array.isArray(value)) return value.map(resolveTrivially);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveTrivially(v)]));
  }
  return value;
}

describe('serverless.yml.example', () => {
  it('validates against the schema of the local provider with zero warnings', async () => {
    const doc = await loadServiceFile(exampleFile);
    const config = resolveTrivially(doc.data) as Record<string, unknown>;
    const result = validateConfiguration({
      config,
      locate: doc.locate,
      provider: local,
      providerName: 'local',
      providers,
    });
    expect(result.warnings).toEqual([]);
    expect(config.configValidationMode).toBe('warn');
  });

  it('is a working service: hello answers GET /hello, tick runs on a schedule', async () => {
    const doc = await loadServiceFile(exampleFile);
    const { config } = validateConfiguration({
      config: resolveTrivially(doc.data) as Record<string, unknown>,
      locate: doc.locate,
      provider: local,
      providerName: 'local',
      providers,
    });
    const service = normaliseService({
      config,
      stage: 'dev',
      providerName: 'local',
      serviceDir: repoRoot,
      configFile: exampleFile,
    });
    expect(service.provider.name).toBe('local');
    expect(service.functions.hello).toMatchObject({
      name: 'hello-skyrun-dev-hello',
      handler: 'example/handler.hello',
      environment: { LOG_LEVEL: 'info', STAGE: 'dev', GREETING: 'Hello' },
      events: [{ kind: 'http', api: 'http', method: 'GET', path: '/hello', payloadVersion: '2.0' }],
    });
    expect(service.functions.tick.events).toMatchObject([
      { kind: 'schedule', expressions: ['rate(1 minute)'], enabled: true },
    ]);
  });

  it('points at handlers that exist and answer', async () => {
    const handler = (await import(pathToFileURL(path.join(repoRoot, 'example/handler.js')).href)) as {
      hello: (event: unknown) => Promise<{ statusCode: number; body: string }>;
      tick: unknown;
    };
    const response = await handler.hello({ rawPath: '/hello' });
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ message: 'Hello from skyrun', path: '/hello' });
    expect(typeof handler.tick).toBe('function');
    expect(JSON.parse(await readFile(path.join(repoRoot, 'example/package.json'), 'utf8'))).toEqual({ type: 'module' });
  });
});
