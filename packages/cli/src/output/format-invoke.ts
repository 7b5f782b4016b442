import type { InvokeResult } from '@skyrun/core';

/** Result on stdout (JSON, as v3), logs and failure reason on stderr. */
export function printInvokeResult(result: InvokeResult): void {
  if (result.payload !== undefined && result.payload !== null) {
    const text = typeof result.payload === 'string' ? result.payload : JSON.stringify(result.payload, null, 2);
    process.stdout.write(`${text}\n`);
  } else if (result.statusCode === 202) {
    process.stderr.write(
      `Queued for asynchronous invocation${result.requestId ? ` (request ${result.requestId})` : ''}.\n`,
    );
  } else if (result.statusCode === 204) {
    process.stderr.write('Dry run: the function exists and the caller may invoke it.\n');
  }
  if (result.logs)
    process.stderr.write(
      `--------------------------------------------------------------------\n${result.logs.trimEnd()}\n`,
    );
  if (result.functionError) process.stderr.write(`Function failed (${result.functionError}).\n`);
}
