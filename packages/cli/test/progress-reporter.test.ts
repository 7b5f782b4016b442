/* eslint-disable no-control-regex -- these tests read terminal escape sequences */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { colourEnabled, createProgressReporter } from '../src/output/progress-reporter.js';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, columns: 60, chunks, write: (chunk: string) => chunks.push(chunk), text: () => chunks.join('') };
}

/** What a terminal would show: apply cursor-up + erase-below, drop colour codes. */
function screen(output: string): string[] {
  const lines: string[] = [''];
  const tokens = output.split(/(\u001b\[\d+A\r\u001b\[J|\n)/);
  for (const token of tokens) {
    const up = /^\u001b\[(\d+)A\r\u001b\[J$/.exec(token);
    if (up) lines.splice(lines.length - 1 - Number(up[1]), Number(up[1]) + 1, '');
    else if (token === '\n') lines.push('');
    else lines[lines.length - 1] += token.replace(/\u001b\[\d+m/g, '');
  }
  return lines.filter((l, i) => l !== '' || i < lines.length - 1);
}

afterEach(() => vi.useRealTimers());

describe('progress reporter on a TTY', () => {
  it('keeps running steps in a live list and moves finished ones above it', () => {
    const stream = fakeStream(true);
    const progress = createProgressReporter({ stream, env: {} });
    const packaging = progress.step('Packaging hello');
    const other = progress.step('Packaging tick');
    expect(screen(stream.text())).toEqual([
      expect.stringMatching(/^⠋ Packaging hello \d+ms$/),
      expect.stringMatching(/^⠋ Packaging tick \d+ms$/),
    ]);
    progress.info('a message');
    packaging.done('1.2 KB');
    expect(screen(stream.text())).toEqual([
      'a message',
      expect.stringMatching(/^✔ Packaging hello 1\.2 KB \(\d+ms\)$/),
      expect.stringMatching(/^⠋ Packaging tick \d+ms$/),
    ]);
    other.fail('boom');
    packaging.done('twice is ignored');
    expect(screen(stream.text())).toEqual([
      'a message',
      expect.stringMatching(/^✔ Packaging hello/),
      expect.stringMatching(/^✖ Packaging tick boom \(\d+ms\)$/),
    ]);
  });

  it('redraws the elapsed time while a step runs, then stops its timer', () => {
    vi.useFakeTimers();
    const stream = fakeStream(true);
    const progress = createProgressReporter({ stream, env: {}, refreshMs: 50 });
    const step = progress.step('Deploying');
    const before = stream.chunks.length;
    vi.advanceTimersByTime(200);
    expect(stream.chunks.length).toBeGreaterThan(before);
    expect(screen(stream.text())).toEqual([expect.stringMatching(/^[⠋⠙⠹⠸⠼] Deploying \d+ms$/)]);
    step.done();
    const after = stream.chunks.length;
    vi.advanceTimersByTime(500);
    expect(stream.chunks.length).toBe(after);
  });

  it('clips live lines to the terminal width so redraws never wrap', () => {
    const stream = fakeStream(true);
    createProgressReporter({ stream, env: {} }).step('x'.repeat(200));
    for (const line of screen(stream.text())) expect(line.length).toBeLessThanOrEqual(60 + 8);
  });

  it('assumes 80 columns when the terminal reports none', () => {
    const stream = { ...fakeStream(true), columns: 0 };
    createProgressReporter({ stream, env: {} }).step('Starting the local runtime');
    expect(screen(stream.chunks.join(''))).toEqual([expect.stringMatching(/^⠋ Starting the local runtime \d+ms$/)]);
  });

  it('uses colour unless NO_COLOR is set', () => {
    const coloured = fakeStream(true);
    createProgressReporter({ stream: coloured, env: {} }).step('a').done();
    expect(coloured.text()).toContain('\u001b[32m✔');
    const plain = fakeStream(true);
    createProgressReporter({ stream: plain, env: { NO_COLOR: '1' } })
      .step('a')
      .done();
    expect(plain.text()).not.toMatch(/\u001b\[\d+m/);
    expect(colourEnabled(plain, { NO_COLOR: '' })).toBe(false);
    expect(colourEnabled(plain, { TERM: 'xterm' })).toBe(true);
  });
});

describe('progress reporter without a TTY', () => {
  it('prints timestamped start and end lines, no control codes', () => {
    const stream = fakeStream(false);
    const progress = createProgressReporter({ stream, env: {} });
    progress.step('Packaging').done('2 artifacts');
    progress.step('Deploying').fail('refused');
    progress.debug('hidden without verbose');
    const lines = stream.text().trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\] Packaging\.\.\.$/),
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\] Packaging: done 2 artifacts \(\d+ms\)$/),
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\] Deploying\.\.\.$/),
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\] Deploying: failed refused \(\d+ms\)$/),
    ]);
    expect(stream.text()).not.toContain('\u001b');
  });

  it('is silent but for warnings when quiet (--json), on a TTY too', () => {
    for (const isTTY of [false, true]) {
      const stream = fakeStream(isTTY);
      const progress = createProgressReporter({ stream, env: {}, quiet: true, verbose: true });
      progress.step('Packaging').done();
      progress.info('info');
      progress.debug('debug');
      progress.warn('careful');
      expect(stream.text().replace(/\u001b\[\d+m/g, '')).toBe('Warning: careful\n');
    }
  });

  it('shows debug lines with verbose', () => {
    const stream = fakeStream(false);
    createProgressReporter({ stream, env: {}, verbose: true }).debug('detail');
    expect(stream.text()).toBe('detail\n');
  });
});
