/**
 * A pool at decision time: each member gets a verdict (eligible, or skipped with a reason and a human detail),
 * then the pool's strategy picks among the eligible ones.
 *
 * Eligibility, checked in this order (the first failing check is the reason reported):
 *   unavailable     the ruleset's `available: false`, or a run-time override (MemberFacts.available === false);
 *                   both must allow the member: the ruleset flag is a hard off, the run-time flag is for absences
 *   skill_mismatch  the target has a skillField, the lead's value is not blank and the member's skills lack it
 *   outside_hours   the pool has workingHours and `now`, in the pool's time zone (UTC without one), is not on a
 *                   listed day within [start, end)
 *   daily_cap       assignedToday >= dailyCap (the day is the pool's calendar day, see CompiledRuleset.dayKey)
 *   max_open        openLeads >= maxOpen
 */
import type { DayName, Pool, Strategy } from './ruleset';
import { DAY_NAMES } from './ruleset';
import type { DecisionInput, MemberTrace, PoolState, PoolTrace, StateChange } from './types';
import { localTime, minutesOf, type LocalTime } from './clock';
import { pickRoundRobin, nextRoundRobinState } from './strategies/round-robin';
import { pickWeighted } from './strategies/weighted';
import { pickLeastLoaded } from './strategies/least-loaded';
import { ownerTypeOf } from './ids';
import type { OwnerType } from './types';

export interface FixedOwner {
  type: 'user' | 'queue';
  ownerId: string;
  ownerType: OwnerType;
  /** `queue 00G...` / `user 005...` */
  label: string;
}

export function fixedOwner(t: { type: 'user' | 'queue'; ownerId: string }): FixedOwner {
  return { type: t.type, ownerId: t.ownerId, ownerType: ownerTypeOf(t.ownerId), label: `${t.type} ${t.ownerId}` };
}

interface Hours {
  days: boolean[];
  start: number;
  end: number;
  text: string;
}

export interface PoolRuntime {
  id: string;
  strategy: Strategy;
  timezone: string | null;
  memberIds: string[];
  weights: number[];
  dailyCaps: Array<number | undefined>;
  maxOpens: Array<number | undefined>;
  skills: Array<Set<string> | null>;
  skillLists: string[];
  rulesetAvailable: boolean[];
  hours: Hours | null;
  overflow: FixedOwner | null;
  /** `pool ent-ae, round_robin` */
  label: string;
}

export function compilePool(pool: Pool): PoolRuntime {
  const m = pool.members;
  let hours: Hours | null = null;
  if (pool.workingHours) {
    const wh = pool.workingHours;
    const days = DAY_NAMES.map((d: DayName) => wh.days.includes(d));
    hours = {
      days,
      start: minutesOf(wh.start),
      end: minutesOf(wh.end),
      text: `${DAY_NAMES.filter((_, i) => days[i]).join(',')} ${wh.start}-${wh.end} ${pool.timezone ?? 'UTC'}`,
    };
  }
  return {
    id: pool.id,
    strategy: pool.strategy,
    timezone: pool.timezone ?? null,
    memberIds: m.map((x) => x.ownerId),
    weights: m.map((x) => x.weight ?? 1),
    dailyCaps: m.map((x) => x.dailyCap),
    maxOpens: m.map((x) => x.maxOpen),
    skills: m.map((x) => (x.skills && x.skills.length > 0 ? new Set(x.skills.map((s) => s.trim().toLowerCase())) : null)),
    skillLists: m.map((x) => (x.skills ?? []).join(', ')),
    rulesetAvailable: m.map((x) => x.available !== false),
    hours,
    overflow: pool.overflow ? fixedOwner(pool.overflow) : null,
    label: `pool ${pool.id}, ${pool.strategy}`,
  };
}

export interface PoolOutcome {
  trace: PoolTrace;
  /** The member picked, or null when none was eligible. */
  ownerId: string | null;
  stateChange: StateChange | null;
}

const EMPTY_STATE: PoolState = { lastOwnerId: null, currents: {} };

