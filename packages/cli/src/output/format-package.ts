import type { PackageManifest } from '@skyrun/core';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Render rows as an aligned table with a header. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatPackageSummary(manifest: PackageManifest): string {
  const rows = manifest.artifacts.map((a) => [
    a.functions.join(', '),
    formatBytes(a.size),
    String(a.files),
    a.mode,
    a.path,
  ]);
  return `Packaged ${manifest.service} (${manifest.stage}):\n${formatTable(['FUNCTIONS', 'SIZE', 'FILES', 'MODE', 'ARTIFACT'], rows)}`;
}
