import type { ProgressReporter, ProgressStep } from '@skyrun/core';

export interface ReporterOptions {
  readonly stream?: NodeJS.WriteStream;
  readonly verbose?: boolean;
  /** Print nothing but warnings (e.g. with --json). */
  readonly quiet?: boolean;
}

/** True when colour may be used on `stream`: a TTY and no NO_COLOR. */
export function colourEnabled(stream: NodeJS.WriteStream = process.stderr): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/**
 * Progress on stderr (stdout stays clean for --json and pipes). On a TTY each step is one line
 * updated in place; otherwise (CI) plain lines with a timestamp.
 */
export function createProgressReporter(options: ReporterOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY) && process.env.TERM !== 'dumb';
  const colour = colourEnabled(stream);
  const paint = (code: number, text: string) => (colour ? `\u001b[${code}m${text}\u001b[39m` : text);
  const stamp = () => new Date().toISOString().slice(11, 19);
  const write = (line: string) => {
    if (!options.quiet) stream.write(`${line}\n`);
  };
  const step = (title: string): ProgressStep => {
    const started = performance.now();
    if (tty && !options.quiet) stream.write(`${paint(36, '…')} ${title}`);
    else write(`[${stamp()}] ${title}...`);
    const finish = (ok: boolean, note?: string) => {
      const took = seconds(performance.now() - started);
      const tail = note ? ` ${note}` : '';
      if (tty && !options.quiet) {
        stream.write(`\r\u001b[2K${ok ? paint(32, '✔') : paint(31, '✖')} ${title}${tail} ${paint(90, `(${took})`)}\n`);
      } else {
        write(`[${stamp()}] ${title}: ${ok ? 'done' : 'failed'}${tail} (${took})`);
      }
    };
    return { done: (summary) => finish(true, summary), fail: (message) => finish(false, message) };
  };
  return {
    step,
    info: (message) => write(message),
    warn: (message) => stream.write(`${paint(33, 'Warning:')} ${message}\n`),
    debug: (message) => {
      if (options.verbose) write(paint(90, message));
    },
  };
}
