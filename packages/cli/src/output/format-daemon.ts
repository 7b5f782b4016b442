import type { DaemonStatus } from '@skyrun/provider-local';

export function formatDaemonStatus(status: DaemonStatus): string {
  if (!status.running) return `The local runtime is not running (data in ${status.home}).`;
  const lines = [
    `The local runtime is running: pid ${status.pid}, http://127.0.0.1:${status.port} (Lambda Invoke API), data in ${status.home}.`,
    `Log: ${status.daemonLog}`,
  ];
  if (status.services.length) {
    lines.push('', 'services:');
    for (const s of status.services) {
      lines.push(`  ${s.service} (${s.stage})  http://127.0.0.1:${s.apiPort}  ${s.functions} function(s)`);
    }
  }
  if (status.queuedEvents) lines.push('', `${status.queuedEvents} asynchronous event(s) queued.`);
  return lines.join('\n');
}
