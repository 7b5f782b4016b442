import { describe, expect, it } from 'vitest';
import { SkyrunError } from '../../src/errors/index.js';
import { validateConfiguration } from '../../src/validate/validate-configuration.js';
import { aws, loadFixture, local, providers, validateFixture } from './helpers.js';

const at = (line: number, column: number) => ({ file: 'serverless.yml', line, column });

describe('validateConfiguration: problems, positions and hints', () => {
  it('reports unknown keys with a did-you-mean against the keys allowed at that level', () => {
    const { warnings } = validateFixture('unknown-keys.yml');
    expect(warnings).toEqual([
      {
        code: 'CONFIG_UNKNOWN_PROPERTY',
        message: 'Unknown top-level property "provder".',
        hint: 'Did you mean "provider"?',
        location: at(3, 3),
      },
      {
        // The missing "handler" is not reported on top: the typo explains it.
        code: 'CONFIG_UNKNOWN_PROPERTY',
        message: 'functions.hello has an unknown property "handlr".',
        hint: 'Did you mean "handler"?',
        location: at(6, 13),
      },
    ]);
  });

  it('lists the allowed keys when nothing is close, and names the provider that owns a key', () => {
    const doc = loadFixture('unknown-keys.yml');
    const config = {
      service: 'shop',
      provider: { name: 'local', profile: 'prod', zzzzzzzzz: 1 },
      functions: { hello: { handler: 'h.hello' } },
    };
    const { warnings } = validateConfiguration({
      config,
      locate: doc.locate,
      provider: local,
      providerName: 'local',
      providers,
    });
    expect(warnings.map((w) => [w.message, w.hint])).toEqual([
      ['provider has an unknown property "profile".', '"profile" is a setting of the aws provider, not of local.'],
      [
        'provider has an unknown property "zzzzzzzzz".',
        'Allowed here: name, stage, region, runtime, memorySize, timeout, environment, httpApi, tags.',
      ],
    ]);
  });

  it('reports wrong types with the value it got and the key description as hint', () => {
    const { warnings } = validateFixture('wrong-types.yml');
    expect(warnings).toEqual([
      {
        code: 'CONFIG_INVALID_TYPE',
        message: 'provider.timeout must be a whole number (got 1.5).',
        hint: 'Seconds before the invocation is stopped (6).',
        location: at(4, 12),
      },
      {
        code: 'CONFIG_INVALID_TYPE',
        message: 'functions.hello.memorySize must be a number (got "abc").',
        hint: 'Memory in MB (1024).',
        location: at(8, 17),
      },
      {
        code: 'CONFIG_INVALID_TYPE',
        message: 'functions.hello.events[0].schedule.enabled must be true or false (got "maybe").',
        hint: 'false keeps the schedule defined but stopped.',
        location: at(12, 20),
      },
    ]);
  });

  describe('events', () => {
    const { warnings } = validateFixture('events.yml');

    it('suggests the closest event name for a misspelt event', () => {
      expect(warnings[0]).toEqual({
        code: 'CONFIG_UNKNOWN_EVENT',
        message: 'functions.hello.events[0] has an unknown event "htpApi".',
        hint: 'Did you mean "httpApi"?',
        location: at(8, 17),
      });
    });

    it('rejects a provider-only event and names the installed providers that serve it', () => {
      expect(warnings[1]).toEqual({
        code: 'CONFIG_EVENT_UNSUPPORTED',
        message: 'functions.hello.events[1]: the "sqs" event is not available on the local provider.',
        hint:
          '"sqs" is served by: aws. Switch provider.name (or stages.<stage>.provider.name) to it, ' +
          'or use a portable event (http, httpApi, schedule, queue, storage).',
        location: at(9, 14),
      });
    });

    it('explains a malformed http shorthand with the event description and examples', () => {
      expect(warnings[2]).toEqual({
        code: 'CONFIG_INVALID_VALUE',
        message: 'functions.hello.events[2].http is not valid (got "FETCH /hello").',
        hint:
          'An API Gateway REST endpoint (payload v1): "GET /users/{id}" or {path, method, cors}. ' +
          'For example: "GET /hello", "POST /users/{id}".',
        location: at(10, 15),
      });
    });

    it('reports the missing key of the object form, not the failed string form', () => {
      expect(warnings[3]).toEqual({
        code: 'CONFIG_MISSING_PROPERTY',
        message: 'functions.hello.events[3].http is missing the required property "method".',
        hint: 'method: GET, POST, PUT, PATCH, OPTIONS, HEAD, DELETE or ANY (any case).',
        location: at(12, 11),
      });
    });

    it('explains an event written as a bare word', () => {
      expect(warnings[4]).toEqual({
        code: 'CONFIG_INVALID_TYPE',
        message: 'functions.hello.events[4] must be an object (got "http").',
        hint: 'Write each event as "- <event>: <settings>", for example "- httpApi: GET /hello".',
        location: at(13, 9),
      });
    });

    it('recognises event settings that are not indented under the event', () => {
      expect(warnings[5]).toEqual({
        code: 'CONFIG_EVENT_INDENTATION',
        message: 'functions.tick.events[0].schedule has no settings, and "rate" sits beside it.',
        hint: 'Indent rate under "schedule:" (two more spaces) so they configure the event.',
        location: at(17, 18),
      });
      expect(warnings).toHaveLength(6);
    });

    it("accepts the provider's own events on that provider", () => {
      const onAws = validateFixture('events.yml', aws).warnings.map((w) => w.code);
      expect(onAws).not.toContain('CONFIG_EVENT_UNSUPPORTED');
      expect(onAws).toHaveLength(5);
    });

    it('rejects a portable event the active provider does not serve', () => {
      const config = {
        service: 'shop',
        provider: { name: 'aws' },
        functions: { worker: { handler: 'h.work', events: [{ queue: 'jobs' }] } },
      };
      const { warnings: onAws } = validateConfiguration({
        config,
        locate: () => at(1, 1),
        provider: aws,
        providerName: 'aws',
        providers,
      });
      expect(onAws).toEqual([
        {
          code: 'CONFIG_EVENT_UNSUPPORTED',
          message: 'functions.worker.events[0]: the "queue" event is not available on the aws provider.',
          hint:
            '"queue" is served by: local. Switch provider.name (or stages.<stage>.provider.name) to it, ' +
            'or use a portable event (http, httpApi, schedule).',
          location: at(1, 1),
        },
      ]);
    });
  });

  it('knows v3 aws events even when no installed provider serves them', () => {
    const onlyLocal = [local];
    const { warnings } = validateConfiguration({
      config: {
        service: 'shop',
        functions: { a: { handler: 'h.a', events: [{ sqs: 'arn:aws:sqs:x' }, { eventbrige: {} }] } },
      },
      locate: () => at(1, 1),
      provider: local,
      providerName: 'local',
      providers: onlyLocal,
    });
    expect(warnings.map((w) => [w.code, w.message, w.hint])).toEqual([
      [
        'CONFIG_EVENT_UNSUPPORTED',
        'functions.a.events[0]: the "sqs" event is not available on the local provider.',
        '"sqs" is an aws event (Serverless Framework v3) and no installed provider serves it yet. ' +
          'Events on local: http, httpApi, schedule, queue, storage.',
      ],
      [
        'CONFIG_UNKNOWN_EVENT',
        'functions.a.events[1] has an unknown event "eventbrige".',
        'Did you mean "eventBridge"?',
      ],
    ]);
  });

  it('rejects a runtime the provider does not run, listing the supported ones', () => {
    const { warnings } = validateFixture('runtime.yml');
    expect(warnings).toEqual([
      {
        code: 'CONFIG_RUNTIME_UNSUPPORTED',
        message: 'functions.hello.runtime "nodejs2.x" is not supported by the local provider.',
        hint: 'Did you mean "nodejs20.x"? Supported runtimes: nodejs18.x, nodejs20.x, nodejs22.x, python3.12.',
        location: at(8, 14),
      },
    ]);
  });

  it('leaves the keys of a provider skyrun does not offer unvalidated, with one warning naming it', () => {
    const doc = loadFixture('unknown-provider.yml');
    const result = validateFixture('unknown-provider.yml', null);
    expect(result.warnings).toEqual([
      {
        code: 'CONFIG_PROVIDER_UNKNOWN',
        message:
          'skyrun does not offer the provider "awz" yet: its provider-specific settings are not validated, ' +
          'and deploy, invoke and the other provider commands will fail.',
        hint: 'Did you mean "aws"? Installed providers: aws, local.',
        location: at(3, 9),
      },
    ]);
    expect(result.config).toEqual(doc.data);
  });

  it('still validates the core keys of a service whose provider is unknown', () => {
    const config = {
      service: 'shop',
      provider: { name: 'openwhisk', memorySize: 'big', anything: true },
      functions: { hello: { handler: 'h.hello', events: [{ trigger: 'x' }, { httpApi: 'FETCH /x' }] } },
    };
    const { warnings } = validateConfiguration({
      config,
      locate: () => at(1, 1),
      providerName: 'openwhisk',
      providers,
    });
    expect(warnings.map((w) => w.code)).toEqual([
      'CONFIG_PROVIDER_UNKNOWN',
      'CONFIG_INVALID_TYPE',
      'CONFIG_INVALID_VALUE',
    ]);
    expect(warnings[0].hint).toBe('Installed providers: aws, local.');
    expect(warnings[1].message).toBe('provider.memorySize must be a number (got "big").');
    expect(warnings[2].message).toBe('functions.hello.events[1].httpApi is not valid (got "FETCH /x").');
  });

  it('requires a service name', () => {
    const { warnings } = validateConfiguration({
      config: { provider: { name: 'local' } },
      locate: () => at(1, 1),
      provider: local,
      providerName: 'local',
      providers,
    });
    expect(warnings).toEqual([
      {
        code: 'CONFIG_MISSING_PROPERTY',
        message: 'The configuration is missing the required property "service".',
        hint: 'Add "service: my-service" at the top of the file.',
        location: at(1, 1),
      },
    ]);
  });

  it('reports enum values with a did-you-mean, and bad function names', () => {
    const { warnings } = validateConfiguration({
      config: {
        service: 'shop',
        configValidationMode: 'wran',
        functions: { 'my.fn': { handler: 'h.x' } },
      },
      locate: () => at(1, 1),
      provider: local,
      providerName: 'local',
      providers,
    });
    expect(warnings.map((w) => [w.message, w.hint])).toEqual([
      ['configValidationMode must be one of "error", "warn", "off" (got "wran").', 'Did you mean "warn"?'],
      ['functions has an invalid key "my.fn".', 'Function names may only contain letters, digits, - and _.'],
    ]);
  });
});

