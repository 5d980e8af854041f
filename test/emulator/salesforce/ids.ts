/**
 * Salesforce record ids: 15-character case-sensitive ids plus the 3-character case-insensitive checksum that
 * makes the 18-character form. Key prefixes per object (00Q Lead, 001 Account, 003 Contact, 005 User, 00G Group).
 */
const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export const KEY_PREFIXES: Record<string, string> = {
  Lead: '00Q',
  Account: '001',
  Contact: '003',
  Opportunity: '006',
  User: '005',
  Group: '00G',
  Organization: '00D',
  QueueSobject: '03g',
  AssignmentRule: '01Q',
};

/** The three checksum characters of a 15-character id: one per 5-character chunk, a bit per uppercase letter. */
export function checksum(id15: string): string {
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

export function to18(id: string): string {
  return id.length === 18 ? id : id + checksum(id);
}

const ID_SHAPE = /^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$/;

/** A well-formed 15- or 18-character id whose checksum (if 18) is right. */
export function isWellFormedId(id: string): boolean {
  if (!ID_SHAPE.test(id)) return false;
  if (id.length === 15) return true;
  return checksum(id.slice(0, 15)) === id.slice(15);
}

/** Normalises a well-formed id to its 18-character form; undefined when malformed. */
export function normaliseId(id: string): string | undefined {
  return isWellFormedId(id) ? to18(id.slice(0, 15)) : undefined;
}

export function objectTypeOfId(id: string): string | undefined {
  const prefix = id.slice(0, 3);
  return Object.keys(KEY_PREFIXES).find((t) => KEY_PREFIXES[t] === prefix);
}

function base62(n: number, width: number): string {
  let s = '';
  let v = n;
  do {
    s = BASE62[v % 62] + s;
    v = Math.floor(v / 62);
  } while (v > 0);
  return s.padStart(width, '0');
}

/** Mints ids like a pod would: prefix + instance "5g" + reserved "0" + a base-62 counter, then the checksum. */
export class IdMinter {
  private counters = new Map<string, number>();

  next(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return to18(`${prefix}5g0${base62(n, 9)}`);
  }

  forType(type: string): string {
    const prefix = KEY_PREFIXES[type];
    if (!prefix) throw new Error(`no key prefix for ${type}`);
    return this.next(prefix);
  }

  reset(): void {
    this.counters.clear();
  }
}

/** The empty id used by overflow events (platform-facts 2.4). */
export const EMPTY_ID = '000000000000000AAA';
