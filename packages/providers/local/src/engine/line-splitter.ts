/** Longest log line kept; longer lines are cut and marked, the rest of the line is dropped. */
export const MAX_LOG_LINE_BYTES = 256 * 1024;

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into lines without ever holding more than one (truncated) line in memory, so a
 * function that writes megabytes without a newline cannot grow the daemon's heap.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;
  private truncated = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxBytes = MAX_LOG_LINE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) {
        if (start < chunk.length) this.append(chunk.subarray(start));
        return;
      }
      this.append(chunk.subarray(start, nl));
      this.emit();
      start = nl + 1;
    }
  }

  /** Emits a pending partial line (end of an invocation, or the stream closed). */
  flush(): void {
    if (this.partBytes > 0 || this.truncated) this.emit();
  }

  private append(bytes: Buffer): void {
    if (this.truncated || bytes.length === 0) return;
    const room = this.maxBytes - this.partBytes;
    if (bytes.length > room) {
      this.parts.push(Buffer.from(bytes.subarray(0, room)));
      this.partBytes += room;
      this.truncated = true;
      return;
    }
    this.parts.push(bytes);
    this.partBytes += bytes.length;
  }

  private emit(): void {
    let text =
      this.parts.length === 1
        ? this.parts[0].toString('utf8')
        : Buffer.concat(this.parts, this.partBytes).toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (this.truncated) text += ` [truncated: line longer than ${this.maxBytes} bytes]`;
    this.parts = [];
    this.partBytes = 0;
    this.truncated = false;
    this.onLine(text);
  }
}
