/**
 * A first check of `reroute --where`: the condition is put inside `WHERE IsConverted = false AND (<condition>)`,
 * so it must be one balanced boolean expression. Rejected before any call, with the reason: unbalanced quotes
 * or parentheses, a `;`, and clauses that do not belong in a condition (LIMIT, ORDER BY, GROUP BY, HAVING,
 * OFFSET, FOR UPDATE) outside quotes and parentheses (a semi-join `Id IN (SELECT ...)` stays allowed).
 * Salesforce checks the rest (an unknown field or a bad operator comes back as its MALFORMED_QUERY message).
 */
const CLAUSES = /\b(LIMIT|ORDER\s+BY|GROUP\s+BY|HAVING|OFFSET|FOR\s+(?:UPDATE|VIEW|REFERENCE)|WITH\s+SECURITY_ENFORCED)\b/i;

export function checkWhere(where: string): string | null {
  if (where.trim() === '') return 'the condition is empty';
  let depth = 0;
  let quoted = false;
  let topLevel = '';
  for (let i = 0; i < where.length; i++) {
    const ch = where[i]!;
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === "'") quoted = false;
      continue;
    }
    if (ch === "'") quoted = true;
    else if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth < 0) return `unbalanced ")" at character ${i + 1}`;
    } else if (ch === ';') return `";" is not allowed (character ${i + 1})`;
    else if (depth === 0) topLevel += ch;
    if (depth > 0 || ch === ')') topLevel += ' ';
  }
  if (quoted) return 'unterminated string literal (a quote \' is not closed)';
  if (depth > 0) return `${depth} unclosed "("`;
  const clause = CLAUSES.exec(topLevel);
  if (clause) return `"${clause[1]!.replace(/\s+/g, ' ').toUpperCase()}" is not part of a condition: give only what follows WHERE`;
  return null;
}
