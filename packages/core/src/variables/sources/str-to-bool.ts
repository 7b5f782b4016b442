import type { CoreSource } from './types.js';

const TRUE = new Set(['true', '1']);
const FALSE = new Set(['false', '0']);

/** `${strToBool(value)}`: `true`/`1` → true, `false`/`0` → false. */
export const strToBoolSource: CoreSource = {
  resolve(request) {
    const input = request.params[0];
    const hint = 'strToBool accepts "true", "false", "0" or "1", e.g. ${strToBool(${env:FLAG, "false"})}.';
    if (input === null || input === undefined) {
      return request.fail('CONFIG_VARIABLE_STR_TO_BOOL', 'Missing "strToBool" input', hint);
    }
    if (typeof input !== 'string' && typeof input !== 'number' && typeof input !== 'boolean') {
      return request.fail(
        'CONFIG_VARIABLE_STR_TO_BOOL',
        `Non-string "strToBool" input: ${JSON.stringify(input)}`,
        hint,
      );
    }
    const text = String(input).trim().toLowerCase();
    if (TRUE.has(text)) return { value: true };
    if (FALSE.has(text)) return { value: false };
    return request.fail(
      'CONFIG_VARIABLE_STR_TO_BOOL',
      `Invalid "strToBool" input: Expected either "true", "false", "0", or "1". Received: ${JSON.stringify(input)}`,
      hint,
    );
  },
};
