/**
 * Speed-to-lead and fairness reports, read from the audit trail (decisions and their timelines).
 *
 * Hand-offs (milliseconds between two timeline steps of one decision, when both exist):
 *   commit_to_received   committed_in_crm -> received      (CDC: the change committed in Salesforce reached us)
 *   received_to_decided  received -> decided
 *   enrichment           received -> enriched             (when enrichment ran)
 *   decided_to_written   decided -> written_salesforce (first)
 *   commit_to_written    committed_in_crm -> written_salesforce
 *   decided_to_notified  decided -> notified (first delivered channel)
 *   received_to_notified received -> notified
 * Paths: callout (POST /v1/route, reroutes), batch (/v1/route/batch), cdc (change events). Manual overrides and
 * fallbacks recorded by other features are not routing decisions and are left out.
 */
import { BadRequestError, NotFoundError } from '../../http/errors';
import { lowestIdAt } from '../routing/decision-id';
import type { DecisionRecord, Store, TimelineEntry } from '../store-port';
import { summarise, type Summary } from './percentile';

export const HANDOFFS = [
  ['commit_to_received', 'committed_in_crm', 'received'],
  ['received_to_decided', 'received', 'decided'],
  ['enrichment', 'received', 'enriched'],
  ['decided_to_written', 'decided', 'written_salesforce'],
  ['commit_to_written', 'committed_in_crm', 'written_salesforce'],
  ['decided_to_notified', 'decided', 'notified'],
  ['received_to_notified', 'received', 'notified'],
] as const;

export type HandoffName = (typeof HANDOFFS)[number][0];
export type GroupField = 'path' | 'ruleset' | 'owner';
export const GROUP_FIELDS: GroupField[] = ['path', 'ruleset', 'owner'];

/** At most this many decisions are read per report; more sets `truncated`. */
export const MAX_DECISIONS = 20_000;
const DEFAULT_WINDOW_MS = 7 * 86_400_000;

export interface SpeedGroup {
  key: Partial<Record<GroupField, string>>;
  decisions: number;
  handoffs: Partial<Record<HandoffName, Summary>>;
}

export interface SpeedReport {
  since: string;
  until: string;
  groupBy: GroupField[];
  decisions: number;
  truncated: boolean;
  groups: SpeedGroup[];
}

export interface FairnessMember {
  ownerId: string;
  weight: number;
  assigned: number;
  share: number;
  expectedShare: number;
  expected: number;
  /** assigned - expected. */
  deviation: number;
  /** In the current version of the pool (false: assigned earlier, since removed). */
  member: boolean;
}

export interface FairnessReport {
  ruleset: string;
  rulesetVersion: number;
  since: string;
  until: string;
  truncated: boolean;
  pools: Array<{ poolId: string; strategy: string; total: number; members: FairnessMember[] }>;
}

export function pathOf(source: DecisionRecord['source']): 'callout' | 'batch' | 'cdc' | null {
  if (source === 'callout' || source === 'reroute') return 'callout';
  if (source === 'batch' || source === 'cdc') return source;
  return null;
}

export function handoffsOf(timeline: TimelineEntry[]): Partial<Record<HandoffName, number>> {
  const first = new Map<string, number>();
  for (const e of timeline) {
    const t = Date.parse(e.at);
    const prev = first.get(e.step);
    if (prev === undefined || t < prev) first.set(e.step, t);
  }
  const out: Partial<Record<HandoffName, number>> = {};
  for (const [name, from, to] of HANDOFFS) {
    const a = first.get(from);
    const b = first.get(to);
    if (a !== undefined && b !== undefined && b >= a) out[name] = b - a;
  }
  return out;
}

function timeParam(value: string | undefined, path: string): Date | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
    throw new BadRequestError('Invalid query parameters', [{ path, message: 'must be an ISO-8601 date or date-time' }], 'validation_failed');
  }
  return new Date(ms);
}

export class StatsService {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  window(q: { since?: string; until?: string }): { since: Date; until: Date } {
    const until = timeParam(q.until, 'until') ?? this.now();
    const since = timeParam(q.since, 'since') ?? new Date(until.getTime() - DEFAULT_WINDOW_MS);
    if (since > until) throw new BadRequestError('Invalid query parameters', [{ path: 'since', message: 'must not be after until' }], 'validation_failed');
    return { since, until };
  }

  /** Decisions with createdAt in [since, until], newest first, optionally of one ruleset. */
  private async decisions(since: Date, until: Date, ruleset?: string): Promise<{ rows: DecisionRecord[]; truncated: boolean }> {
    const rows: DecisionRecord[] = [];
    let beforeId = lowestIdAt(until.getTime() + 1);
    for (;;) {
      const page = await this.store.listDecisions({
        ruleset,
        since: since.toISOString(),
        until: until.toISOString(),
        minId: lowestIdAt(since.getTime()),
        beforeId,
        limit: 1000,
      });
      rows.push(...page);
      if (rows.length >= MAX_DECISIONS) return { rows: rows.slice(0, MAX_DECISIONS), truncated: true };
      if (page.length < 1000) return { rows, truncated: false };
      beforeId = page[page.length - 1]!.id;
    }
  }

