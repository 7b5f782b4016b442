import { describe, expect, it } from 'vitest';
import { DEFAULT_CORS_HEADERS } from '../../src/schema/core-schema.js';
import { SERVICE_DEFAULTS } from '../../src/service/model.js';
import { normaliseService } from '../../src/service/normalise-service.js';
import { validateConfiguration } from '../../src/validate/validate-configuration.js';
import { loadFixture, local, providers } from './helpers.js';

const normalise = (config: Record<string, unknown>, stage = 'dev') =>
  normaliseService({
    config,
    stage,
    providerName: 'local',
    serviceDir: '/srv/shop',
    configFile: '/srv/shop/serverless.yml',
  });

describe('normaliseService', () => {
  it('applies v3 defaults and names functions <service>-<stage>-<key> unless name: is set', () => {
    const service = normalise(
      {
        service: 'shop',
        functions: { hello: { handler: 'h.hello' }, named: { handler: 'h.named', name: 'custom-name' } },
      },
      'prod',
    );
    expect(service.name).toBe('shop');
    expect(service.stage).toBe('prod');
    expect(service.provider).toEqual({
      name: 'local',
      stage: 'prod',
      runtime: SERVICE_DEFAULTS.runtime,
      memorySize: SERVICE_DEFAULTS.memorySize,
      timeout: SERVICE_DEFAULTS.timeout,
      environment: {},
      raw: {},
    });
    expect(service.functions.hello).toMatchObject({
      key: 'hello',
      name: 'shop-prod-hello',
      handler: 'h.hello',
      runtime: SERVICE_DEFAULTS.runtime,
      memorySize: SERVICE_DEFAULTS.memorySize,
      timeout: SERVICE_DEFAULTS.timeout,
      environment: {},
      events: [],
      package: { patterns: [] },
    });
    expect(service.functions.named.name).toBe('custom-name');
    expect(service.package).toEqual({ individually: false, patterns: [], excludeDevDependencies: true });
    expect(service.build).toEqual({});
    expect(service.plugins).toEqual([]);
    expect(service.useDotenv).toBe(false);
    expect(service.serviceDir).toBe('/srv/shop');
    expect(service.configFile).toBe('/srv/shop/serverless.yml');
  });

  it('accepts v2 service objects and v3 plugin objects', () => {
    const service = normalise({ service: { name: 'legacy' }, plugins: { localPath: './p', modules: ['a', 'b'] } });
    expect(service.name).toBe('legacy');
    expect(service.plugins).toEqual(['a', 'b']);
  });

  it('takes function settings over provider settings and merges environments provider → function', () => {
    const service = normalise({
      service: 'shop',
      provider: {
        name: 'local',
        region: 'eu-west-1',
        runtime: 'nodejs22.x',
        memorySize: 512,
        timeout: 20,
        environment: { SHARED: 'p', OVERRIDDEN: 'p', PORT: 8080, REF: { Ref: 'Thing' } },
      },
      functions: {
        hello: {
          handler: 'h.hello',
          runtime: 'python3.12',
          memorySize: 128,
          environment: { OVERRIDDEN: 'f', OWN: true, DROPPED: null },
          reservedConcurrency: 3,
          provisionedConcurrency: 1,
          description: 'Says hello',
        },
        plain: { handler: 'h.plain' },
      },
    });
    expect(service.region).toBe('eu-west-1');
    expect(service.provider).toMatchObject({ runtime: 'nodejs22.x', memorySize: 512, timeout: 20 });
    expect(service.functions.hello).toMatchObject({
      runtime: 'python3.12',
      memorySize: 128,
      timeout: 20,
      reservedConcurrency: 3,
      provisionedConcurrency: 1,
      description: 'Says hello',
    });
    expect(service.functions.hello.environment).toEqual({
      SHARED: 'p',
      OVERRIDDEN: 'f',
      PORT: '8080',
      REF: '{"Ref":"Thing"}',
      OWN: 'true',
    });
    expect(service.functions.plain).toMatchObject({ runtime: 'nodejs22.x', memorySize: 512, timeout: 20 });
  });

  it('normalises http events (REST, payload 1.0) with v3 cors defaults', () => {
    const service = normalise({
      service: 'shop',
      functions: {
        api: {
          handler: 'h.api',
          events: [
            { http: 'get users/{id}/' },
            { http: { path: '/orders', method: 'post', cors: true } },
            { http: { path: 'any', method: '*', cors: { origin: 'https://a.example', methods: ['GET'], maxAge: 60 } } },
          ],
        },
      },
    });
    const [shorthand, withCors, custom] = service.functions.api.events;
    expect(shorthand).toEqual({
      kind: 'http',
      api: 'rest',
      payloadVersion: '1.0',
      method: 'GET',
      path: '/users/{id}',
      index: 0,
      raw: { http: 'get users/{id}/' },
    });
    expect(withCors).toMatchObject({ method: 'POST', path: '/orders', index: 1 });
    expect(withCors).toHaveProperty('cors', {
      origins: ['*'],
      headers: [...DEFAULT_CORS_HEADERS],
      methods: ['OPTIONS', 'POST'],
      allowCredentials: false,
      exposedHeaders: [],
    });
    expect(custom).toHaveProperty('cors', {
      origins: ['https://a.example'],
      headers: [...DEFAULT_CORS_HEADERS],
      methods: ['GET', 'OPTIONS', 'ANY'],
      allowCredentials: false,
      exposedHeaders: [],
      maxAge: 60,
    });
    expect(custom).toMatchObject({ method: 'ANY', path: '/any' });
  });

  it('normalises httpApi events (payload 2.0 unless provider.httpApi.payload is 1.0) and provider cors', () => {
    const config = (httpApi: unknown) => ({
      service: 'shop',
      provider: { name: 'local', httpApi },
      functions: {
        api: {
          handler: 'h.api',
          events: [{ httpApi: '*' }, { httpApi: 'patch /items/{id}' }, { httpApi: { path: '/x', method: 'delete' } }],
        },
      },
    });
    const plain = normalise(config(undefined)).functions.api.events;
    expect(plain[0]).toEqual({
      kind: 'http',
      api: 'http',
      payloadVersion: '2.0',
      method: 'ANY',
      path: '*',
      index: 0,
      raw: { httpApi: '*' },
    });
    expect(plain[1]).toMatchObject({ method: 'PATCH', path: '/items/{id}' });
    expect(plain[2]).toMatchObject({ method: 'DELETE', path: '/x' });
    expect(plain[1]).not.toHaveProperty('cors');

    const v1 = normalise(config({ payload: '1.0', cors: true })).functions.api.events;
    expect(v1.map((e) => (e.kind === 'http' ? e.payloadVersion : ''))).toEqual(['1.0', '1.0', '1.0']);
    expect(v1[1]).toHaveProperty('cors', {
      origins: ['*'],
      headers: [...DEFAULT_CORS_HEADERS],
      methods: ['OPTIONS', 'PATCH'],
      allowCredentials: false,
      exposedHeaders: [],
    });
    expect(v1[0]).toHaveProperty('cors.methods', ['OPTIONS', 'GET', 'POST', 'PUT', 'PATCH', 'HEAD', 'DELETE']);

    const custom = normalise(
      config({
        cors: {
          allowedOrigins: ['https://a.example'],
          allowedMethods: ['GET'],
          allowCredentials: true,
          exposedResponseHeaders: ['X-Id'],
          maxAge: 5,
        },
      }),
    ).functions.api.events[1];
    expect(custom).toHaveProperty('cors', {
      origins: ['https://a.example'],
      headers: [...DEFAULT_CORS_HEADERS],
      methods: ['GET'],
      allowCredentials: true,
      exposedHeaders: ['X-Id'],
      maxAge: 5,
    });
  });

  it('normalises schedule, queue, storage and provider-only events', () => {
    const events = normalise({
      service: 'shop',
      functions: {
        jobs: {
          handler: 'h.jobs',
          events: [
            { schedule: 'rate(5 minutes)' },
            {
              schedule: {
                rate: ['cron(0 12 * * ? *)', '*/10 * * * *'],
                enabled: false,
                input: { a: 1 },
                name: 'n',
                description: 'd',
              },
            },
            { queue: 'jobs' },
            { queue: { name: 'big', batchSize: 100 } },
            { storage: 'uploads' },
            { storage: { bucket: 'photos', events: ['s3:ObjectRemoved:*'] } },
            { sqs: { arn: 'arn:aws:sqs:eu-west-1:1:q' } },
          ],
        },
      },
    }).functions.jobs.events;
    expect(events[0]).toMatchObject({ kind: 'schedule', expressions: ['rate(5 minutes)'], enabled: true });
    expect(events[0]).not.toHaveProperty('input');
    expect(events[1]).toMatchObject({
      kind: 'schedule',
      expressions: ['cron(0 12 * * ? *)', '*/10 * * * *'],
      enabled: false,
      input: { a: 1 },
      name: 'n',
      description: 'd',
      index: 1,
    });
    expect(events[2]).toMatchObject({ kind: 'queue', queue: 'jobs', batchSize: 10 });
    expect(events[3]).toMatchObject({ kind: 'queue', queue: 'big', batchSize: 100 });
    expect(events[4]).toMatchObject({ kind: 'storage', bucket: 'uploads', events: ['s3:ObjectCreated:*'] });
    expect(events[5]).toMatchObject({ kind: 'storage', bucket: 'photos', events: ['s3:ObjectRemoved:*'] });
    expect(events[6]).toEqual({
      kind: 'provider',
      type: 'sqs',
      index: 6,
      raw: { sqs: { arn: 'arn:aws:sqs:eu-west-1:1:q' } },
    });
  });

  it('turns v3 include/exclude into patterns and keeps package and build settings', () => {
    const service = normalise({
      service: 'shop',
      package: {
        individually: true,
        exclude: ['tests/**'],
        include: ['extra/**'],
        patterns: ['!docs/**'],
        excludeDevDependencies: false,
      },
      build: { esbuild: { minify: true } },
      functions: { a: { handler: 'h.a', package: { patterns: ['a/**'], individually: true, artifact: 'a.zip' } } },
    });
    expect(service.package).toEqual({
      individually: true,
      patterns: ['!tests/**', 'extra/**', '!docs/**'],
      excludeDevDependencies: false,
    });
    expect(service.build).toEqual({ esbuild: { minify: true } });
    expect(service.functions.a.package).toEqual({ patterns: ['a/**'], individually: true, artifact: 'a.zip' });
  });

  it('is deeply frozen and independent of the configuration it was given', () => {
    const config = {
      service: 'shop',
      custom: { nested: { list: [1] } },
      functions: { a: { handler: 'h.a', events: [{ schedule: { rate: ['rate(1 hour)'] } }] } },
    };
    const service = normalise(config);
    expect(Object.isFrozen(service)).toBe(true);
    expect(Object.isFrozen(service.functions.a.events[0].raw)).toBe(true);
    expect(Object.isFrozen((service.custom.nested as { list: number[] }).list)).toBe(true);
    expect(Object.isFrozen(service.config)).toBe(true);
    expect(() => {
      (service.functions.a as { timeout: number }).timeout = 1;
    }).toThrow(TypeError);
    expect(Object.isFrozen(config.custom)).toBe(false);
    config.custom.nested.list.push(2);
    expect((service.custom.nested as { list: number[] }).list).toEqual([1]);
  });

  it('normalises what validation coerced (a YAML fixture end to end)', () => {
    const doc = loadFixture('coercion.yml');
    const { config } = validateConfiguration({
      config: doc.data as Record<string, unknown>,
      locate: doc.locate,
      provider: local,
      providerName: 'local',
      providers,
    });
    const service = normalise(config);
    expect(service.provider.memorySize).toBe(512);
    expect(service.functions.hello.timeout).toBe(10);
    expect(service.functions.hello.environment).toEqual({ PORT: '9090', DEBUG: 'true', RATIO: '0.5', EMPTY: '' });
    expect(service.functions.hello.events.map((e) => (e.kind === 'schedule' ? e.expressions : []))).toEqual([
      ['rate(1 hour)'],
      ['rate(10 minutes)'],
      ['rate(2 hours)', 'cron(0 12 * * ? *)'],
    ]);
    expect(service.package.patterns).toEqual(['!tests/**']);
  });
});
