/**
 * Row <-> port value conversions shared by the SQLite and PostgreSQL stores: both keep the same columns, times as
 * ISO text and JSON as text (see the two migrations.ts files), so one mapping serves both.
 */
import type { PoolState } from '../../core';
import type { DecisionRecord, OutboxMessage, OutboxStatus, RulesetSummary } from '../../features/store-port';

export type Row = Record<string, unknown>;

export const str = (v: unknown): string => v as string;
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function decisionFromRow(r: Row): DecisionRecord {
  return {
    id: str(r.id),
    leadId: str(r.lead_id),
    ruleset: str(r.ruleset),
    rulesetVersion: Number(r.ruleset_version),
    ownerId: str(r.owner_id),
    ownerType: str(r.owner_type) as DecisionRecord['ownerType'],
    ruleId: strOrNull(r.rule_id),
    poolId: strOrNull(r.pool_id),
    reason: str(r.reason),
    trace: JSON.parse(str(r.trace)) as DecisionRecord['trace'],
    lead: JSON.parse(str(r.lead)) as Record<string, unknown>,
    source: str(r.source) as DecisionRecord['source'],
    previousOwnerId: strOrNull(r.previous_owner_id),
    createdAt: str(r.created_at),
  };
}

/** The decisions row's parameters in column order; `asText: false` leaves trace and lead as values (journal). */
export function decisionParams(d: DecisionRecord, asText = true): unknown[] {
  return [
    d.id,
    d.leadId,
    d.ruleset,
    d.rulesetVersion,
    d.ownerId,
    d.ownerType,
    d.ruleId,
    d.poolId,
    d.reason,
    asText ? JSON.stringify(d.trace) : d.trace,
    asText ? JSON.stringify(d.lead) : d.lead,
    d.source,
    d.previousOwnerId,
    d.createdAt,
  ];
}

export function outboxFromRow(r: Row): OutboxMessage {
  return {
    id: String(r.id),
    kind: str(r.kind),
    key: str(r.key),
    payload: JSON.parse(str(r.payload)) as unknown,
    status: str(r.status) as OutboxStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: str(r.next_attempt_at),
    lastError: strOrNull(r.last_error),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
    claimedBy: strOrNull(r.claimed_by),
    claimedUntil: strOrNull(r.claimed_until),
  };
}

export function summaryFromRow(r: Row): RulesetSummary {
  return {
    name: str(r.name),
    activeVersion: r.active_version === null ? null : Number(r.active_version),
    latestVersion: Number(r.latest_version),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
  };
}

export function poolStateFromRow(r: Row): PoolState {
  const state: PoolState = { lastOwnerId: strOrNull(r.last_owner_id), currents: JSON.parse(str(r.currents)) as Record<string, number> };
  if (r.last_index !== null && r.last_index !== undefined) state.lastIndex = Number(r.last_index);
  return state;
}