  async speedToLead(q: { since?: string; until?: string; groupBy?: string }): Promise<SpeedReport> {
    const { since, until } = this.window(q);
    const groupBy = parseGroupBy(q.groupBy);
    const { rows, truncated } = await this.decisions(since, until);
    const groups = new Map<string, { key: SpeedGroup['key']; decisions: number; values: Map<HandoffName, number[]> }>();
    let counted = 0;
    // Timelines are read a chunk at a time, concurrently (PostgreSQL serves them in parallel).
    const timelines = new Map<string, TimelineEntry[]>();
    const routed = rows.filter((d) => pathOf(d.source) !== null);
    for (let i = 0; i < routed.length; i += 64) {
      const chunk = routed.slice(i, i + 64);
      const got = await Promise.all(chunk.map((d) => this.store.getTimeline(d.id)));
      chunk.forEach((d, j) => timelines.set(d.id, got[j]!));
    }
    for (const d of rows) {
      const path = pathOf(d.source);
      if (!path) continue;
      counted++;
      const key: SpeedGroup['key'] = {};
      for (const f of groupBy) key[f] = f === 'path' ? path : f === 'ruleset' ? d.ruleset : d.ownerId;
      const id = groupBy.map((f) => key[f]).join('\u0000');
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { key, decisions: 0, values: new Map() }));
      g.decisions++;
      const h = handoffsOf(timelines.get(d.id) ?? []);
      for (const [name, ms] of Object.entries(h) as Array<[HandoffName, number]>) {
        const list = g.values.get(name) ?? [];
        list.push(ms);
        g.values.set(name, list);
      }
    }
    const out: SpeedGroup[] = [...groups.values()].map((g) => {
      const handoffs: SpeedGroup['handoffs'] = {};
      for (const [name] of HANDOFFS) {
        const v = g.values.get(name);
        if (v && v.length > 0) handoffs[name] = summarise(v);
      }
      return { key: g.key, decisions: g.decisions, handoffs };
    });
    out.sort((a, b) => JSON.stringify(groupBy.map((f) => a.key[f])).localeCompare(JSON.stringify(groupBy.map((f) => b.key[f]))));
    return { since: since.toISOString(), until: until.toISOString(), groupBy, decisions: counted, truncated, groups: out };
  }

  async fairness(q: { ruleset?: string; since?: string; until?: string }): Promise<FairnessReport> {
    if (!q.ruleset) throw new BadRequestError('Invalid query parameters', [{ path: 'ruleset', message: 'required' }], 'validation_failed');
    const version = await this.store.getActiveVersion(q.ruleset);
    const record = version === null ? null : await this.store.getRulesetVersion(q.ruleset, version);
    if (!record) throw new NotFoundError(`No active ruleset named "${q.ruleset}"`, [{ path: 'ruleset', message: `unknown ruleset ${q.ruleset}` }], 'ruleset_not_found');
    const { since, until } = this.window(q);
    const { rows, truncated } = await this.decisions(since, until, q.ruleset);
    const counts = new Map<string, Map<string, number>>();
    for (const d of rows) {
      if (!d.poolId || !pathOf(d.source)) continue;
      const pool = counts.get(d.poolId) ?? new Map<string, number>();
      pool.set(d.ownerId, (pool.get(d.ownerId) ?? 0) + 1);
      counts.set(d.poolId, pool);
    }
    const pools = record.ruleset.pools.map((p) => {
      const assigned = counts.get(p.id) ?? new Map<string, number>();
      const total = [...assigned.values()].reduce((a, b) => a + b, 0);
      // Expected share: weight / sum(weights) (weight 1 when unset, so equal shares outside `weighted`).
      const weights = p.members.map((m) => (p.strategy === 'weighted' ? m.weight ?? 1 : 1));
      const sum = weights.reduce((a, b) => a + b, 0);
      const members: FairnessMember[] = p.members.map((m, i) => {
        const n = assigned.get(m.ownerId) ?? 0;
        const expectedShare = weights[i]! / sum;
        return {
          ownerId: m.ownerId,
          weight: weights[i]!,
          assigned: n,
          share: total ? n / total : 0,
          expectedShare,
          expected: total * expectedShare,
          deviation: n - total * expectedShare,
          member: true,
        };
      });
      for (const [ownerId, n] of assigned) {
        if (p.members.some((m) => m.ownerId === ownerId)) continue;
        members.push({ ownerId, weight: 0, assigned: n, share: total ? n / total : 0, expectedShare: 0, expected: 0, deviation: n, member: false });
      }
      return { poolId: p.id, strategy: p.strategy, total, members };
    });
    return { ruleset: q.ruleset, rulesetVersion: record.version, since: since.toISOString(), until: until.toISOString(), truncated, pools };
  }
}

function parseGroupBy(value: string | undefined): GroupField[] {
  if (value === undefined || value.trim() === '') return ['path'];
  const fields = value.split(',').map((s) => s.trim());
  const bad = fields.filter((f) => !GROUP_FIELDS.includes(f as GroupField));
  if (bad.length > 0 || new Set(fields).size !== fields.length) {
    throw new BadRequestError('Invalid query parameters', [{ path: 'groupBy', message: `a comma-separated list of distinct ${GROUP_FIELDS.join(', ')}` }], 'validation_failed');
  }
  return fields as GroupField[];
}
