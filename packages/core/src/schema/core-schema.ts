import type { SchemaObject } from 'ajv';

/**
 * The provider-agnostic part of the serverless.yml JSON Schema (draft-07), modelled on the
 * Serverless Framework v3 configuration schema. Every factory returns a fresh object so the
 * builder can extend it without sharing state between schemas.
 */

/** Events every provider may serve; a provider lists the ones it does in `capabilities.events`. */
export const PORTABLE_EVENTS = ['http', 'httpApi', 'schedule', 'queue', 'storage'] as const;
export type PortableEvent = (typeof PORTABLE_EVENTS)[number];

/**
 * The events Serverless Framework v3 knows on aws. A file using one on a provider that does not
 * serve it gets "not available here" rather than "unknown event", even before skyrun's aws
 * provider is installed.
 */
export const V3_AWS_EVENTS = [
  'activemq',
  'alb',
  'alexaSkill',
  'alexaSmartHome',
  'cloudFront',
  'cloudwatchEvent',
  'cloudwatchLog',
  'cognitoUserPool',
  'eventBridge',
  'http',
  'httpApi',
  'iot',
  'iotFleetProvisioning',
  'kafka',
  'msk',
  'rabbitmq',
  's3',
  'schedule',
  'sns',
  'sqs',
  'stream',
  'websocket',
] as const;

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'OPTIONS', 'HEAD', 'DELETE', 'ANY'] as const;

/** The headers v3 allows when `cors: true`. */
export const DEFAULT_CORS_HEADERS = [
  'Content-Type',
  'X-Amz-Date',
  'Authorization',
  'X-Api-Key',
  'X-Amz-Security-Token',
  'X-Amz-User-Agent',
  'X-Amzn-Trace-Id',
] as const;

export const FUNCTION_NAME_PATTERN = '^[a-zA-Z0-9-_]+$';
export const STAGE_PATTERN = '^[a-zA-Z0-9-]+$';
export const SERVICE_NAME_PATTERN = '^[a-zA-Z][0-9a-zA-Z-]+$';
const ENVIRONMENT_NAME_PATTERN = '^[A-Za-z_][a-zA-Z0-9_]*$';

/** `GET` → `[Gg][Ee][Tt]`: JSON Schema patterns have no flags, v3 matches methods case-insensitively. */
function anyCase(word: string): string {
  return [...word].map((c) => (/[a-z]/i.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c)).join('');
}

const methodAlternatives = HTTP_METHODS.map(anyCase).join('|');
const METHOD_PATTERN = `^(?:\\*|${methodAlternatives})$`;
const METHOD_PATH_PATTERN = `^(?:${methodAlternatives}|\\*) /\\S*$`;
const HTTP_API_SHORTHAND_PATTERN = `^(?:\\*|(?:${methodAlternatives}|\\*) /\\S*)$`;

const RATE = '^rate\\((?:1 (?:minute|hour|day)|(?:1\\d+|[2-9]\\d*) (?:minute|hour|day)s)\\)$';
const AWS_CRON = '^cron\\(\\S+ \\S+ \\S+ \\S+ \\S+ \\S+\\)$';
const UNIX_CRON = '^\\S+ \\S+ \\S+ \\S+ \\S+$';
export const SCHEDULE_EXPRESSION_PATTERN = `${RATE}|${AWS_CRON}|${UNIX_CRON}`;

const scheduleExpression = (): SchemaObject => ({
  type: 'string',
  pattern: SCHEDULE_EXPRESSION_PATTERN,
  description: 'rate(N minutes|hours|days), AWS cron(m h dom mon dow year) or a 5-field cron (m h dom mon dow).',
  examples: ['rate(5 minutes)', 'cron(0 12 * * ? *)', '*/10 * * * *'],
});

/** Environment variables: values are coerced to strings, as v3 does; CloudFormation intrinsics stay objects. */
export function environmentSchema(description: string): SchemaObject {
  return {
    type: 'object',
    description,
    patternProperties: {
      [ENVIRONMENT_NAME_PATTERN]: {
        anyOf: [{ type: 'string' }, { type: 'object', description: 'A CloudFormation intrinsic (aws).' }],
      },
    },
    additionalProperties: false,
  };
}

