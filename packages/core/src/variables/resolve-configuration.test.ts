import { describe, expect, it } from 'vitest';
import { SkyrunError } from '../errors/index.js';
import type { VariableSource } from '../provider/contract.js';
import { failure, resolveYaml } from '../../test/variables/helpers.js';

const at = (error: Error & Record<string, unknown>) => {
  const location = error.location as { file: string; line: number; column: number };
  return `${location.file.split('/').pop()}:${location.line}:${location.column}`;
};

describe('core sources', () => {
  it('resolves self, opt, env, sls and strToBool', async () => {
    const { config, stage, providerName } = await resolveYaml(
      [
        'service: demo',
        'provider:',
        '  name: local',
        '  region: ${opt:region}',
        'custom:',
        '  svc: ${self:service}',
        '  home: ${env:HOME_DIR}',
        '  stage: ${sls:stage}',
        '  id: ${sls:instanceId}',
        '  flag: ${strToBool(${env:FLAG})}',
        '  off: ${strToBool(0)}',
        '  allOptions: ${opt:}',
        '  region: ${self:provider.region}',
        '  first: ${self:custom.list.0}',
        '  list: [a, b]',
      ].join('\n'),
      { options: { region: 'eu-west-1', stage: 'qa' }, env: { HOME_DIR: '/home/me', FLAG: 'TRUE' } },
    );
    expect(stage).toBe('qa');
    expect(providerName).toBe('local');
    const custom = config.custom as Record<string, unknown>;
    expect(custom).toMatchObject({
      svc: 'demo',
      home: '/home/me',
      stage: 'qa',
      flag: true,
      off: false,
      allOptions: { region: 'eu-west-1', stage: 'qa' },
      region: 'eu-west-1',
      first: 'a',
    });
    expect(custom.id).toMatch(/^\d{13}[0-9a-f]{6}$/);
  });

  it('treats ${self:} (the whole configuration) inside the configuration as a cycle, as v3 does', async () => {
    const error = await failure(resolveYaml('service: s\ncustom:\n  all: ${self:}\n'));
    expect(error.code).toBe('CONFIG_VARIABLE_CYCLE');
    expect(error.message).toMatch(
      /^Cannot resolve variable at "custom.all": Circular reference: "custom.all" → "\(the whole configuration\)"/,
    );
  });

  it('keeps sls:instanceId identical within a run', async () => {
    const { config } = await resolveYaml('service: s\ncustom:\n  a: ${sls:instanceId}\n  b: x-${sls:instanceId}\n');
    const custom = config.custom as Record<string, string>;
    expect(custom.b).toBe(`x-${custom.a}`);
  });

  it('reads ${file()} from yml, json, js, cjs (async function with resolveVariable), mjs and a property function', async () => {
    const { config, concealedPaths } = await resolveYaml('', { fixture: 'files' });
    const custom = config.custom as Record<string, unknown>;
    expect(custom.yml).toBe('db.local');
    expect(custom.ymlWhole).toEqual({ database: { host: 'db.local', port: 5432, nested: 'eu-west-3' } });
    expect(custom.json).toBe(8080);
    expect(custom.js).toBe('hello from js');
    expect(custom.cjs).toEqual({ fromFn: 'eu-west-3/dev', hasOptions: true });
    expect(custom.mjs).toBe('ap-south-1');
    expect(custom.propFn).toBe('files-demo');
    expect(custom.stageFile).toBe('dev-config');
    expect(custom.missing).toBe('fallback');
    expect(custom.missingKey).toBe('fallback2');
    expect(concealedPaths).toEqual([]);
  });

  it('fails on a missing file without fallback, naming the property', async () => {
    const error = await failure(resolveYaml('service: s\ncustom:\n  x: ${file(./absent.yml):a}\n'));
    expect(error).toBeInstanceOf(SkyrunError);
    expect(error.code).toBe('CONFIG_VARIABLE_MISSING');
    expect(error.message).toBe('Cannot resolve variable at "custom.x": Value not found at "file" source');
    expect(error.hint).toMatch(/absent\.yml does not exist/);
    expect(at(error)).toBe('serverless.yml:3:6');
  });
});

