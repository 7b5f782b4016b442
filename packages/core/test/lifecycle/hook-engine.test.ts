import { describe, expect, it } from 'vitest';
import { HookEngine } from '../../src/lifecycle/index.js';

describe('HookEngine', () => {
  it('runs before, main and after hooks per event, in registration order', async () => {
    const hooks = new HookEngine<string[]>();
    hooks.on('after:package:initialize', (log) => void log.push('after init'));
    hooks.on('package:initialize', (log) => void log.push('init 1'));
    hooks.on('before:package:initialize', (log) => void log.push('before init'));
    hooks.on('package:initialize', async (log) => {
      await new Promise((r) => setTimeout(r, 5));
      log.push('init 2');
    });
    hooks.on('deploy:deploy', (log) => void log.push('deploy'));
    const log: string[] = [];
    await hooks.run(['package:initialize', 'deploy:deploy'], log);
    expect(log).toEqual(['before init', 'init 1', 'init 2', 'after init', 'deploy']);
  });

  it('stops at the first failing hook and lets a hook be removed', async () => {
    const hooks = new HookEngine<string[]>();
    const off = hooks.on('deploy:deploy', (log) => void log.push('removed'));
    off();
    hooks.register({
      'deploy:deploy': () => {
        throw new Error('boom');
      },
      'deploy:finalize': (log) => void log.push('never'),
    });
    const log: string[] = [];
    await expect(hooks.run(['deploy:deploy', 'deploy:finalize'], log)).rejects.toThrow('boom');
    expect(log).toEqual([]);
  });
});