const httpCors = (): SchemaObject => ({
  description: 'true for the v3 defaults (any origin, the usual headers), or the settings.',
  anyOf: [
    { type: 'boolean' },
    {
      type: 'object',
      properties: {
        origin: { type: 'string', description: 'One allowed origin.' },
        origins: { type: 'array', items: { type: 'string' }, description: 'Allowed origins.' },
        headers: { type: 'array', items: { type: 'string' }, description: 'Allowed request headers.' },
        methods: { type: 'array', items: { enum: [...HTTP_METHODS] }, description: 'Allowed methods.' },
        allowCredentials: { type: 'boolean' },
        maxAge: { type: 'integer', minimum: 1, description: 'Seconds a preflight answer may be cached.' },
        cacheControl: { type: 'string' },
      },
      additionalProperties: false,
    },
  ],
});

export function httpApiCorsSchema(): SchemaObject {
  return {
    description: 'CORS for every httpApi route: true for the v3 defaults, or the settings.',
    anyOf: [
      { type: 'boolean' },
      {
        type: 'object',
        properties: {
          allowedOrigins: { type: 'array', items: { type: 'string' } },
          allowedHeaders: { type: 'array', items: { type: 'string' } },
          allowedMethods: { type: 'array', items: { type: 'string' } },
          allowCredentials: { type: 'boolean' },
          exposedResponseHeaders: { type: 'array', items: { type: 'string' } },
          maxAge: { type: 'integer', minimum: 0 },
        },
        additionalProperties: false,
      },
    ],
  };
}

/** Schemas of the portable events, keyed by event name. */
export function portableEventSchemas(): Record<PortableEvent, SchemaObject> {
  return {
    http: {
      description: 'An API Gateway REST endpoint (payload v1): "GET /users/{id}" or {path, method, cors}.',
      anyOf: [
        { type: 'string', pattern: METHOD_PATH_PATTERN, examples: ['GET /hello', 'POST /users/{id}'] },
        {
          type: 'object',
          properties: {
            path: { type: 'string', pattern: '^\\S*$', description: 'Path template, e.g. /users/{id}.' },
            method: {
              type: 'string',
              pattern: METHOD_PATTERN,
              description: 'GET, POST, PUT, PATCH, OPTIONS, HEAD, DELETE or ANY (any case).',
            },
            cors: httpCors(),
          },
          required: ['path', 'method'],
          additionalProperties: false,
        },
      ],
    },
    httpApi: {
      description: 'An HTTP API route (payload v2): "*", "GET /users/{id}" or {method, path}.',
      anyOf: [
        { type: 'string', pattern: HTTP_API_SHORTHAND_PATTERN, examples: ['*', 'GET /hello'] },
        {
          type: 'object',
          properties: {
            method: {
              type: 'string',
              pattern: METHOD_PATTERN,
              description: 'GET, POST, ..., ANY or *; may be left out when path is *.',
            },
            path: { type: 'string', pattern: '^(?:\\*|/\\S*)$', description: 'A path starting with /, or *.' },
          },
          required: ['path'],
          additionalProperties: false,
        },
      ],
    },
    schedule: {
      description: 'A timer: an expression, or {rate, enabled, input, ...}.',
      anyOf: [
        scheduleExpression(),
        {
          type: 'object',
          properties: {
            rate: {
              type: 'array',
              minItems: 1,
              items: scheduleExpression(),
              description: 'One expression or a list of them.',
            },
            enabled: { type: 'boolean', description: 'false keeps the schedule defined but stopped.' },
            name: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[.\\-_A-Za-z0-9]+$' },
            description: { type: 'string', maxLength: 512 },
            input: {
              description: 'The event the function receives (instead of the scheduler event).',
              anyOf: [{ type: 'string', maxLength: 8192 }, { type: 'object' }],
            },
            inputPath: { type: 'string', maxLength: 256 },
          },
          required: ['rate'],
          additionalProperties: false,
        },
      ],
    },
    queue: {
      description: 'Messages from a queue, delivered as SQS-shaped records: a queue name or {name, batchSize}.',
      anyOf: [
        { type: 'string', minLength: 1 },
        {
          type: 'object',
          properties: {
            name: { type: 'string', minLength: 1, description: 'The queue name.' },
            batchSize: { type: 'integer', minimum: 1, maximum: 10000, description: 'Records per invocation (10).' },
          },
          required: ['name'],
          additionalProperties: false,
        },
      ],
    },
    storage: {
      description:
        'Object changes in a bucket, delivered as S3-shaped records: a bucket name or {bucket, events, rules}.',
      anyOf: [
        { type: 'string', minLength: 1 },
        {
          type: 'object',
          properties: {
            bucket: { type: 'string', minLength: 1 },
            events: {
              type: 'array',
              items: { type: 'string', pattern: '^s3:' },
              description: 'S3 event names (s3:ObjectCreated:* by default).',
              examples: [['s3:ObjectCreated:*', 's3:ObjectRemoved:*']],
            },
            rules: {
              type: 'array',
              items: {
                type: 'object',
                properties: { prefix: { type: 'string' }, suffix: { type: 'string' } },
                additionalProperties: false,
              },
            },
          },
          required: ['bucket'],
          additionalProperties: false,
        },
      ],
    },
  };
}

