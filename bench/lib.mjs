// Shared helpers for benchmarks: timing child processes, medians, ratio lines.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SKYRUN = path.join(ROOT, 'packages/cli/bin/run.js');

/** Wall time of one run of a command, in ms. Throws if it fails. */
export function timeCommand(command, args, options = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return ms;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Run each case `rounds` times, interleaved so machine noise hits all of them alike. */
export function interleave(cases, rounds) {
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < rounds; i++) {
    for (const [name, run] of Object.entries(cases)) samples[name].push(run());
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

/** `name: 123 ms = 2.10x reference (budget 3x: ok)` */
export function ratioLine(name, value, reference, budget, unit = 'ms') {
  const ratio = value / reference;
  const verdict = budget === undefined ? '' : ` (budget ${budget}x: ${ratio <= budget ? 'ok' : 'MISSED'})`;
  return `${name.padEnd(34)} ${value.toFixed(1).padStart(9)} ${unit}  ${ratio.toFixed(2)}x reference${verdict}`;
}
