/** An error the control API returns to the CLI: a stable code, a message, a hint and an HTTP status. */
export class DaemonError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'DaemonError';
  }
}
