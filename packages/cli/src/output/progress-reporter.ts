import type { ProgressReporter, ProgressStep } from '@skyrun/core';

/** The part of a stream the reporter uses (process.stderr in the CLI, a fake in tests). */
export interface ReporterStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ReporterOptions {
  readonly stream?: ReporterStream;
  readonly verbose?: boolean;
  /** Print nothing but warnings (e.g. with --json). */
  readonly quiet?: boolean;
  /** Environment deciding colour and the live display; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Milliseconds between redraws of the live list; default 100. */
  readonly refreshMs?: number;
}

/** True when colour may be used on `stream`: a TTY and no NO_COLOR. */
export function colourEnabled(
  stream: ReporterStream = process.stderr,
  env: Readonly<Record<string, string | undefined>> = process.env,
): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in env) && env.TERM !== 'dumb';
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

interface RunningStep {
  readonly title: string;
  readonly started: number;
}

/**
 * Progress on stderr (stdout stays clean for --json and pipes).
 *
 * On a TTY: a live list of the running steps at the bottom, each with a spinner and its
 * elapsed time; a finished step moves above the list as `✔ title summary (1.2s)`, and
 * messages print above it too. Steps may overlap (core packages functions in parallel).
 * listr2 is not used: it wants the whole task tree up front, while core reports steps
 * imperatively (step() ... done()) from anywhere, interleaved with info and warnings.
 *
 * Otherwise (CI, pipes, TERM=dumb): plain lines with a timestamp, one when a step starts and
 * one when it ends.
 */
export function createProgressReporter(options: ReporterOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  const live = Boolean(stream.isTTY) && env.TERM !== 'dumb' && !options.quiet;
  const colour = colourEnabled(stream, env);
  const paint = (code: number, text: string) => (colour ? `\u001b[${code}m${text}\u001b[39m` : text);
  const stamp = () => new Date().toISOString().slice(11, 19);

  const running: RunningStep[] = [];
  let drawnLines = 0;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;

  const clip = (line: string) => {
    const width = stream.columns || 80;
    return line.length > width - 1 ? `${line.slice(0, Math.max(0, width - 2))}…` : line;
  };
  const erase = () => {
    if (drawnLines) stream.write(`\u001b[${drawnLines}A\r\u001b[J`);
    drawnLines = 0;
  };
  const draw = () => {
    const now = performance.now();
    const spinner = paint(36, SPINNER[frame % SPINNER.length]!);
    const lines = running.map((s) => `${spinner} ${clip(`${s.title} `)}${paint(90, seconds(now - s.started))}`);
    if (lines.length) stream.write(`${lines.join('\n')}\n`);
    drawnLines = lines.length;
  };
  /** Print `text` above the live list, then redraw the list. */
  const above = (text: string) => {
    erase();
    stream.write(`${text}\n`);
    draw();
  };
  const tick = () => {
    frame++;
    erase();
    draw();
  };
  const syncTimer = () => {
    if (running.length && !timer) {
      timer = setInterval(tick, options.refreshMs ?? 100);
      timer.unref();
    } else if (!running.length && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  const write = (line: string) => {
    if (options.quiet) return;
    if (live) above(line);
    else stream.write(`${line}\n`);
  };

  const step = (title: string): ProgressStep => {
    const current: RunningStep = { title, started: performance.now() };
    if (live) {
      running.push(current);
      erase();
      draw();
      syncTimer();
    } else if (!options.quiet) {
      stream.write(`[${stamp()}] ${title}...\n`);
    }
    let finished = false;
    const finish = (ok: boolean, note?: string) => {
      if (finished) return;
      finished = true;
      const took = seconds(performance.now() - current.started);
      const tail = note ? ` ${note}` : '';
      if (live) {
        running.splice(running.indexOf(current), 1);
        syncTimer();
        above(`${ok ? paint(32, '✔') : paint(31, '✖')} ${title}${tail} ${paint(90, `(${took})`)}`);
      } else if (!options.quiet) {
        stream.write(`[${stamp()}] ${title}: ${ok ? 'done' : 'failed'}${tail} (${took})\n`);
      }
    };
    return { done: (summary) => finish(true, summary), fail: (message) => finish(false, message) };
  };

  return {
    step,
    info: (message) => write(message),
    warn: (message) => {
      const line = `${paint(33, 'Warning:')} ${message}`;
      if (live) above(line);
      else stream.write(`${line}\n`);
    },
    debug: (message) => {
      if (options.verbose) write(paint(90, message));
    },
  };
}
