/**
 * Salesforce ids. A 15-character id is case-sensitive; the 18-character form appends a 3-character checksum that
 * encodes, for each 5-character chunk, which characters are upper-case letters (bit i set when character i is
 * A-Z), as an index into "A..Z0..5". Ids are compared in their 18-character form everywhere (ruleset.md "Ids").
 */
import type { OwnerType } from './types';

const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const ID_CHARS = /^[A-Za-z0-9]+$/;

function checksumOf(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    out += CHECKSUM_ALPHABET[bits];
  }
  return out;
}

/**
 * 15 -> 18 with its checksum; 18 -> itself (checksum upper-cased) when its last three characters are the checksum
 * of its first fifteen (compared case-insensitively, since the suffix exists to survive case-insensitive systems);
 * anything else -> null.
 */
export function toId18(id: string): string | null {
  if (typeof id !== 'string' || (id.length !== 15 && id.length !== 18) || !ID_CHARS.test(id)) return null;
  const sum = checksumOf(id);
  if (id.length === 15) return id + sum;
  // already canonical: hand back the same string (no new string on the hot path)
  if (id.charCodeAt(15) === sum.charCodeAt(0) && id.charCodeAt(16) === sum.charCodeAt(1) && id.charCodeAt(17) === sum.charCodeAt(2)) return id;
  return id.slice(15).toUpperCase() === sum ? id.slice(0, 15) + sum : null;
}

/** Key prefix 00G is a Queue (a Group); everything else that owns a lead is a User (005). */
export function ownerTypeOf(ownerId: string): OwnerType {
  return ownerId.startsWith('00G') ? 'Queue' : 'User';
}

export const USER_PREFIX = '005';
export const QUEUE_PREFIX = '00G';
