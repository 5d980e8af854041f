/**
 * The lead fields a ruleset reads: every condition's `field`, every pool target's `skillField`, and Email/Website
 * when an accountOwner target looks an account up by domain. The reroute dry run sends only these (with Id) to
 * the simulate API, so that thousands of leads fit in one request and pools evolve across the whole run.
 */
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function conditionFields(c: unknown, out: Set<string>, depth = 0): void {
  if (!isObject(c) || depth > 64) return;
  if (typeof c.field === 'string') out.add(c.field);
  for (const key of ['all', 'any']) if (Array.isArray(c[key])) for (const child of c[key] as unknown[]) conditionFields(child, out, depth + 1);
  if (c.not !== undefined) conditionFields(c.not, out, depth + 1);
}

function targetFields(t: unknown, out: Set<string>, depth = 0): void {
  if (!isObject(t) || depth > 64) return;
  if (typeof t.skillField === 'string') out.add(t.skillField);
  if (t.type === 'accountOwner') {
    out.add('Email');
    out.add('Website');
    targetFields(t.else, out, depth + 1);
  }
}

export function fieldsUsed(ruleset: unknown): Set<string> {
  const out = new Set<string>(['Id']);
  if (!isObject(ruleset)) return out;
  for (const rule of Array.isArray(ruleset.rules) ? ruleset.rules : []) {
    if (!isObject(rule)) continue;
    conditionFields(rule.when, out);
    targetFields(rule.assign, out);
  }
  targetFields(ruleset.default, out);
  return out;
}

/** The lead with only the given fields (those it has). */
export function pickFields(lead: Record<string, unknown>, fields: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in lead) out[f] = lead[f];
  return out;
}
