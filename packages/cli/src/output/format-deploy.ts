import type { DeployResult, ServiceInfo } from '@skyrun/core';
import { formatTable, formatBytes } from './format-package.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `created 2 functions, 1 route; 1 function unchanged` */
function describeChanges(result: DeployResult): string {
  const byAction = new Map<string, Map<string, number>>();
  for (const change of result.changes) {
    const resources = byAction.get(change.action) ?? new Map<string, number>();
    resources.set(change.resource, (resources.get(change.resource) ?? 0) + 1);
    byAction.set(change.action, resources);
  }
  const words: Record<string, string> = { create: 'created', update: 'updated', delete: 'deleted' };
  const parts: string[] = [];
  for (const action of ['create', 'update', 'delete', 'unchanged']) {
    const resources = byAction.get(action);
    if (!resources) continue;
    const list = [...resources].map(([resource, n]) => plural(n, resource)).join(', ');
    parts.push(action === 'unchanged' ? `${list} unchanged` : `${words[action]} ${list}`);
  }
  return parts.length ? parts.join('; ') : 'no changes';
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
