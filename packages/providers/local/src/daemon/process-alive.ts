import { readFileSync } from 'node:fs';

/**
 * Whether `pid` is a running process. A daemon killed with SIGKILL whose parent never reaps it
 * stays a zombie, which `kill(pid, 0)` still reports: on Linux its /proc state says so.
 */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
