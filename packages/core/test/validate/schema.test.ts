import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { buildConfigurationSchema } from '../../src/schema/build-configuration-schema.js';
import { compileValidator, validatorCacheDir } from '../../src/validate/compile-validator.js';
import { aws, local, providers } from './helpers.js';

/** Strict ajv, as editors and `skyrun schema` consumers would compile it (no coercion). */
const strictAjv = () => new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });

const service = (provider: Record<string, unknown>, fn: Record<string, unknown> = {}) => ({
  service: 'shop',
  provider,
  functions: { hello: { handler: 'h.hello', events: [{ httpApi: 'GET /hello' }], ...fn } },
});

describe('buildConfigurationSchema', () => {
  it('compiles with ajv for every provider and for all of them combined', () => {
    for (const active of [local, aws, undefined]) {
      expect(() => strictAjv().compile(buildConfigurationSchema(providers, active))).not.toThrow();
    }
  });

  it('is a draft-07 document with a title and descriptions on keys (for the YAML language server)', () => {
    const schema = buildConfigurationSchema(providers);
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.title).toBe('skyrun service configuration (serverless.yml)');
    const described = ['service', 'provider', 'functions', 'package', 'build', 'params', 'stages', 'custom'];
    for (const key of described) expect(typeof schema.properties[key].description, key).toBe('string');
    expect(typeof schema.properties.provider.properties.memorySize.description).toBe('string');
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it("merges the active provider's provider keys, function keys, events and runtimes", () => {
    const validate = strictAjv().compile(buildConfigurationSchema(providers, aws));
    expect(
      validate(
        service(
          { name: 'aws', profile: 'p', runtime: 'java21' },
          { layers: ['arn:x'], events: [{ sqs: 'arn:aws:sqs:x' }] },
        ),
      ),
    ).toBe(true);
    expect(validate(service({ name: 'aws', runtime: 'python3.12' }, { events: [{ queue: 'jobs' }] }))).toBe(false);

    const onLocal = strictAjv().compile(buildConfigurationSchema(providers, local));
    expect(onLocal(service({ name: 'local', profile: 'p' }))).toBe(false);
    expect(onLocal(service({ name: 'local' }, { events: [{ sqs: 'arn:aws:sqs:x' }] }))).toBe(false);
    expect(onLocal(service({ name: 'local', runtime: 'java21' }))).toBe(false);
    expect(onLocal(service({ name: 'local', runtime: 'nodejs18.x' }, { events: [{ queue: 'jobs' }] }))).toBe(true);
  });

  it('combined: accepts every provider, and applies each provider runtimes when provider.name names it', () => {
    const validate = strictAjv().compile(buildConfigurationSchema(providers));
    expect(validate(service({ name: 'aws', profile: 'p' }, { events: [{ sqs: 'arn:aws:sqs:x' }] }))).toBe(true);
    expect(validate(service({ name: 'local' }, { events: [{ storage: 'uploads' }] }))).toBe(true);
    expect(validate(service({ name: 'lambda', runtime: 'java21' }))).toBe(true);
    expect(validate(service({ name: 'local', runtime: 'java21' }))).toBe(false);
    expect(validate(service({ name: 'local' }, { runtime: 'java21' }))).toBe(false);
    expect(validate(service({ name: 'nimbus' }))).toBe(false);
    const events =
      buildConfigurationSchema(providers).properties.functions.patternProperties['^[a-zA-Z0-9-_]+$'].properties.events
        .items.properties;
    expect(Object.keys(events)).toEqual(['http', 'httpApi', 'schedule', 'queue', 'storage', 'sqs', 'sns']);
    expect(events.sns.description).toBe('Served by the aws provider.');
  });

  it('does not let a provider schema leak into the core schema between builds', () => {
    buildConfigurationSchema(providers, aws);
    const onLocal = buildConfigurationSchema(providers, local);
    expect(onLocal.properties.provider.properties.profile).toBeUndefined();
    expect(aws.schema.provider?.profile).toEqual({ type: 'string', description: 'AWS profile.' });
  });
});

describe('compileValidator', () => {
  const schema = {
    type: 'object',
    properties: { size: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } },
  };

  it('coerces as v3 does and caches the generated code by schema hash', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'skyrun-validators-'));
    const validate = compileValidator(schema, dir);
    const data = { size: '12', tags: 'one' };
    expect(validate(data)).toBe(true);
    expect(data).toEqual({ size: 12, tags: ['one'] });
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{32}\.cjs$/);
    expect(readFileSync(path.join(dir, files[0]), 'utf8')).toContain('module.exports');
  });

  it('loads a cached validator instead of compiling, and regenerates a broken one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'skyrun-validators-'));
    compileValidator(schema, dir);
    const file = path.join(dir, readdirSync(dir)[0]);
    writeFileSync(file, 'module.exports = () => "from cache";');
    expect(compileValidator(schema, dir)({})).toBe('from cache');
    writeFileSync(file, 'this is not javascript {');
    expect(compileValidator(schema, dir)({ size: 'x' })).toBe(false);
    expect(readFileSync(file, 'utf8')).toContain('module.exports');
  });

  it('keeps the cache under SKYRUN_HOME', () => {
    expect(validatorCacheDir({ SKYRUN_HOME: '/srv/skyrun' })).toBe('/srv/skyrun/cache/validators');
  });
});
