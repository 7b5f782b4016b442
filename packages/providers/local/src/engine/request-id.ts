import { randomBytes } from 'node:crypto';

/** `00`…`ff`: the counter is written byte by byte (Number#toString(16) goes through a slow double-to-radix path). */
const HEX = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));

let prefix = '';
/** The counter's top 24 bits as 6 hex digits (they change every 2^24 ids), and its low 24 bits. */
let highHex = '';
let high = 0;
let low = 0;
const LOW_LIMIT = 2 ** 24;
const HIGH_LIMIT = 2 ** 24;

function hex24(n: number): string {
  return HEX[n >>> 16] + HEX[(n >>> 8) & 0xff] + HEX[n & 0xff];
}

function reseed(): void {
  const h = randomBytes(10).toString('hex');
  // 8-4-4-4- of a UUID v4: version nibble 4, variant nibble 8..b; the last 12 hex digits are a counter.
  const variant = ((parseInt(h[15], 16) & 0x3) | 0x8).toString(16);
  prefix = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(12, 15)}-${variant}${h.slice(16, 19)}-`;
  const start = randomBytes(4).readUInt32BE(0);
  high = start >>> 24;
  low = start & 0xffffff;
  highHex = prefix + hex24(high);
}
reseed();

/**
 * A request id in the UUID v4 format AWS uses, unique within this process and random across processes: a random
 * per-process prefix (74 random bits) and a 48-bit counter, instead of `randomUUID()` (random bytes per request).
 */
export function nextRequestId(): string {
  if (++low >= LOW_LIMIT) {
    low = 0;
    if (++high >= HIGH_LIMIT) reseed();
    else highHex = prefix + hex24(high);
  }
  return highHex + hex24(low);
}
