/** The benchmarks' rulesets are valid, and the rules benchmark compares like with like (same rule per lead). */
import { Engine } from 'json-rules-engine';
import { compileRuleset, validateRuleset } from '../../../service/src/core';
import { makeDecideRuleset } from '../../../bench/decide.bench';
import { makeLeads, makeRuleset, makeRules } from '../../../bench/rules.bench';

test('decide.bench ruleset is valid', () => {
  expect(validateRuleset(makeDecideRuleset())).toMatchObject({ ok: true });
});

test('rules.bench: our first match equals json-rules-engine with priorities and stop()', async () => {
  const compiled = compileRuleset(makeRuleset(), 1);
  const rules = makeRules();
  const ops: Record<string, string> = { in: 'in', eq: 'equal', neq: 'notEqual', gte: 'greaterThanInclusive', lt: 'lessThan' };
  const engine = new Engine([], { allowUndefinedFacts: true });
  rules.forEach((r, i) =>
    engine.addRule({
      priority: rules.length - i,
      conditions: { all: r.all.map((c) => ({ fact: c.field, operator: ops[c.op], value: c.value as never })) },
      event: { type: r.id },
    }),
  );
  let matched: string | null = null;
  engine.on('success', (event) => {
    matched ??= event.type;
    engine.stop();
  });
  for (const lead of makeLeads(300, 3)) {
    matched = null;
    await engine.run(lead as Record<string, unknown>);
    expect(compiled.firstMatch(lead)).toBe(matched);
    expect(compiled.firstMatchUnindexed(lead)).toBe(matched);
  }
});