describe('fallbacks, nesting, interpolation, escapes', () => {
  it('walks fallback chains to the first value and returns literals with their type', async () => {
    const { config } = await resolveYaml(
      [
        'service: s',
        'custom:',
        '  b: from-self',
        `  a: \${env:NOPE, self:custom.b}`,
        `  single: \${env:NOPE, opt:nope, 'lit'}`,
        `  double: \${env:NOPE, "dq"}`,
        '  number: ${env:NOPE, 42}',
        '  bool: ${env:NOPE, true}',
        '  nil: ${env:NOPE, null}',
        `  emptyEnv: \${env:EMPTY, 'empty-is-unset'}`,
      ].join('\n'),
      { env: { EMPTY: '' } },
    );
    expect(config.custom).toEqual({
      b: 'from-self',
      a: 'from-self',
      single: 'lit',
      double: 'dq',
      number: 42,
      bool: true,
      nil: null,
      emptyEnv: 'empty-is-unset',
    });
  });

  it('nests variables in addresses and params', async () => {
    const { config } = await resolveYaml(
      [
        'service: s',
        'provider: {name: local, stage: prod}',
        'custom:',
        '  map: {dev: small, prod: large}',
        '  size: ${self:custom.map.${sls:stage}}',
        '  key: prod',
        '  deep: ${self:custom.map.${self:custom.key}}',
        '  flag: ${strToBool(${env:F, "false"})}',
      ].join('\n'),
    );
    expect(config.custom).toMatchObject({ size: 'large', deep: 'large', flag: false });
  });

  it('interpolates strings and keeps the type of a whole-value variable', async () => {
    const { config } = await resolveYaml(
      [
        'service: s',
        'custom:',
        '  n: 3',
        '  b: true',
        '  list: [x, y]',
        '  obj: {k: v}',
        '  str: n=${self:custom.n} b=${self:custom.b} list=${self:custom.list}',
        '  whole: ${self:custom.n}',
        '  wholeObj: ${self:custom.obj}',
        '  two: ${self:custom.n}${self:custom.n}',
      ].join('\n'),
    );
    expect(config.custom).toMatchObject({ str: 'n=3 b=true list=x,y', whole: 3, wholeObj: { k: 'v' }, two: '33' });
  });

  it('refuses an object inside a longer string, as v3 does', async () => {
    const error = await failure(resolveYaml('service: s\ncustom:\n  obj: {k: v}\n  s: x-${self:custom.obj}\n'));
    expect(error.code).toBe('CONFIG_VARIABLE_NOT_STRING');
    expect(error.message).toMatch(
      /^Cannot resolve variable at "custom.s": String value consist of variable which resolve with non-string value/,
    );
    expect(at(error)).toBe('serverless.yml:4:6');
  });

  it('turns \\${ into a literal ${ and leaves CloudFormation references alone', async () => {
    const { config } = await resolveYaml(
      [
        'service: s',
        'custom:',
        '  escaped: "\\\\${self:service}"',
        '  mixed: "\\\\${literal}-${self:service}"',
        '  cf: arn:${AWS::Partition}:s3:::${Bucket}-${AWS::Region}',
        '  sub: !Sub "${AWS::StackName}-${self:service}"',
        '  copy: ${self:custom.escaped}',
      ].join('\n'),
    );
    expect(config.custom).toEqual({
      escaped: '${self:service}',
      mixed: '${literal}-s',
      cf: 'arn:${AWS::Partition}:s3:::${Bucket}-${AWS::Region}',
      sub: { 'Fn::Sub': '${AWS::StackName}-s' },
      copy: '${self:service}',
    });
  });

  it('resolves variables inside values that sources return (env text, file content)', async () => {
    const { config } = await resolveYaml('service: s\ncustom:\n  a: ${env:INDIRECT}\n  b: target\n', {
      env: { INDIRECT: '${self:custom.b}' },
    });
    expect(config.custom).toEqual({ a: 'target', b: 'target' });
  });
});

