/**
 * compileRuleset: a validated ruleset becomes closures once per version; decide() then reads no JSON.
 *
 * decide() walks the rules top to bottom. Each active rule is evaluated with its explain closure (the answer and
 * the trace of every condition in one pass); the first that holds decides. Its target yields the owner:
 *   user / queue      that owner;
 *   pool              a member picked by the pool's strategy among eligible members, else the pool's overflow,
 *                     else the ruleset default (trace.target.pool.fellTo);
 *   accountOwner      the owner returned by accountOwnerByDomain(domain of the lead's e-mail, else website),
 *                     else the `else` target.
 * No rule matched: the ruleset default. decide() never throws on lead data: an unexpected error while evaluating
 * (a lead object with a throwing getter, say) falls back to the default with a trace note. Errors thrown by the
 * poolState/memberFacts ports do propagate: with the store down there is no decision to make. (accountOwnerByDomain
 * failures fall back to `else`, recorded in the trace.)
 */
import type { CompiledPool, CompiledRuleset } from './api';
import { FieldSlots, compileCondition, type CompiledCondition } from './conditions';
import { localTime } from './clock';
import { emailOrWebsiteDomain } from './domains';
import { buildRuleIndex, type IndexedRule, type RuleIndex } from './rule-index';
import { ownerTypeOf, toId18 } from './ids';
import { compilePool, fixedOwner, resolvePool, type FixedOwner, type PoolRuntime } from './pools';
import type { Ruleset, Target } from './ruleset';
import type { DecisionInput, DecisionResult, Lead, OwnerType, RuleTrace, StateChange, TargetTrace, Trace } from './types';
import { isBlankValue, textOf } from './values';

type CompiledTarget =
  | { kind: 'fixed'; owner: FixedOwner }
  | { kind: 'pool'; pool: PoolRuntime; skillField: string | null; skillGet: ((lead: Lead) => unknown) | null }
  | { kind: 'account'; else: CompiledTarget };

interface CompiledRule {
  id: string;
  name: string | undefined;
  active: boolean;
  condition: CompiledCondition | null;
  /** `Rule ent-emea (Country in [FR, DE] and NumberOfEmployees >= 1000)` */
  head: string;
  target: CompiledTarget;
}

interface Resolved {
  ownerId: string;
  ownerType: OwnerType;
  poolId: string | null;
  text: string;
  trace: TargetTrace;
  stateChange: StateChange | null;
}

function compileTarget(t: Target, pools: Map<string, PoolRuntime>): CompiledTarget {
  switch (t.type) {
    case 'user':
    case 'queue':
      return { kind: 'fixed', owner: fixedOwner(t) };
    case 'pool': {
      const pool = pools.get(t.pool);
      if (!pool) throw new Error(`compileRuleset: unknown pool "${t.pool}" (validate the ruleset first)`);
      const field = t.skillField ?? null;
      const skillGet =
        field === null
          ? null
          : field in Object.prototype
            ? (lead: Lead) => (Object.prototype.hasOwnProperty.call(lead, field) ? lead[field] : undefined)
            : (lead: Lead) => lead[field];
      return { kind: 'pool', pool, skillField: field, skillGet };
    }
    case 'accountOwner':
      return { kind: 'account', else: compileTarget(t.else, pools) };
  }
}

/** Wraps an error thrown by a state port so decide() lets it through instead of falling back to the default. */
class PortFailure {
  constructor(readonly cause: unknown) {}
}

function leadIdOf(lead: Lead): string {
  const raw = (lead as { Id?: unknown }).Id;
  if (typeof raw !== 'string') return String(raw ?? '');
  return toId18(raw) ?? raw;
}

class Compiled implements CompiledRuleset {
  readonly name: string;
  readonly version: number;
  readonly ruleset: Ruleset;
  readonly pools: ReadonlyArray<CompiledPool>;
  readonly defaultOwnerId: string;
  private readonly rules: CompiledRule[];
  private readonly activeTests: IndexedRule[];
  private readonly index: RuleIndex | null;
  private readonly slots = new FieldSlots();
  private readonly poolRuntimes: Map<string, PoolRuntime>;
  private readonly defaultOwner: FixedOwner;

