/** Human text for conditions and targets, as the diff and the simulate output print them. */
import type { Condition, Pool, Scalar, Target } from '../core';

function constant(v: Scalar): string {
  if (typeof v !== 'string') return String(v);
  return v === '' || /[\s,[\]()"]/.test(v) ? JSON.stringify(v) : v;
}

const OP_TEXT: Record<string, string> = {
  eq: '=', neq: '!=', gt: '>', gte: '>=', lt: '<', lte: '<=',
  contains: 'contains', startsWith: 'starts with', endsWith: 'ends with',
};

export function conditionText(c: Condition | undefined, nested = false): string {
  if (c === undefined) return 'always';
  if ('all' in c || 'any' in c) {
    const list = 'all' in c ? c.all : c.any;
    const text = list.map((x) => conditionText(x, true)).join('all' in c ? ' and ' : ' or ');
    return nested && list.length > 1 ? `(${text})` : text;
  }
  if ('not' in c) return `not ${conditionText(c.not, true)}`;
  const v = (c as { value?: unknown }).value;
  switch (c.op) {
    case 'in':
    case 'notIn':
      return `${c.field} ${c.op === 'in' ? 'in' : 'not in'} [${(v as Scalar[]).map(constant).join(', ')}]`;
    case 'between':
      return `${c.field} between ${constant((v as Scalar[])[0]!)} and ${constant((v as Scalar[])[1]!)}`;
    case 'isBlank':
      return `${c.field} is blank`;
    case 'isNotBlank':
      return `${c.field} is not blank`;
    case 'matches':
      return `${c.field} matches /${String(v)}/`;
    default:
      return `${c.field} ${OP_TEXT[c.op] ?? c.op} ${constant(v as Scalar)}`;
  }
}

export function targetText(t: Target): string {
  switch (t.type) {
    case 'user':
      return `user ${t.ownerId}`;
    case 'queue':
      return `queue ${t.ownerId}`;
    case 'pool':
      return `pool ${t.pool}${t.skillField ? ` (skills from ${t.skillField})` : ''}`;
    case 'accountOwner':
      return `account owner, else ${targetText(t.else)}`;
  }
}

export function memberText(m: Pool['members'][number]): string {
  const parts: string[] = [];
  if (m.weight !== undefined) parts.push(`weight ${m.weight}`);
  if (m.dailyCap !== undefined) parts.push(`dailyCap ${m.dailyCap}`);
  if (m.maxOpen !== undefined) parts.push(`maxOpen ${m.maxOpen}`);
  if (m.skills && m.skills.length > 0) parts.push(`skills [${m.skills.join(', ')}]`);
  if (m.available === false) parts.push('unavailable');
  return parts.length > 0 ? `${m.ownerId} (${parts.join(', ')})` : m.ownerId;
}
