/**
 * The provider contract suite (DESIGN.md: "one shared contract suite runs against every provider
 * through a thin per-provider adapter"). It drives a provider through the same core operations
 * the CLI calls — load, package, plan/apply, invoke, info, logs, deploy function, remove — on a
 * small generated service, and asserts what a user would see. A provider's test file calls
 * `runProviderContract(adapter)`; the adapter only knows how to reach that provider.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HookEngine } from '../../src/lifecycle/index.js';
import { deployOneFunction, deployService } from '../../src/operations/deploy.js';
import { functionLogs, invokeFunction, removeService, serviceInfo } from '../../src/operations/verbs.js';
import type { CommandContext } from '../../src/operations/command-context.js';
import { silentProgress } from '../../src/output/progress.js';
import type { ProviderDefinition } from '../../src/provider/contract.js';
import { createProviderRegistry } from '../../src/provider/registry.js';
import { loadService } from '../../src/service/load-service.js';

export interface ProviderContractAdapter {
  /** The provider under test. */
  readonly definition: ProviderDefinition;
  /** The `provider:` block of the generated service (name and any settings the provider needs). */
  readonly providerBlock: string;
  /** Reach the provider (start emulators, set credentials); called once before the suite. */
  setup?(): Promise<void>;
  /** Release everything setup started; called once after the suite. */
  teardown?(): Promise<void>;
}

const HANDLER = `export const hello = async (event, context) => {
  console.log('contract hello', context.functionName);
  return { statusCode: 200, body: JSON.stringify({ greeting: process.env.GREETING, version: VERSION }) };
};
export const echo = async (event) => ({ echoed: event });
const VERSION = 1;
`;

function writeService(dir: string, providerBlock: string, handler = HANDLER): void {
  writeFileSync(
    path.join(dir, 'serverless.yml'),
    [
      'service: contract',
      'provider:',
      ...providerBlock.split('\n').map((line) => `  ${line}`),
      '  environment:',
      '    GREETING: hi',
      'functions:',
      '  hello:',
      '    handler: handler.hello',
      '    events:',
      '      - httpApi: GET /hello',
      '  echo:',
      '    handler: handler.echo',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(dir, 'handler.mjs'), handler);
}

export function runProviderContract(adapter: ProviderContractAdapter): void {
  const { definition } = adapter;
  describe(`provider contract: ${definition.name}`, () => {
    const dir = mkdtempSync(path.join(tmpdir(), `skyrun-contract-${definition.name}-`));
    const registry = createProviderRegistry({ [definition.name]: async () => definition });
    const context = async (): Promise<CommandContext> => ({
      loaded: await loadService({ cwd: dir, options: {}, env: process.env, registry }),
      options: {},
      progress: silentProgress,
    });

    beforeAll(async () => {
      writeService(dir, adapter.providerBlock);
      await adapter.setup?.();
    }, 60_000);
    afterAll(async () => {
      await adapter.teardown?.();
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    it('deploys every function, with a full URL per HTTP endpoint, then finds nothing to change', async () => {
      const first = await deployService(await context(), new HookEngine());
      expect(first.provider).toBe(definition.name);
      expect(first.functions.map((f) => f.key).sort()).toEqual(['echo', 'hello']);
      expect(first.changes.filter((c) => c.resource === 'function').every((c) => c.action === 'create')).toBe(true);
      const endpoint = first.endpoints.find((e) => e.function === 'hello');
      expect(endpoint?.method).toBe('GET');
      expect(endpoint?.url).toMatch(/^https?:\/\/.+\/hello$/);
      const response = await fetch(endpoint!.url);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ greeting: 'hi', version: 1 });

      const again = await deployService(await context(), new HookEngine());
      expect(again.changes.every((c) => c.action === 'unchanged')).toBe(true);
    }, 60_000);

    it('invokes synchronously, as a dry run and asynchronously', async () => {
      const ctx = await context();
      const sync = await invokeFunction(ctx, new HookEngine(), { functionKey: 'echo', data: '{"a":1}' });
      expect(sync.functionError).toBeUndefined();
      expect(sync.payload).toEqual({ echoed: { a: 1 } });
      const dry = await invokeFunction(ctx, new HookEngine(), { functionKey: 'echo', type: 'DryRun' });
      expect(dry.statusCode).toBe(204);
      const queued = await invokeFunction(ctx, new HookEngine(), { functionKey: 'echo', type: 'Event' });
      expect(queued.statusCode).toBe(202);
    }, 60_000);

    it('describes the deployed service and returns the lines a function logged', async () => {
      const ctx = await context();
      const info = await serviceInfo(ctx, new HookEngine());
      expect(info.service).toBe('contract');
      expect(info.endpoints.some((e) => e.url.endsWith('/hello'))).toBe(true);
      await invokeFunction(ctx, new HookEngine(), { functionKey: 'hello' });
      const deadline = Date.now() + 15_000;
      let messages: string[] = [];
      while (Date.now() < deadline && !messages.some((m) => m.includes('contract hello'))) {
        messages = [];
        for await (const line of await functionLogs(ctx, new HookEngine(), { functionKey: 'hello' })) {
          messages.push(line.message);
        }
      }
      expect(messages.some((m) => m.includes('contract hello contract-dev-hello'))).toBe(true);
    }, 60_000);

    it('replaces one function with deploy function', async () => {
      writeService(dir, adapter.providerBlock, HANDLER.replace('const VERSION = 1', 'const VERSION = 2'));
      const result = await deployOneFunction({ ...(await context()), functionKey: 'hello' }, new HookEngine());
      expect(result.functions.find((f) => f.key === 'hello')).toBeDefined();
      const url = result.endpoints.find((e) => e.function === 'hello')?.url;
      expect(await (await fetch(url!)).json()).toEqual({ greeting: 'hi', version: 2 });
    }, 60_000);

    it('removes the service; the provider then reports it as not deployed', async () => {
      const ctx = await context();
      const { removed } = await removeService(ctx, new HookEngine());
      expect([...removed].sort()).toEqual(['contract-dev-echo', 'contract-dev-hello'].sort());
      await expect(serviceInfo(ctx, new HookEngine())).rejects.toMatchObject({ exitCode: 5 });
    }, 60_000);
  });
}