  constructor(ruleset: Ruleset, version: number) {
    this.name = ruleset.name;
    this.version = version;
    this.ruleset = ruleset;
    this.poolRuntimes = new Map((ruleset.pools ?? []).map((p) => [p.id, compilePool(p)]));
    this.pools = [...this.poolRuntimes.values()].map((p) => ({
      id: p.id,
      strategy: p.strategy,
      timezone: p.timezone,
      memberIds: [...p.memberIds],
    }));
    this.defaultOwner = fixedOwner(ruleset.default);
    this.defaultOwnerId = this.defaultOwner.ownerId;
    for (const r of ruleset.rules) if (r.when !== undefined) this.slots.collect(r.when);
    this.rules = ruleset.rules.map((r) => {
      const condition = r.when === undefined ? null : compileCondition(r.when, this.slots);
      return {
        id: r.id,
        name: r.name,
        active: r.active !== false,
        condition,
        head: `Rule ${r.id} (${condition ? condition.text : 'always'})`,
        target: compileTarget(r.assign, this.poolRuntimes),
      };
    });
    this.activeTests = this.rules
      .map((r, i) => ({ id: r.id, test: r.condition ? r.condition.test : null, when: ruleset.rules[i].when, active: r.active }))
      .filter((r) => r.active)
      .map(({ id, test, when }) => ({ id, test, when }));
    this.index = buildRuleIndex(this.activeTests, this.slots);
  }

  firstMatch(lead: Lead): string | null {
    const memo = this.slots.memo();
    const rules = this.index === null ? this.activeTests : this.index.buckets[this.index.read(lead, memo) + 1];
    for (let i = 0; i < rules.length; i++) {
      const t = rules[i].test;
      if (t === null || t(lead, memo)) return rules[i].id;
    }
    return null;
  }

  /** firstMatch without the index: every active rule in order (kept for benchmarks and tests of the index). */
  firstMatchUnindexed(lead: Lead): string | null {
    const memo = this.slots.memo();
    const rules = this.activeTests;
    for (let i = 0; i < rules.length; i++) {
      const t = rules[i].test;
      if (t === null || t(lead, memo)) return rules[i].id;
    }
    return null;
  }

  dayKey(poolId: string, now: Date): string {
    const pool = this.poolRuntimes.get(poolId);
    return localTime(pool ? pool.timezone : null, now).dayKey;
  }

  decide(input: DecisionInput): DecisionResult {
    const lead: Lead = typeof input.lead === 'object' && input.lead !== null ? input.lead : ({ Id: '' } as Lead);
    const leadId = leadIdOf(lead);
    const rules: RuleTrace[] = [];
    try {
      let matched: CompiledRule | null = null;
      const memo = this.slots.memo();
      for (const rule of this.rules) {
        if (!rule.active) {
          rules.push(rule.name === undefined ? { ruleId: rule.id, outcome: 'inactive' } : { ruleId: rule.id, name: rule.name, outcome: 'inactive' });
          continue;
        }
        const t: RuleTrace = { ruleId: rule.id, outcome: 'matched' };
        if (rule.name !== undefined) t.name = rule.name;
        if (rule.condition !== null) {
          const tree = rule.condition.explain(lead, memo);
          t.conditions = tree;
          if (!tree.result) {
            t.outcome = 'failed';
            t.failedAt = rule.condition.failedAt(tree);
          }
        }
        rules.push(t);
        if (t.outcome === 'matched') {
          matched = rule;
          break;
        }
      }
      if (matched === null) {
        const r = this.fixed(this.defaultOwner);
        return this.result(leadId, null, `No rule matched -> default ${this.defaultOwner.label}`, r, rules);
      }
      const r = this.resolve(matched.target, lead, input);
      return this.result(leadId, matched.id, `${matched.head} -> ${r.text}`, r, rules);
    } catch (e) {
      if (e instanceof PortFailure) throw e.cause;
      // Defensive: lead data cannot make evaluation throw, but a decision must always come out.
      const r = this.fixed(this.defaultOwner);
      const result = this.result(leadId, null, `Evaluation error -> default ${this.defaultOwner.label}`, r, rules);
      result.trace.notes = [`evaluation error: ${e instanceof Error ? e.message : String(e)}`];
      return result;
    }
  }

