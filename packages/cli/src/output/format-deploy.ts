import type { DeployResult, ServiceInfo } from '@skyrun/core';
import { formatTable, formatBytes } from './format-package.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function describeChanges(result: DeployResult): string {
  const counts = new Map<string, number>();
  for (const change of result.changes) counts.set(change.action, (counts.get(change.action) ?? 0) + 1);
  const parts = ['create', 'update', 'delete', 'unchanged']
    .filter((a) => counts.get(a))
    .map((a) => `${counts.get(a)} ${a === 'unchanged' ? 'unchanged' : `${a}d`}`);
  return parts.length ? parts.join(', ') : 'no changes';
}

/** The summary at the end of a deploy: what, where, URLs. */
export function formatDeploySummary(result: DeployResult & { durationMs: number }): string {
  const lines = [
    `Deployed ${result.service} to stage ${result.stage} on ${result.provider}${result.region ? ` (${result.region})` : ''} in ${seconds(result.durationMs)} — ${describeChanges(result)}.`,
  ];
  lines.push(...formatEndpointsAndFunctions(result));
  return lines.join('\n');
}

export function formatEndpointsAndFunctions(info: ServiceInfo | DeployResult): string[] {
  const lines: string[] = [];
  if (info.endpoints.length) {
    lines.push('', 'endpoints:');
    for (const e of info.endpoints) lines.push(`  ${e.method.padEnd(7)} ${e.url}  → ${e.function}`);
  }
  if (info.functions.length) {
    lines.push('', 'functions:');
    const rows = info.functions.map((f) => [
      `  ${f.key}`,
      f.name,
      f.version ? `v${f.version}` : '',
      f.size === undefined ? '' : formatBytes(f.size),
    ]);
    lines.push(formatTable(['  KEY', 'NAME', 'VERSION', 'SIZE'], rows));
  }
  const outputs = Object.entries(info.outputs);
  if (outputs.length) {
    lines.push('', 'outputs:');
    for (const [k, v] of outputs) lines.push(`  ${k}: ${v}`);
  }
  return lines;
}

export function formatInfo(info: ServiceInfo): string {
  return [
    `service: ${info.service}`,
    `stage: ${info.stage}`,
    `provider: ${info.provider}${info.region ? ` (${info.region})` : ''}`,
    ...formatEndpointsAndFunctions(info),
  ].join('\n');
}
