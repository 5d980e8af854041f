/**
 * Decision ids: 26 characters of Crockford base32, 10 for the millisecond time and 16 random, like a ULID.
 * They sort by creation time, so the audit trail pages newest-first on the primary key. Within one millisecond
 * the random part is incremented, so ids made by one process are strictly increasing.
 */
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_LEN = 10;
const RANDOM_LEN = 16;
export const DECISION_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** The 10-character time prefix of `ms` (0 <= ms < 2^48). */
export function encodeTime(ms: number): string {
  let out = '';
  let t = Math.max(0, Math.floor(ms));
  for (let i = 0; i < TIME_LEN; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/** The smallest id that could have been made at `ms`: `id >= lowestIdAt(t)` means "made at t or later". */
export function lowestIdAt(ms: number): string {
  return encodeTime(ms) + '0'.repeat(RANDOM_LEN);
}

export function timeOfId(id: string): number {
  let t = 0;
  for (let i = 0; i < TIME_LEN; i++) t = t * 32 + ALPHABET.indexOf(id[i]!);
  return t;
}

/** Random bytes drawn 4 KiB at a time: a randomBytes call per id stood out in the store benchmark's CPU profile. */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function takeRandom(n: number): number {
  if (poolOffset + n > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += n;
  return at;
}

export function createDecisionIdGenerator(): (now: Date) => string {
  let lastMs = -1;
  let lastRandom: number[] = [];
  return (now: Date) => {
    const ms = now.getTime();
    if (ms <= lastMs) {
      // Same (or earlier, clock stepped back) millisecond: keep the last time and increment the random part.
      for (let i = RANDOM_LEN - 1; i >= 0; i--) {
        if (lastRandom[i]! < 31) {
          lastRandom[i]!++;
          break;
        }
        lastRandom[i] = 0;
      }
    } else {
      lastMs = ms;
      const at = takeRandom(RANDOM_LEN);
      // Top bit cleared so increments within one millisecond never overflow in practice.
      lastRandom = new Array<number>(RANDOM_LEN);
      for (let i = 0; i < RANDOM_LEN; i++) lastRandom[i] = pool[at + i]! % (i === 0 ? 16 : 32);
    }
    return encodeTime(lastMs) + lastRandom.map((d) => ALPHABET[d]).join('');
  };
}