describe('params', () => {
  const yaml = [
    'service: s',
    'provider: {name: local}',
    'params:',
    '  default: {a: params-default, b: params-default, c: params-default, d: params-default}',
    '  prod: {a: params-prod, b: params-prod}',
    'stages:',
    '  default:',
    '    params: {a: stages-default, b: stages-default, c: stages-default}',
    '  prod:',
    '    params: {a: stages-prod}',
    'custom:',
    '  a: ${param:a}',
    '  b: ${param:b}',
    '  c: ${param:c}',
    '  d: ${param:d}',
    "  e: ${param:e, 'none'}",
  ].join('\n');

  it('applies --param, stages.<stage>.params, params.<stage>, then the defaults', async () => {
    const { config } = await resolveYaml(yaml, { options: { stage: 'prod' } });
    expect(config.custom).toEqual({
      a: 'stages-prod',
      b: 'params-prod',
      c: 'stages-default',
      d: 'params-default',
      e: 'none',
    });
    const cli = await resolveYaml(yaml, { options: { stage: 'prod', param: ['a=cli=1', 'd=cli-d'] } });
    expect(cli.config.custom).toMatchObject({ a: 'cli=1', d: 'cli-d' });
    const single = await resolveYaml(yaml, { options: { stage: 'dev', param: 'b=one' } });
    expect(single.config.custom).toMatchObject({ a: 'stages-default', b: 'one' });
  });

  it('names a missing param', async () => {
    const error = await failure(resolveYaml('service: s\ncustom:\n  x: ${param:nope}\n'));
    expect(error.message).toBe(
      'Cannot resolve variable at "custom.x": The param "nope" cannot be resolved from CLI options or stage params',
    );
    expect(error.hint).toMatch(/--param nope=VALUE/);
  });

  it('rejects a --param without =', async () => {
    const error = await failure(
      resolveYaml('service: s\ncustom:\n  x: ${param:a}\n', { options: { param: 'novalue' } }),
    );
    expect(error.code).toBe('CONFIG_PARAM_OPTION');
  });
});

describe('stages and provider', () => {
  it('selects --stage > provider.stage > dev, resolving provider.stage first', async () => {
    expect((await resolveYaml('service: s\n')).stage).toBe('dev');
    expect((await resolveYaml('service: s\nprovider:\n  stage: ${env:STAGE, "staging"}\n')).stage).toBe('staging');
    expect((await resolveYaml('service: s\nprovider:\n  stage: ${env:STAGE}\n', { env: { STAGE: 'ci' } })).stage).toBe(
      'ci',
    );
    expect((await resolveYaml('service: s\nprovider:\n  stage: staging\n', { options: { stage: 'prod' } })).stage).toBe(
      'prod',
    );
  });

  it('merges stages.default then stages.<stage> into provider, provider.name included, and locates merged keys', async () => {
    const yaml = [
      'service: s',
      'provider:',
      '  name: local',
      '  memorySize: 128',
      '  environment: {A: base, B: base}',
      'stages:',
      '  default:',
      '    provider:',
      '      timeout: 10',
      '      environment: {B: default}',
      '  prod:',
      '    provider:',
      '      name: AWS',
      '      memorySize: ${self:custom.big}',
      'custom:',
      '  big: 1024',
    ].join('\n');
    const dev = await resolveYaml(yaml);
    expect(dev.providerName).toBe('local');
    expect(dev.config.provider).toEqual({
      name: 'local',
      memorySize: 128,
      timeout: 10,
      environment: { A: 'base', B: 'default' },
    });
    const prod = await resolveYaml(yaml, { options: { stage: 'prod' }, providers: { aws: {} } });
    expect(prod.providerName).toBe('aws');
    expect(prod.config.provider).toEqual({
      name: 'AWS',
      memorySize: 1024,
      timeout: 10,
      environment: { A: 'base', B: 'default' },
    });
    expect(prod.config.stages).toBeDefined();
    const loc = (p: (string | number)[]) => {
      const l = prod.locate(p);
      return `${l.line}:${l.column}`;
    };
    expect(loc(['provider', 'name'])).toBe('13:13');
    expect(loc(['provider', 'memorySize'])).toBe('14:19');
    expect(loc(['provider', 'environment', 'B'])).toBe('10:24');
    expect(loc(['provider', 'environment', 'A'])).toBe('5:20');
    expect(loc(['custom', 'big', 'nothing'])).toBe('16:8');
  });

  it('lets --provider override provider.name and defaults to local when absent', async () => {
    const yaml = 'service: s\nprovider:\n  name: aws\n';
    const overridden = await resolveYaml(yaml, { options: { provider: 'Local' } });
    expect(overridden.providerName).toBe('local');
    expect((overridden.config.provider as Record<string, unknown>).name).toBe('local');
    const absent = await resolveYaml('service: s\n');
    expect(absent.providerName).toBe('local');
    expect(absent.warnings).toEqual([]);
    expect(absent.config.provider).toBeUndefined();
  });

  it('refuses a provider source while the stage is being determined', async () => {
    const error = await failure(
      resolveYaml('service: s\nprovider:\n  stage: ${ssm:/stage}\n', { providers: { aws: {} } }),
    );
    expect(error.code).toBe('CONFIG_VARIABLE_PROVIDER_SOURCE_TOO_EARLY');
    expect(error.message).toMatch(/provider\.stage/);
  });

  it('warns about keys a stage block does not use', async () => {
    const { warnings } = await resolveYaml('service: s\nstages:\n  dev:\n    foo: 1\n');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: 'STAGES_UNKNOWN_KEY', location: { line: 4, column: 10 } });
  });
});

