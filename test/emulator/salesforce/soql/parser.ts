/**
 * Recursive-descent parser for the SOQL subset: SELECT fields | COUNT() FROM one object [WHERE ...]
 * [ORDER BY ... [ASC|DESC] [NULLS FIRST|LAST]] [LIMIT n] [OFFSET n].
 */
import type { Condition, FieldRef, Literal, OrderItem, Query, SelectItem } from './ast';
import { queryError, tokenise, type Token } from './lexer';

const DATE_LITERALS = new Set(['TODAY', 'YESTERDAY', 'TOMORROW', 'THIS_WEEK', 'LAST_WEEK', 'THIS_MONTH', 'LAST_MONTH']);
const N_DATE_LITERALS = new Set(['LAST_N_DAYS', 'NEXT_N_DAYS', 'LAST_N_HOURS', 'NEXT_N_HOURS']);

class Parser {
  private i = 0;
  constructor(
    private readonly q: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.i];
  }
  private next(): Token {
    return this.tokens[this.i++];
  }
  private isKeyword(word: string, t = this.peek()): boolean {
    return t.kind === 'ident' && t.value.toUpperCase() === word;
  }
  private unexpected(t = this.peek()): never {
    if (t.kind === 'eof') throw queryError('MALFORMED_QUERY', this.q, t.pos, 'unexpected token: <EOF>');
    throw queryError('MALFORMED_QUERY', this.q, t.pos, `unexpected token: ${t.kind === 'string' ? `'${t.value}'` : t.value}`);
  }
  private expectKeyword(word: string): void {
    if (!this.isKeyword(word)) this.unexpected();
    this.i++;
  }
  private expectPunct(p: string): void {
    const t = this.peek();
    if (t.kind !== 'punct' || t.value !== p) this.unexpected();
    this.i++;
  }

  parse(): Query {
    this.expectKeyword('SELECT');
    const select = this.selectList();
    this.expectKeyword('FROM');
    const fromTok = this.next();
    if (fromTok.kind !== 'ident' || fromTok.value.includes('.')) this.unexpected(fromTok);
    const query: Query = { select, from: { name: fromTok.value, pos: fromTok.pos }, orderBy: [] };
    if (this.isKeyword('WHERE')) {
      this.i++;
      query.where = this.orExpr();
    }
    if (this.isKeyword('ORDER')) {
      this.i++;
      this.expectKeyword('BY');
      query.orderBy = this.orderList();
    }
    if (this.isKeyword('LIMIT')) {
      this.i++;
      query.limit = this.integer();
    }
    if (this.isKeyword('OFFSET')) {
      this.i++;
      query.offset = this.integer();
    }
    if (this.peek().kind !== 'eof') this.unexpected();
    return query;
  }

  private integer(): number {
    const t = this.next();
    if (t.kind !== 'number' || !/^\d+$/.test(t.value)) this.unexpected(t);
    return Number(t.value);
  }

  private selectList(): SelectItem[] {
    const items: SelectItem[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind !== 'ident' || ['FROM'].includes(t.value.toUpperCase())) this.unexpected(t);
      if (t.value.toUpperCase() === 'COUNT' && this.peek().kind === 'punct' && this.peek().value === '(') {
        this.i++;
        this.expectPunct(')');
        items.push({ kind: 'count' });
      } else items.push({ kind: 'field', field: { path: t.value, pos: t.pos } });
      if (this.peek().kind === 'punct' && this.peek().value === ',') {
        this.i++;
        continue;
      }
      return items;
    }
  }

  private orderList(): OrderItem[] {
    const items: OrderItem[] = [];
    for (;;) {
      const field = this.fieldRef();
      let desc = false;
      if (this.isKeyword('ASC')) this.i++;
      else if (this.isKeyword('DESC')) (this.i++, (desc = true));
      // SOQL: NULLS FIRST is the default for ascending order, NULLS LAST for descending.
      let nullsLast = desc;
      if (this.isKeyword('NULLS')) {
        this.i++;
        if (this.isKeyword('FIRST')) nullsLast = false;
        else if (this.isKeyword('LAST')) nullsLast = true;
        else this.unexpected();
        this.i++;
      }
      items.push({ field, desc, nullsLast });
      if (this.peek().kind === 'punct' && this.peek().value === ',') {
        this.i++;
        continue;
      }
      return items;
    }
  }

  private fieldRef(): FieldRef {
    const t = this.next();
    if (t.kind !== 'ident') this.unexpected(t);
    return { path: t.value, pos: t.pos };
  }

  /** SOQL has no AND/OR precedence: mixing them on one level without parentheses is MALFORMED_QUERY. */
  private orExpr(): Condition {
    const first = this.andExpr();
    if (!this.isKeyword('OR')) return first.cond;
    if (first.andAt !== undefined) this.unexpected(this.peek());
    const items = [first.cond];
    while (this.isKeyword('OR')) {
      const orAt = this.i;
      this.i++;
      const next = this.andExpr();
      if (next.andAt !== undefined) this.unexpected(this.tokens[next.andAt]);
      if (next.cond.kind === 'not' && !this.parenthesised.has(next.cond)) this.unexpected(this.tokens[orAt]);
      items.push(next.cond);
    }
    return { kind: 'or', items };
  }

  /** andAt: index of the first AND token on this level (undefined when there is none). */
  private andExpr(): { cond: Condition; andAt?: number } {
    const first = this.i;
    const items = [this.notExpr()];
    let andAt: number | undefined;
    while (this.isKeyword('AND')) {
      andAt ??= this.i;
      this.i++;
      items.push(this.notExpr());
    }
    if (items.length === 1) {
      // A bare NOT followed by OR is mixing operators too.
      if (this.isKeyword('OR') && this.isKeyword('NOT', this.tokens[first])) this.unexpected(this.peek());
      return { cond: items[0] };
    }
    // SOQL: NOT mixed with AND/OR needs parentheses too (`x AND (NOT y)`).
    if (items.some((c) => c.kind === 'not' && !this.parenthesised.has(c))) this.unexpected(this.tokens[andAt!]);
    return { cond: { kind: 'and', items }, andAt };
  }

  /** Conditions written inside their own parentheses. */
  private readonly parenthesised = new WeakSet<Condition>();

  private notExpr(): Condition {
    if (this.isKeyword('NOT')) {
      this.i++;
      return { kind: 'not', item: this.notExpr() };
    }
    const t = this.peek();
    if (t.kind === 'punct' && t.value === '(') {
      this.i++;
      const inner = this.orExpr();
      this.expectPunct(')');
      this.parenthesised.add(inner);
      return inner;
    }
    return this.comparison();
  }

  private comparison(): Condition {
    const field = this.fieldRef();
    const t = this.peek();
    if (this.isKeyword('IN') || (this.isKeyword('NOT') && this.isKeyword('IN', this.tokens[this.i + 1]))) {
      const negated = this.isKeyword('NOT');
      this.i += negated ? 2 : 1;
      const valuePos = this.peek().pos;
      this.expectPunct('(');
      const values: Literal[] = [];
      for (;;) {
        values.push(this.literal());
        const p = this.next();
        if (p.kind === 'punct' && p.value === ',') continue;
        if (p.kind === 'punct' && p.value === ')') break;
        this.unexpected(p);
      }
      return { kind: 'in', field, negated, values, valuePos };
    }
    if (this.isKeyword('LIKE')) {
      this.i++;
      const valuePos = this.peek().pos;
      return { kind: 'compare', field, op: 'LIKE', value: this.literal(), valuePos };
    }
    if (t.kind !== 'op') this.unexpected(t);
    this.i++;
    const op = t.value === '<>' ? '!=' : (t.value as '=' | '!=' | '<' | '<=' | '>' | '>=');
    const valuePos = this.peek().pos;
    return { kind: 'compare', field, op, value: this.literal(), valuePos };
  }

  private literal(): Literal {
    const t = this.next();
    switch (t.kind) {
      case 'string':
        return { kind: 'string', value: t.value };
      case 'number':
        return { kind: 'number', value: Number(t.value) };
      case 'date':
        return { kind: 'date', value: t.value };
      case 'datetime': {
        const ms = Date.parse(t.value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
        if (Number.isNaN(ms)) this.unexpected(t);
        return { kind: 'datetime', value: ms };
      }
      case 'ident': {
        const upper = t.value.toUpperCase();
        if (upper === 'TRUE' || upper === 'FALSE') return { kind: 'boolean', value: upper === 'TRUE' };
        if (upper === 'NULL') return { kind: 'null' };
        if (DATE_LITERALS.has(upper)) return { kind: 'dateLiteral', name: upper };
        const m = /^([A-Z_]+):(\d+)$/.exec(upper);
        if (m && N_DATE_LITERALS.has(m[1])) return { kind: 'dateLiteral', name: m[1], n: Number(m[2]) };
        return this.unexpected(t);
      }
      default:
        return this.unexpected(t);
    }
  }
}

export function parseSoql(q: string): Query {
  return new Parser(q, tokenise(q)).parse();
}
