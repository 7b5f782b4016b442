import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseYamlDocument, type LoadedDocument } from '../../src/config/load-service-file.js';
import { defineProvider, type ProviderDefinition } from '../../src/provider/contract.js';
import { validateConfiguration } from '../../src/validate/validate-configuration.js';
import type { ValidationResult } from '../../src/validate/types.js';

export const fixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/validate');

const notLoaded = async (): Promise<never> => {
  throw new Error('the runtime is not used by validation tests');
};

export const local = defineProvider({
  name: 'local',
  description: 'The embedded runtime (test double).',
  schema: {},
  capabilities: {
    runtimes: ['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'python3.12'],
    events: ['http', 'httpApi', 'schedule', 'queue', 'storage'],
  },
  load: notLoaded,
});

export const aws = defineProvider({
  name: 'aws',
  aliases: ['lambda'],
  description: 'AWS Lambda (test double).',
  schema: {
    provider: {
      profile: { type: 'string', description: 'AWS profile.' },
      deploymentBucket: { type: 'string' },
    },
    function: { layers: { type: 'array', items: { type: 'string' } } },
    events: {
      sqs: {
        anyOf: [
          { type: 'string', pattern: '^arn:' },
          {
            type: 'object',
            properties: { arn: { type: 'string' }, batchSize: { type: 'integer', minimum: 1 } },
            required: ['arn'],
            additionalProperties: false,
          },
        ],
      },
      sns: { type: 'string' },
    },
  },
  capabilities: {
    runtimes: ['nodejs20.x', 'nodejs22.x', 'python3.12', 'java21'],
    events: ['http', 'httpApi', 'schedule', 'sqs', 'sns'],
  },
  load: notLoaded,
});

export const providers: readonly ProviderDefinition[] = [aws, local];

/** Parse a fixture as `serverless.yml` (so locations read `serverless.yml:L:C`). */
export function loadFixture(name: string): LoadedDocument {
  return parseYamlDocument('serverless.yml', readFileSync(path.join(fixturesDir, name), 'utf8'));
}

/** Validate a fixture; `provider: null` means skyrun does not offer the file's provider. */
export function validateFixture(name: string, provider: ProviderDefinition | null = local): ValidationResult {
  const doc = loadFixture(name);
  const config = doc.data as Record<string, unknown>;
  const providerBlock = (config.provider ?? {}) as Record<string, unknown>;
  return validateConfiguration({
    config,
    locate: doc.locate,
    provider: provider ?? undefined,
    providerName: String(providerBlock.name ?? 'local'),
    providers,
  });
}