describe('provider sources', () => {
  const ssm: VariableSource = {
    async resolve(request) {
      const region = await request.resolveConfigurationProperty(['provider', 'region']);
      if (request.address === '/missing') return { value: null };
      return { value: `${request.address}@${String(region)}@${request.stage}`, secret: true };
    },
  };

  it('uses the active provider sources, memoised, with secrets concealed', async () => {
    let calls = 0;
    const counting: VariableSource = {
      async resolve(request) {
        calls++;
        return ssm.resolve(request);
      },
    };
    const { config, concealedPaths } = await resolveYaml(
      [
        'service: s',
        'provider: {name: aws, region: eu-west-1}',
        'custom:',
        '  db: ${ssm:/db}',
        '  again: ${ssm:/db}',
        "  fallback: ${ssm:/missing, 'plain'}",
      ].join('\n'),
      { providers: { aws: { ssm: counting } } },
    );
    expect(config.custom).toEqual({ db: '/db@eu-west-1@dev', again: '/db@eu-west-1@dev', fallback: 'plain' });
    expect(calls).toBe(2);
    expect(concealedPaths).toEqual(
      expect.arrayContaining([
        ['custom', 'db'],
        ['custom', 'again'],
      ]),
    );
    expect(concealedPaths).toHaveLength(2);
  });

  it('explains a source the provider does not offer', async () => {
    const error = await failure(resolveYaml('service: s\nprovider: {name: local}\ncustom:\n  x: ${ssm:/x}\n'));
    expect(error.code).toBe('CONFIG_VARIABLE_PROVIDER_SOURCE');
    expect(error.message).toBe(
      'Cannot resolve variable at "custom.x": The "ssm" source is not available with provider "local"',
    );
    expect(error.hint).toMatch(/providerSources\("local"\) has no "ssm" source; "ssm" is a source of the aws provider/);
    expect(at(error)).toBe('serverless.yml:4:6');
  });

  it('explains sources of a provider skyrun does not offer', async () => {
    const error = await failure(resolveYaml('service: s\nprovider: {name: google}\ncustom:\n  x: ${cf:stack.out}\n'));
    expect(error.code).toBe('CONFIG_VARIABLE_PROVIDER_SOURCE');
    expect(error.hint).toMatch(/skyrun does not offer the "google" provider/);
  });

  it('suggests the closest name for an unknown source', async () => {
    const error = await failure(resolveYaml('service: s\ncustom:\n  x: ${slef:service}\n'));
    expect(error.code).toBe('CONFIG_VARIABLE_UNKNOWN_SOURCE');
    expect(error.message).toBe(
      'Cannot resolve variable at "custom.x": Unrecognized variable source "slef" in ${slef:service}',
    );
    expect(error.hint).toMatch(/^Did you mean "self"\?/);
    expect(at(error)).toBe('serverless.yml:3:6');
  });
});