export function packageSchema(): SchemaObject {
  return {
    type: 'object',
    description: 'What goes into the deployment artifact.',
    properties: {
      patterns: {
        type: 'array',
        items: { type: 'string' },
        description: 'Globs to include; a leading ! excludes (applied in order).',
      },
      individually: { type: 'boolean', description: 'One artifact per function instead of one per service.' },
      artifact: { type: 'string', description: 'A prebuilt zip, relative to the service directory.' },
      excludeDevDependencies: { type: 'boolean', description: 'Leave devDependencies out (true).' },
      include: { type: 'array', items: { type: 'string' }, description: 'Deprecated in v3: use patterns.' },
      exclude: { type: 'array', items: { type: 'string' }, description: 'Deprecated in v3: use patterns with !.' },
    },
    additionalProperties: false,
  };
}

function functionPackageSchema(): SchemaObject {
  const schema = packageSchema();
  delete schema.properties.excludeDevDependencies;
  schema.description = "This function's packaging (added to the service's).";
  return schema;
}

const memorySize = (): SchemaObject => ({ type: 'integer', minimum: 1, description: 'Memory in MB (1024).' });
const timeout = (): SchemaObject => ({
  type: 'integer',
  minimum: 1,
  description: 'Seconds before the invocation is stopped (6).',
});
const runtime = (): SchemaObject => ({ type: 'string', description: 'e.g. nodejs20.x, python3.12.' });
const tags = (): SchemaObject => ({ type: 'object', additionalProperties: { type: 'string' } });

/** Core properties of one function (`functions.<key>`); providers add theirs. */
export function functionPropertySchemas(): Record<string, SchemaObject> {
  return {
    handler: {
      type: 'string',
      description: 'file.export (Node: src/handler.hello) or module.function (Python).',
    },
    image: {
      description: 'A container image instead of a handler (providers that support it).',
      anyOf: [{ type: 'string' }, { type: 'object' }],
    },
    runtime: runtime(),
    memorySize: memorySize(),
    timeout: timeout(),
    environment: environmentSchema('Environment variables, merged over provider.environment.'),
    name: { type: 'string', description: 'The deployed name (<service>-<stage>-<key> by default).' },
    description: { type: 'string', maxLength: 256 },
    events: { type: 'array', description: 'What invokes the function.' },
    package: functionPackageSchema(),
    reservedConcurrency: { type: 'integer', minimum: 0, description: 'Maximum concurrent invocations.' },
    provisionedConcurrency: { type: 'integer', minimum: 0, description: 'Instances kept warm.' },
    tags: tags(),
  };
}

