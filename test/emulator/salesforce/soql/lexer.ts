/**
 * SOQL tokeniser. String literals honour SOQL's escapes (\' \" \\ \n \r \t \b \f, and \_ \% kept for LIKE),
 * so an unescaped quote ends the literal early and the rest of the input is a MALFORMED_QUERY, as on the platform.
 */
import { SfError } from '../errors';

export type TokenKind = 'ident' | 'string' | 'number' | 'op' | 'punct' | 'datetime' | 'date' | 'eof';

export interface Token {
  kind: TokenKind;
  /** For strings the unescaped value (LIKE escapes kept as \_ and \%); otherwise the source text. */
  value: string;
  /** 0-based offset in the query (for the Row:Column error text). */
  pos: number;
}

/** The platform's query error layout: the query, a caret line, the position and the reason. */
export function queryError(code: string, query: string, pos: number, reason: string, status = 400): SfError {
  const before = query.slice(0, pos);
  const row = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  const line = query.split('\n')[row - 1] ?? '';
  return new SfError(status, code, `\n${line}\n${' '.repeat(Math.max(0, col - 1))}^\nERROR at Row:${row}:Column:${col}\n${reason}`);
}

const ESCAPES: Record<string, string> = { n: '\n', N: '\n', r: '\r', R: '\r', t: '\t', T: '\t', b: '\b', B: '\b', f: '\f', F: '\f', '"': '"', "'": "'", '\\': '\\' };

export function tokenise(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let value = '';
      i++;
      let closed = false;
      while (i < q.length) {
        const ch = q[i];
        if (ch === '\\') {
          const next = q[i + 1];
          if (next === undefined) break;
          if (next === '_' || next === '%') value += '\\' + next;
          else if (next in ESCAPES) value += ESCAPES[next];
          else throw queryError('MALFORMED_QUERY', q, i, `Invalid string literal '${q.slice(start, i + 2)}'. Illegal escape sequence: \\${next}`);
          i += 2;
          continue;
        }
        if (ch === "'") {
          closed = true;
          i++;
          break;
        }
        value += ch;
        i++;
      }
      if (!closed) throw queryError('MALFORMED_QUERY', q, start, `line 1:${start} mismatched character '<EOF>' expecting '''`);
      out.push({ kind: 'string', value, pos: start });
      continue;
    }
    const dt = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})/.exec(q.slice(i));
    if (dt) {
      out.push({ kind: 'datetime', value: dt[0], pos: start });
      i += dt[0].length;
      continue;
    }
    const d = /^\d{4}-\d{2}-\d{2}(?![\d:T])/.exec(q.slice(i));
    if (d) {
      out.push({ kind: 'date', value: d[0], pos: start });
      i += d[0].length;
      continue;
    }
    const num = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(q.slice(i));
    if (num && (/\d/.test(c) || ((c === '-' || c === '+' || c === '.') && /[\d.]/.test(q[i + 1] ?? '')))) {
      out.push({ kind: 'number', value: num[0], pos: start });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?::\d+)?/.exec(q.slice(i));
    if (ident) {
      out.push({ kind: 'ident', value: ident[0], pos: start });
      i += ident[0].length;
      continue;
    }
    const op = /^(?:!=|<>|<=|>=|=|<|>)/.exec(q.slice(i));
    if (op) {
      out.push({ kind: 'op', value: op[0], pos: start });
      i += op[0].length;
      continue;
    }
    if ('(),'.includes(c)) {
      out.push({ kind: 'punct', value: c, pos: start });
      i++;
      continue;
    }
    throw queryError('MALFORMED_QUERY', q, start, `unexpected token: '${c}'`);
  }
  out.push({ kind: 'eof', value: '', pos: q.length });
  return out;
}
