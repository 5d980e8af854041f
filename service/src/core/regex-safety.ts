/**
 * A small static analyser for `matches` patterns (ruleset.md: "checked for catastrophic backtracking at
 * validation time"). It parses the pattern (JavaScript syntax, evaluated with the `i` flag) into a tree and
 * rejects, conservatively, every shape that lets a backtracking engine take exponential (or, for R5, high
 * polynomial) time:
 *
 *   R1  backreferences (`\1`, `\k<name>`): matching with them is NP-hard in general;
 *   R2  nested repetition: a quantifier that repeats more than once (`*`, `+`, `{n,}`, `{n,m}` with m > 1) over a
 *       sub-pattern that itself contains a variable repetition (`*`, `+`, `{n,}`, `{n,m}` with n < m, m > 1):
 *       `(a+)+`, `(a*)*`, `(.*)*`, `(\w+\s?)*`, `(a{1,3}){2}` (a fixed count such as `( ?\d{2}){4}` is fine);
 *   R3  repetition of something that can match the empty string: `(a?)*`, `(a|)+`;
 *   R4  repetition of an alternation whose branches can start with the same character: `(a|a)*`, `(a|ab)+`,
 *       `(\w|\d)*` (`(cat|dog)*` is accepted);
 *   R5  within one sequence, two unbounded repetitions whose characters overlap with only optional items between
 *       them: `\w+\w+`, `.*.*`, `\d+\s*\d+` (quadratic or worse on a failing input).
 *
 * Character sets are over-approximated (any non-ASCII character counts as overlapping everything), so the analyser
 * may reject a safe pattern but never accepts one of the shapes above. Patterns are also length-bounded
 * (MAX_REGEX_LENGTH) and must compile.
 */

/** A set of characters: the 128 ASCII code points as bits, plus one flag for "some non-ASCII character". */
class CharSet {
  readonly bits = new Uint32Array(4);
  other = false;
  static all(): CharSet {
    const s = new CharSet();
    s.bits.fill(0xffffffff);
    s.other = true;
    return s;
  }
  addCode(c: number): void {
    if (c < 128) this.bits[c >> 5] |= 1 << (c & 31);
    else this.other = true;
  }
  /** With the `i` flag a letter stands for both of its cases. */
  addCaseless(c: number): void {
    this.addCode(c);
    if (c >= 65 && c <= 90) this.addCode(c + 32);
    else if (c >= 97 && c <= 122) this.addCode(c - 32);
  }
  addRange(lo: number, hi: number): void {
    for (let c = lo; c <= Math.min(hi, 127); c++) this.addCaseless(c);
    if (hi >= 128) this.other = true;
  }
  addSet(o: CharSet): void {
    for (let i = 0; i < 4; i++) this.bits[i] |= o.bits[i];
    this.other ||= o.other;
  }
  complement(): CharSet {
    const s = new CharSet();
    for (let i = 0; i < 4; i++) s.bits[i] = ~this.bits[i];
    s.other = true; // the complement of an ASCII-ish set always contains non-ASCII characters
    return s;
  }
  intersects(o: CharSet): boolean {
    if (this.other && o.other) return true;
    for (let i = 0; i < 4; i++) if ((this.bits[i] & o.bits[i]) !== 0) return true;
    return false;
  }
  isEmpty(): boolean {
    return !this.other && this.bits.every((b) => b === 0);
  }
}

function classOf(kind: string): CharSet {
  const s = new CharSet();
  switch (kind) {
    case 'd':
      s.addRange(48, 57);
      return s;
    case 'w':
      s.addRange(48, 57);
      s.addRange(65, 90);
      s.addRange(97, 122);
      s.addCode(95);
      return s;
    case 's':
      for (const c of [9, 10, 11, 12, 13, 32]) s.addCode(c);
      s.other = true; // unicode spaces
      return s;
    default:
      return CharSet.all();
  }
}

/** What the analyser knows of a sub-pattern. */
interface Info {
  /** Characters it can start with. */
  first: CharSet;
  /** All characters it can consume. */
  chars: CharSet;
  nullable: boolean;
  /** Contains a variable repetition: a quantifier whose max exceeds 1 and differs from its min. */
  repeats: boolean;
}