describe('errors', () => {
  it('reports a missing option with v3 wording and the exact position', async () => {
    const error = await failure(resolveYaml('service: s\nprovider:\n  name: local\n  stage: ${opt:stage}\n'));
    expect(error).toBeInstanceOf(SkyrunError);
    expect((error as unknown as SkyrunError).exitCode).toBe(3);
    expect(error.message).toBe('Cannot resolve variable at "provider.stage": Value not found at "opt" source');
    expect(at(error)).toBe('serverless.yml:4:10');
    expect(error.hint).toMatch(/--stage/);
  });

  it('reports a missing env variable deep in a list', async () => {
    const error = await failure(
      resolveYaml('service: s\nfunctions:\n  hello:\n    handler: h.h\n    events:\n      - http: ${env:ROUTE}\n'),
    );
    expect(error.message).toBe(
      'Cannot resolve variable at "functions.hello.events[0].http": Value not found at "env" source',
    );
    expect(at(error)).toBe('serverless.yml:6:15');
  });

  it('names the chain of a cycle', async () => {
    const error = await failure(
      resolveYaml('service: s\ncustom:\n  a: ${self:custom.b}\n  b: x-${self:custom.c}\n  c: ${self:custom.a}\n'),
    );
    expect(error.code).toBe('CONFIG_VARIABLE_CYCLE');
    expect(error.message).toMatch(
      /Circular reference: "custom\.(a|b|c)" → "custom\.(a|b|c)" → "custom\.(a|b|c)" → "custom\.(a|b|c)"/,
    );
    for (const name of ['a', 'b', 'c']) expect(error.message).toContain(`"custom.${name}"`);
  });

  it('reports a property that refers to itself or to its parent', async () => {
    const self = await failure(resolveYaml('service: s\ncustom:\n  a: ${self:custom.a}\n'));
    expect(self.message).toBe('Cannot resolve variable at "custom.a": Circular reference: "custom.a" refers to itself');
    const parent = await failure(resolveYaml('service: s\ncustom:\n  a: ${self:custom}\n'));
    expect(parent.code).toBe('CONFIG_VARIABLE_CYCLE');
    const stage = await failure(resolveYaml('service: s\nprovider:\n  stage: ${sls:stage}\n'));
    expect(stage.message).toMatch(/"provider\.stage" refers to itself/);
  });

  it('stops values that keep resolving to variables after 10 levels', async () => {
    const error = await failure(
      resolveYaml('service: s\ncustom:\n  a: ${env:LOOP}\n', { env: { LOOP: '${env:LOOP}' } }),
    );
    expect(error.code).toBe('CONFIG_VARIABLE_DEPTH');
    expect(error.message).toMatch(/^Cannot resolve variable at "custom.a": Excessive property variables nest depth/);
    const ok = await resolveYaml('service: s\ncustom:\n  a: ${env:L1}\n', {
      env: Object.fromEntries(
        Array.from({ length: 10 }, (_, i) => [`L${i + 1}`, i === 9 ? 'done' : `\${env:L${i + 2}}`]),
      ),
    });
    expect((ok.config.custom as Record<string, unknown>).a).toBe('done');
  });

  it('reports unterminated variables with the property path', async () => {
    const error = await failure(resolveYaml('service: s\ncustom:\n  a: "x-${self:service"\n'));
    expect(error.code).toBe('CONFIG_VARIABLE_SYNTAX');
    expect(error.message).toMatch(/^Variable syntax error at "custom.a": Missing variable closing bracket/);
    expect(at(error)).toBe('serverless.yml:3:6');
  });

  it('reports nesting deeper than 10 in addresses', async () => {
    const nest = (n: number): string => (n === 0 ? 'x' : `\${self:${nest(n - 1)}}`);
    const error = await failure(resolveYaml(`service: s\ncustom:\n  a: ${nest(12)}\n`));
    expect(error.code).toBe('CONFIG_VARIABLE_DEPTH');
  });
});

