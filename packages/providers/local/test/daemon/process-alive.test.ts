import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { isProcessRunning } from '../../src/daemon/process-alive.js';

// A daemon killed with SIGKILL whose parent never reaps it stays a zombie: `kill(pid, 0)` still
// succeeds, but it must not count as a running daemon (else no new daemon could start).
it.skipIf(process.platform !== 'linux')('treats a zombie as not running, and a live process as running', async () => {
  // `sleep 0` exits at once; the exec'd `sleep 3` never reaps it, so it stays a zombie meanwhile.
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 3'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const zombie = Number(
      await new Promise<string>((resolve) => parent.stdout.once('data', (d) => resolve(String(d)))),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(() => process.kill(zombie, 0)).not.toThrow();
    expect(isProcessRunning(zombie)).toBe(false);
    expect(isProcessRunning(parent.pid!)).toBe(true);
    expect(isProcessRunning(process.pid)).toBe(true);
  } finally {
    parent.kill('SIGKILL');
  }
});
