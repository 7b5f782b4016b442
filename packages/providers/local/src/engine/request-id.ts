import { randomBytes } from 'node:crypto';

let prefix = '';
let counter = 0;
const COUNTER_LIMIT = 2 ** 48;

function reseed(): void {
  const h = randomBytes(10).toString('hex');
  // 8-4-4-4- of a UUID v4: version nibble 4, variant nibble 8..b; the last 12 hex digits are a counter.
  const variant = ((parseInt(h[15], 16) & 0x3) | 0x8).toString(16);
  prefix = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(12, 15)}-${variant}${h.slice(16, 19)}-`;
  counter = Math.floor(Math.random() * 2 ** 32);
}
reseed();

/**
 * A request id in the UUID v4 format AWS uses, unique within this process and random across processes: a random
 * per-process prefix (74 random bits) and a counter, instead of `randomUUID()` (random bytes per request).
 */
export function nextRequestId(): string {
  if (++counter >= COUNTER_LIMIT) reseed();
  return prefix + (COUNTER_LIMIT + counter).toString(16).slice(1);
}