/** A stored state as the strategies need it: a missing or damaged one reads as fresh (never a crash). */
function saneState(s: PoolState | null | undefined): PoolState {
  if (s === null || typeof s !== 'object') return EMPTY_STATE;
  if ((s.lastOwnerId === null || typeof s.lastOwnerId === 'string') && s.currents !== null && typeof s.currents === 'object') return s;
  const out: PoolState = {
    lastOwnerId: typeof s.lastOwnerId === 'string' ? s.lastOwnerId : null,
    currents: s.currents !== null && typeof s.currents === 'object' ? s.currents : {},
  };
  if (typeof s.lastIndex === 'number') out.lastIndex = s.lastIndex;
  return out;
}

export function resolvePool(
  pool: PoolRuntime,
  input: DecisionInput,
  skill: { field: string; value: string | null } | null,
): PoolOutcome {
  const n = pool.memberIds.length;
  const local: LocalTime = localTime(pool.timezone, input.now);
  const insideHours =
    pool.hours === null ||
    (pool.hours.days[local.weekday] && local.minuteOfDay >= pool.hours.start && local.minuteOfDay < pool.hours.end);
  const skillValue = skill === null ? null : skill.value;
  const eligible: boolean[] = new Array(n);
  const openLeads: number[] = pool.strategy === 'least_loaded' ? new Array(n) : [];
  const members: MemberTrace[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const ownerId = pool.memberIds[i];
    const facts = input.memberFacts(pool.id, ownerId);
    if (pool.strategy === 'least_loaded') openLeads[i] = facts.openLeads;
    let verdict: MemberTrace;
    if (!pool.rulesetAvailable[i]) {
      verdict = { ownerId, eligible: false, skipped: 'unavailable', detail: 'available: false in the ruleset' };
    } else if (facts.available === false) {
      verdict = { ownerId, eligible: false, skipped: 'unavailable', detail: 'marked unavailable at run time' };
    } else if (skillValue !== null && !(pool.skills[i]?.has(skillValue) ?? false)) {
      verdict = {
        ownerId,
        eligible: false,
        skipped: 'skill_mismatch',
        detail: pool.skills[i] ? `skills [${pool.skillLists[i]}] lack "${skillValue}"` : `no skills, lead needs "${skillValue}"`,
      };
    } else if (!insideHours) {
      verdict = {
        ownerId,
        eligible: false,
        skipped: 'outside_hours',
        detail: `outside working hours ${(pool.hours as Hours).text} (local ${DAY_NAMES[local.weekday]} ${local.hhmm})`,
      };
    } else if (pool.dailyCaps[i] !== undefined && facts.assignedToday >= (pool.dailyCaps[i] as number)) {
      verdict = {
        ownerId,
        eligible: false,
        skipped: 'daily_cap',
        detail: `dailyCap ${pool.dailyCaps[i]} reached (${facts.assignedToday} on ${local.dayKey})`,
      };
    } else if (pool.maxOpens[i] !== undefined && facts.openLeads >= (pool.maxOpens[i] as number)) {
      verdict = {
        ownerId,
        eligible: false,
        skipped: 'max_open',
        detail: `maxOpen ${pool.maxOpens[i]} reached (${facts.openLeads} open)`,
      };
    } else {
      verdict = { ownerId, eligible: true };
    }
    eligible[i] = verdict.eligible;
    members[i] = verdict;
  }

  const state = saneState(input.poolState(pool.id));
  let picked = -1;
  let next: PoolState | null = null;
  switch (pool.strategy) {
    case 'round_robin':
      picked = pickRoundRobin(pool.memberIds, eligible, state);
      if (picked >= 0) next = nextRoundRobinState(state, pool.memberIds, picked);
      break;
    case 'weighted': {
      const w = pickWeighted(pool.memberIds, pool.weights, eligible, state);
      if (w) {
        picked = w.index;
        next = { lastOwnerId: pool.memberIds[picked], currents: w.currents, lastIndex: picked };
      }
      break;
    }
    case 'least_loaded':
      picked = pickLeastLoaded(openLeads, eligible);
      if (picked >= 0) next = { lastOwnerId: pool.memberIds[picked], currents: { ...state.currents }, lastIndex: picked };
      break;
  }

  const trace: PoolTrace = { poolId: pool.id, strategy: pool.strategy, members, picked: picked >= 0 ? pool.memberIds[picked] : null };
  if (skill !== null) trace.skillFilter = skill;
  if (picked < 0 || next === null) return { trace, ownerId: null, stateChange: null };
  const ownerId = pool.memberIds[picked];
  return { trace, ownerId, stateChange: { poolId: pool.id, poolState: next, ownerId, dayKey: local.dayKey } };
}