/** Core properties of the `provider:` block; providers add theirs. */
export function providerPropertySchemas(): Record<string, SchemaObject> {
  return {
    name: { type: 'string', description: 'Where the service runs: local (default), aws, ...' },
    stage: { type: 'string', pattern: STAGE_PATTERN, description: 'Default stage (dev); --stage wins.' },
    region: { type: 'string', description: 'Default region; --region wins.' },
    runtime: runtime(),
    memorySize: memorySize(),
    timeout: timeout(),
    environment: environmentSchema('Environment variables of every function.'),
    httpApi: {
      type: 'object',
      description: 'Settings of the HTTP API serving httpApi events.',
      properties: {
        payload: { type: 'string', enum: ['1.0', '2.0'], description: 'Event payload format (2.0).' },
        cors: httpApiCorsSchema(),
      },
      additionalProperties: false,
    },
    tags: tags(),
  };
}

/** The top level; `provider`, `functions` and the events are filled in by the builder. */
export function topLevelPropertySchemas(): Record<string, SchemaObject> {
  return {
    service: {
      description: 'The service name: letters, digits and -, starting with a letter.',
      anyOf: [
        { type: 'string', pattern: SERVICE_NAME_PATTERN },
        {
          type: 'object',
          properties: { name: { type: 'string', pattern: SERVICE_NAME_PATTERN } },
          required: ['name'],
          additionalProperties: false,
        },
      ],
    },
    frameworkVersion: { type: 'string', description: 'Accepted for v3 compatibility; skyrun does not check it.' },
    configValidationMode: {
      enum: ['error', 'warn', 'off'],
      description: 'What a schema violation does: fail (error), print a warning (warn, default) or nothing (off).',
    },
    useDotenv: { type: 'boolean', description: 'Load .env and .env.<stage> into ${env:}.' },
    variablesResolutionMode: {
      type: 'string',
      enum: ['20210219', '20210326'],
      description: 'Accepted for v3 compatibility.',
    },
    disabledDeprecations: {
      description: 'Deprecation codes to silence, or * for all.',
      anyOf: [{ const: '*' }, { type: 'array', items: { type: 'string', pattern: '^[A-Z0-9_]+$' } }],
    },
    deprecationNotificationMode: { enum: ['error', 'warn', 'warn:summary'] },
    org: { type: 'string', description: 'Serverless Dashboard org: accepted, ignored by skyrun.' },
    app: { type: 'string', description: 'Serverless Dashboard app: accepted, ignored by skyrun.' },
    package: packageSchema(),
    build: {
      type: 'object',
      description: 'Bundling.',
      properties: {
        esbuild: {
          description: 'true to bundle with esbuild defaults, false to copy sources, or esbuild options.',
          anyOf: [{ type: 'boolean' }, { type: 'object' }],
        },
      },
      additionalProperties: false,
    },
    custom: { type: 'object', description: 'Free-form values for ${self:custom.x} and plugins.' },
    resources: { type: 'object', description: 'Provider resources (CloudFormation on aws).' },
    plugins: {
      description: 'Plugin modules to load.',
      anyOf: [
        { type: 'array', items: { type: 'string' } },
        {
          type: 'object',
          properties: { localPath: { type: 'string' }, modules: { type: 'array', items: { type: 'string' } } },
          required: ['modules'],
          additionalProperties: false,
        },
      ],
    },
    params: {
      type: 'object',
      description: 'Values for ${param:x} per stage; "default" applies to every stage.',
      patternProperties: { [STAGE_PATTERN]: { type: 'object' } },
      additionalProperties: false,
    },
    stages: {
      type: 'object',
      description: 'Per-stage overrides; "default" applies to every stage.',
      patternProperties: {
        [STAGE_PATTERN]: {
          type: 'object',
          properties: {
            params: { type: 'object', description: 'Values for ${param:x} in this stage.' },
            provider: { type: 'object', description: 'provider settings for this stage (name included).' },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    outputs: { type: 'object', description: 'Values shown after deploy and readable by other services.' },
  };
}
