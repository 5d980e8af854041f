/**
 * How the operators see a lead's value (ruleset.md "Conditions"):
 *  - blank: missing, null, or a string of only white space;
 *  - text: strings trimmed and lower-cased (Salesforce assignment rules ignore case and surrounding space),
 *    finite numbers and booleans as their string form; anything else (objects, arrays, NaN) has no text;
 *  - number: finite numbers, and strings that are a plain decimal number ("12", "-3.5", "1e3", " 42 ");
 *    "1,000", "12 %", "" and booleans are not numbers.
 */

const NUMERIC = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** White space as String.prototype.trim sees it, tested without allocating. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0xfeff || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

export function isBlankValue(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v !== 'string') return false;
  for (let i = 0; i < v.length; i++) if (!isSpace(v.charCodeAt(i))) return false;
  return true;
}

/** Normalised text of a non-blank value, or null when the value has none (objects, arrays, NaN). */
export function textOf(v: unknown): string | null {
  switch (typeof v) {
    case 'string':
      return v.trim().toLowerCase();
    case 'number':
      return Number.isFinite(v) ? String(v) : null;
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return null;
  }
}

/** The number a value stands for, or NaN. */
export function numberOf(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : NaN;
  if (typeof v === 'string' && v.length <= 64 && NUMERIC.test(v)) return Number(v);
  return NaN;
}

/** The lead's value as a trace shows it: trimmed strings, numbers and booleans as they are, null when blank. */
export function displayOf(v: unknown): unknown {
  if (isBlankValue(v)) return null;
  if (typeof v === 'string') return v.length > 200 ? `${v.trim().slice(0, 200)}...` : v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  return Array.isArray(v) ? '(array)' : `(${typeof v})`;
}