describe('validateConfiguration: modes', () => {
  it('error mode throws one SkyrunError listing every problem as file:line:col', () => {
    let error: unknown;
    try {
      validateFixture('error-mode.yml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SkyrunError);
    const skyrunError = error as SkyrunError;
    expect(skyrunError.code).toBe('CONFIG_INVALID');
    expect(skyrunError.exitCode).toBe(3);
    expect(skyrunError.message).toBe(
      [
        'serverless.yml is not valid (2 problems):',
        '  serverless.yml:5:15: provider.memorySize must be a number (got "lots").',
        '    Memory in MB (1024).',
        '  serverless.yml:9:15: functions.hello has an unknown property "timeoutt".',
        '    Did you mean "timeout"?',
      ].join('\n'),
    );
    expect(skyrunError.hint).toBe(
      'Fix the values above, or set "configValidationMode: warn" to report them without failing.',
    );
  });

  it('error mode does not throw for a valid file', () => {
    const result = validateConfiguration({
      config: { service: 'shop', configValidationMode: 'error', functions: { a: { handler: 'h.a' } } },
      locate: () => at(1, 1),
      provider: local,
      providerName: 'local',
      providers,
    });
    expect(result.warnings).toEqual([]);
  });

  it('off mode reports nothing but still coerces as v3 does', () => {
    const result = validateFixture('off-mode.yml');
    expect(result.warnings).toEqual([]);
    expect((result.config.provider as Record<string, unknown>).environment).toEqual({ PORT: '8080' });
  });
});

describe('validateConfiguration: coercion (what v3 print shows)', () => {
  const doc = loadFixture('coercion.yml');
  const before = structuredClone(doc.data);
  const result = validateConfiguration({
    config: doc.data as Record<string, unknown>,
    locate: doc.locate,
    provider: local,
    providerName: 'local',
    providers,
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a deep walk through coerced YAML
  const config = result.config as Record<string, any>;

  it('is valid', () => {
    expect(result.warnings).toEqual([]);
  });

  it('turns environment values into strings and keeps nulls', () => {
    expect(config.provider.environment).toEqual({ PORT: '8080', DEBUG: 'true', RATIO: '0.5', EMPTY: '', UNSET: null });
    expect(config.functions.hello.environment).toEqual({ PORT: '9090' });
  });

  it('turns numeric strings into numbers and numbers into strings where the schema says so', () => {
    expect(config.provider.memorySize).toBe(512);
    expect(config.functions.hello.timeout).toBe(10);
    expect(config.frameworkVersion).toBe('3');
  });

  it('wraps a single value into a list where v3 expects a list', () => {
    expect(config.package.patterns).toEqual(['!tests/**']);
    expect(config.functions.hello.events[0]).toEqual({ schedule: { rate: ['rate(1 hour)'], input: { kind: 'tick' } } });
    expect(config.functions.hello.events[1]).toEqual({ schedule: 'rate(10 minutes)' });
    expect(config.functions.hello.events[2].schedule.rate).toEqual(['rate(2 hours)', 'cron(0 12 * * ? *)']);
  });

  it('does not mutate the configuration it was given', () => {
    expect(doc.data).toEqual(before);
  });
});