  private result(leadId: string, ruleId: string | null, reason: string, r: Resolved, rules: RuleTrace[]): DecisionResult {
    const trace: Trace = { rules, matchedRuleId: ruleId, target: r.trace };
    return {
      leadId,
      ownerId: r.ownerId,
      ownerType: r.ownerType,
      ruleId,
      poolId: r.poolId,
      ruleset: this.name,
      rulesetVersion: this.version,
      reason,
      trace,
      stateChange: r.stateChange,
    };
  }

  private fixed(owner: FixedOwner): Resolved {
    return {
      ownerId: owner.ownerId,
      ownerType: owner.ownerType,
      poolId: null,
      text: owner.label,
      trace: { type: owner.type },
      stateChange: null,
    };
  }

  private resolve(target: CompiledTarget, lead: Lead, input: DecisionInput): Resolved {
    switch (target.kind) {
      case 'fixed':
        return this.fixed(target.owner);
      case 'pool': {
        let skill: { field: string; value: string | null } | null = null;
        if (target.skillField !== null && target.skillGet !== null) {
          const raw = target.skillGet(lead);
          skill = { field: target.skillField, value: isBlankValue(raw) ? null : textOf(raw) };
        }
        const pool = target.pool;
        let out: ReturnType<typeof resolvePool>;
        try {
          out = resolvePool(pool, input, skill);
        } catch (e) {
          throw new PortFailure(e);
        }
        if (out.ownerId !== null) {
          return {
            ownerId: out.ownerId,
            ownerType: 'User',
            poolId: pool.id,
            text: pool.label,
            trace: { type: 'pool', pool: out.trace },
            stateChange: out.stateChange,
          };
        }
        const fell = pool.overflow ?? this.defaultOwner;
        out.trace.fellTo = pool.overflow ? 'overflow' : 'default';
        return {
          ownerId: fell.ownerId,
          ownerType: fell.ownerType,
          poolId: pool.id,
          text: `pool ${pool.id}: no eligible member -> ${out.trace.fellTo} ${fell.label}`,
          trace: { type: 'pool', pool: out.trace },
          stateChange: null,
        };
      }
      case 'account': {
        const domain = emailOrWebsiteDomain(lead);
        let owner: string | null = null;
        let error: string | undefined;
        if (domain !== null) {
          try {
            const found = input.accountOwnerByDomain(domain);
            owner = typeof found === 'string' ? toId18(found) : null;
          } catch (e) {
            error = e instanceof Error ? e.message : String(e);
          }
        }
        if (owner !== null) {
          return {
            ownerId: owner,
            ownerType: ownerTypeOf(owner),
            poolId: null,
            text: `account owner ${owner} (${domain})`,
            trace: { type: 'accountOwner', account: { domain, matched: true, ownerId: owner } },
            stateChange: null,
          };
        }
        const fallback = this.resolve(target.else, lead, input);
        const account: NonNullable<TargetTrace['account']> = { domain, matched: false };
        if (error !== undefined) account.error = error;
        return {
          ...fallback,
          text: `${domain === null ? 'no account domain' : `no account for ${domain}`} -> ${fallback.text}`,
          trace: { type: 'accountOwner', account, else: fallback.trace },
        };
      }
    }
  }
}

/** Compiles a validated ruleset (validateRuleset's output) once per version into closures. */
export function compileRuleset(ruleset: Ruleset, version: number): CompiledRuleset {
  return new Compiled(ruleset, version);
}
