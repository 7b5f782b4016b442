// The state file of a front worker (runtime/node/direct-state.mjs) says which request runs, so that the engine
// can time it out or answer it when the worker dies. It must never keep saying a finished request runs: the
// engine would time it out later and kill a healthy worker ("Task timed out" with nobody waiting). The main
// thread and the watchdog thread are driven here in the interleavings that matter.
import { describe, expect, it } from 'vitest';
import { createStateRecord, createWatcher } from '../../runtime/node/direct-state.mjs';

/** A state file: the last record written, and a hook run before a write lands (the other thread moving on). */
function stateFile() {
  const file = { text: '', beforeWrite: undefined as (() => void) | undefined };
  const write = (record: Buffer): void => {
    const hook = file.beforeWrite;
    file.beforeWrite = undefined;
    hook?.();
    file.text = record.toString('latin1').trim();
  };
  return { file, write };
}

function setup() {
  const sab = new SharedArrayBuffer(128);
  const { file, write } = stateFile();
  const main = createStateRecord(sab, write);
  const look = createWatcher(sab, write);
  return { file, main, look };
}

describe('front worker state file', () => {
  it('says which request runs once the watchdog looks, and that it is done when it ends', () => {
    const { file, main, look } = setup();
    main.begin('req-1', 7, 1000);
    expect(look()).toBe(true);
    expect(file.text).toBe('1000 7 req-1');
    main.end();
    expect(file.text).toBe('0 0 req-1');
    expect(look()).toBe(false);
    expect(file.text).toBe('0 0 req-1');
  });

  it('is not written for a request that ends between two looks', () => {
    const { file, main, look } = setup();
    main.begin('req-1', 1, 1000);
    main.end();
    look();
    expect(file.text).toBe('');
  });

  it('ends "done" when requests finish while the watchdog writes a running one', () => {
    const { file, main, look } = setup();
    main.begin('req-1', 1, 1000);
    // While the watchdog's write of req-1 is on its way, req-1 ends and req-2 runs and ends.
    file.beforeWrite = () => {
      main.end();
      main.begin('req-2', 2, 2000);
      main.end();
    };
    look();
    expect(file.text).toBe('0 0 req-1');
    // Later looks do not bring back a finished request either.
    look();
    expect(file.text).toBe('0 0 req-1');
  });

  it('ends "done" when the request finishes while the watchdog writes it', () => {
    const { file, main, look } = setup();
    main.begin('req-1', 1, 1000);
    file.beforeWrite = () => main.end();
    look();
    expect(file.text).toBe('0 0 req-1');
  });

  it('writes the next running request after a finished one', () => {
    const { file, main, look } = setup();
    main.begin('req-1', 1, 1000);
    file.beforeWrite = () => {
      main.end();
      main.begin('req-2', 2, 2000);
    };
    look();
    expect(file.text).toBe('0 0 req-1');
    look();
    expect(file.text).toBe('2000 2 req-2');
  });
});