export class UnsafeRegexError extends Error {}

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): Info {
    const info = this.alternation();
    if (this.i < this.src.length) throw new UnsafeRegexError(`unexpected ")" at ${this.i}`);
    return info;
  }

  private peek(): string {
    return this.src[this.i] ?? '';
  }

  private alternation(): Info {
    const branches: Info[] = [this.sequence()];
    while (this.peek() === '|') {
      this.i++;
      branches.push(this.sequence());
    }
    if (branches.length === 1) return branches[0];
    const first = new CharSet();
    const chars = new CharSet();
    let nullable = false;
    let repeats = false;
    for (const b of branches) {
      first.addSet(b.first);
      chars.addSet(b.chars);
      nullable ||= b.nullable;
      repeats ||= b.repeats;
    }
    const info: Info & { overlap?: boolean } = { first, chars, nullable, repeats };
    // Overlapping branches are only dangerous under a repeating quantifier; remember it for R4.
    let overlap = false;
    for (let a = 0; a < branches.length && !overlap; a++) {
      for (let b = a + 1; b < branches.length && !overlap; b++) {
        if (branches[a].nullable || branches[b].nullable || branches[a].first.intersects(branches[b].first)) overlap = true;
      }
    }
    info.overlap = overlap;
    return info;
  }

  private sequence(): Info {
    const first = new CharSet();
    const chars = new CharSet();
    let nullable = true;
    let repeats = false;
    // R5 bookkeeping: the characters of the last unbounded repetition, while only optional items followed it.
    let openUnbounded: CharSet | null = null;
    while (this.i < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      const { info, unbounded } = this.term();
      if (nullable) first.addSet(info.first);
      chars.addSet(info.chars);
      repeats ||= info.repeats;
      if (unbounded) {
        if (openUnbounded && openUnbounded.intersects(info.chars)) {
          throw new UnsafeRegexError('two unbounded repetitions of overlapping characters in a row (R5)');
        }
        if (info.nullable && openUnbounded) openUnbounded.addSet(info.chars);
        else {
          openUnbounded = new CharSet();
          openUnbounded.addSet(info.chars);
        }
      } else if (!info.nullable) {
        openUnbounded = null;
      }
      nullable &&= info.nullable;
    }
    return { first, chars, nullable, repeats };
  }

  private term(): { info: Info; unbounded: boolean } {
    const atom = this.atom();
    const q = this.quantifier();
    if (!q) return { info: atom, unbounded: false };
    if (q.max > 1) {
      if (atom.repeats) throw new UnsafeRegexError('nested repetition such as (a+)+ (R2)');
      if (atom.nullable) throw new UnsafeRegexError('repetition of something that can match nothing such as (a?)* (R3)');
      if ((atom as Info & { overlap?: boolean }).overlap) {
        throw new UnsafeRegexError('repetition of alternatives that can start alike such as (a|ab)* (R4)');
      }
    }
    const info: Info = {
      first: atom.first,
      chars: atom.chars,
      nullable: atom.nullable || q.min === 0,
      // a fixed count ({3}) of something unambiguous stays unambiguous: only variable repetition counts
      repeats: atom.repeats || (q.max > 1 && q.min !== q.max),
    };
    return { info, unbounded: q.max === Infinity };
  }

  private quantifier(): { min: number; max: number } | null {
    const c = this.peek();
    let q: { min: number; max: number } | null = null;
    if (c === '*') q = { min: 0, max: Infinity };
    else if (c === '+') q = { min: 1, max: Infinity };
    else if (c === '?') q = { min: 0, max: 1 };
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) return null; // a literal "{" (Annex B)
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.i += m[0].length;
      if (this.peek() === '?') this.i++;
      return { min, max };
    }
    if (!q) return null;
    this.i++;
    if (this.peek() === '?') this.i++; // lazy: same backtracking behaviour
    return q;
  }

  private atom(): Info {
    const c = this.peek();
    const empty = (): Info => ({ first: new CharSet(), chars: new CharSet(), nullable: true, repeats: false });
    const one = (s: CharSet): Info => ({ first: s, chars: s, nullable: false, repeats: false });
    if (c === '(') {
      this.i++;
      let lookaround = false;
      if (this.src.startsWith('?:', this.i)) this.i += 2;
      else if (this.src.startsWith('?=', this.i) || this.src.startsWith('?!', this.i)) {
        this.i += 2;
        lookaround = true;
      } else if (this.src.startsWith('?<=', this.i) || this.src.startsWith('?<!', this.i)) {
        this.i += 3;
        lookaround = true;
      } else if (this.src.startsWith('?<', this.i)) {
        const end = this.src.indexOf('>', this.i);
        if (end < 0) throw new UnsafeRegexError('unterminated group name');
        this.i = end + 1;
      } else if (this.peek() === '?') throw new UnsafeRegexError('unsupported group syntax');
      const inner = this.alternation();
      if (this.peek() !== ')') throw new UnsafeRegexError('unterminated group');
      this.i++;
      if (lookaround) return { ...empty(), repeats: inner.repeats };
      return inner;
    }
    if (c === '[') return one(this.charClass());
    if (c === '.') {
      this.i++;
      return one(CharSet.all());
    }
    if (c === '^' || c === '$') {
      this.i++;
      return empty();
    }
    if (c === '\\') {
      const e = this.escape(false);
      return e === null ? empty() : one(e);
    }
    if (c === '*' || c === '+' || c === '?') throw new UnsafeRegexError('nothing to repeat');
    this.i++;
    const s = new CharSet();
    s.addCaseless(c.charCodeAt(0));
    return one(s);
  }

  /** Parses an escape at `\`; null for assertions (\b, \B). */
  private escape(inClass: boolean): CharSet | null {
    this.i++; // backslash
    const c = this.peek();
    this.i++;
    if (c === '') throw new UnsafeRegexError('trailing backslash');
    if (!inClass && /[1-9]/.test(c)) throw new UnsafeRegexError('backreferences are not allowed (R1)');
    if (!inClass && c === 'k' && this.peek() === '<') throw new UnsafeRegexError('backreferences are not allowed (R1)');
    if (!inClass && (c === 'b' || c === 'B')) return null;
    const lower = c.toLowerCase();
    if ('dws'.includes(lower)) return c === lower ? classOf(c) : classOf(lower).complement();
    const s = new CharSet();
    if (c === 'x' && /^[0-9a-fA-F]{2}/.test(this.src.slice(this.i))) {
      s.addCaseless(parseInt(this.src.slice(this.i, this.i + 2), 16));
      this.i += 2;
    } else if (c === 'u' && /^[0-9a-fA-F]{4}/.test(this.src.slice(this.i))) {
      s.addCaseless(parseInt(this.src.slice(this.i, this.i + 4), 16));
      this.i += 4;
    } else if (c === 'p' || c === 'P') {
      return CharSet.all();
    } else {
      const map: Record<string, number> = { n: 10, r: 13, t: 9, f: 12, v: 11, '0': 0 };
      s.addCaseless(map[c] ?? c.charCodeAt(0));
    }
    return s;
  }

  private charClass(): CharSet {
    this.i++; // [
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.i++;
    }
    const s = new CharSet();
    while (this.i < this.src.length && this.peek() !== ']') {
      let lo: CharSet | number;
      if (this.peek() === '\\') {
        const e = this.escape(true);
        lo = e ?? new CharSet();
      } else {
        lo = this.src.charCodeAt(this.i++);
      }
      if (typeof lo === 'number' && this.peek() === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        this.i++;
        let hi: number;
        if (this.peek() === '\\') {
          const e = this.escape(true);
          // a range ending in a class escape is a syntax error in unicode mode; treat as everything
          if (!e) hi = lo;
          else {
            s.addSet(e);
            hi = lo;
          }
        } else hi = this.src.charCodeAt(this.i++);
        s.addRange(lo, hi);
      } else if (typeof lo === 'number') s.addCaseless(lo);
      else s.addSet(lo);
    }
    if (this.peek() !== ']') throw new UnsafeRegexError('unterminated character class');
    this.i++;
    return negate ? s.complement() : s;
  }
}

/** null when the pattern is acceptable; otherwise why it is rejected. */
export function regexProblem(pattern: string, maxLength: number): string | null {
  if (pattern.length > maxLength) return `regular expression longer than ${maxLength} characters`;
  try {
    new RegExp(pattern, 'i');
  } catch (e) {
    return `invalid regular expression: ${(e as Error).message}`;
  }
  try {
    new Parser(pattern).parse();
    return null;
  } catch (e) {
    if (e instanceof UnsafeRegexError) return `regular expression can backtrack catastrophically: ${e.message}`;
    throw e;
  }
}