describe('useDotenv', () => {
  it('loads .env.<stage> when present, else .env, never overriding the environment', async () => {
    const yaml = [
      'service: s',
      'useDotenv: true',
      'custom:',
      '  a: ${env:A}',
      '  b: ${env:B}',
      "  c: ${env:C, 'unset'}",
      '  url: ${env:URL}',
    ].join('\n');
    const files = {
      '.env': 'A=from-env-file\nB=from-env-file\nC=only-default\nURL=${A}/x\n',
      '.env.prod': 'A=from-prod\nB=from-prod\n',
    };
    const dev = await resolveYaml(yaml, { files, env: { B: 'from-process' } });
    expect(dev.config.custom).toEqual({
      a: 'from-env-file',
      b: 'from-process',
      c: 'only-default',
      url: 'from-env-file/x',
    });
    const prod = await failure(resolveYaml(yaml, { files, options: { stage: 'prod' } }));
    expect(prod.message).toBe('Cannot resolve variable at "custom.url": Value not found at "env" source');
  });

  it('ignores .env files without useDotenv', async () => {
    const { config } = await resolveYaml("service: s\ncustom:\n  a: ${env:A, 'no'}\n", {
      files: { '.env': 'A=yes\n' },
    });
    expect(config.custom).toEqual({ a: 'no' });
  });
});

describe('concealedPaths', () => {
  it('lists values from env and params, wholly or partly, and follows self references', async () => {
    const { concealedPaths, config } = await resolveYaml(
      [
        'service: s',
        'params:',
        '  default: {token: t0k}',
        'custom:',
        '  secret: ${env:SECRET}',
        '  partly: prefix-${param:token}',
        '  plain: ${opt:stage, "dev"}',
        '  group:',
        '    pass: ${env:SECRET}',
        '    user: admin',
        'provider:',
        '  environment: ${self:custom.group}',
        '  copy: ${self:custom.secret}',
      ].join('\n'),
      { env: { SECRET: 's3cr3t' } },
    );
    expect(config.provider).toEqual({ environment: { pass: 's3cr3t', user: 'admin' }, copy: 's3cr3t' });
    expect(concealedPaths).toEqual(
      expect.arrayContaining([
        ['custom', 'secret'],
        ['custom', 'partly'],
        ['custom', 'group', 'pass'],
        ['provider', 'environment', 'pass'],
        ['provider', 'copy'],
      ]),
    );
    expect(concealedPaths).toHaveLength(5);
  });
});

describe('concealment through JS files and copies', () => {
  it('conceals what a JS file built from resolveVariable("env:...") and hands out independent copies', async () => {
    const { config, concealedPaths } = await resolveYaml(
      [
        'service: s',
        'custom:',
        '  fromJs: ${file(./secret.cjs)}',
        '  group: {a: {b: 1}}',
        '  copy: ${self:custom.group}',
      ].join('\n'),
      {
        env: { SECRET: 'hush' },
        files: {
          'secret.cjs':
            "module.exports = async ({ resolveVariable }) => ({ dsn: 'db://' + (await resolveVariable('env:SECRET')) });\n",
        },
      },
    );
    const custom = config.custom as Record<string, Record<string, Record<string, number>>>;
    expect(custom.fromJs).toEqual({ dsn: 'db://hush' });
    expect(concealedPaths).toEqual([['custom', 'fromJs']]);
    custom.copy.a.b = 2;
    expect(custom.group.a.b).toBe(1);
  });
});

describe('performance', () => {
  it('resolves a 200-property file with cross references quickly', async () => {
    const lines = ['service: big', 'custom:'];
    for (let i = 0; i < 200; i++) lines.push(`  k${i}: ${i === 0 ? 'base' : `\${self:custom.k${i - 1}}-${i}`}`);
    const started = performance.now();
    const { config } = await resolveYaml(lines.join('\n'));
    const elapsed = performance.now() - started;
    expect((config.custom as Record<string, string>).k199.endsWith('-198-199')).toBe(true);
    expect(elapsed).toBeLessThan(5000);
  });
});
