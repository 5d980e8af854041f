/** Row <-> port value conversions of the PostgreSQL store (columns as in migrations.ts). */
import type { PoolState } from '../../../core';
import type {
  AvailabilityOverride,
  DecisionRecord,
  LeadOwnership,
  OutboxMessage,
  OutboxStatus,
  RulesetSummary,
  StreamCheckpoint,
  TimelineEntry,
} from '../../../features/store-port';

export type Row = Record<string, unknown>;

export { decisionFromRow, decisionParams, outboxFromRow, summaryFromRow, poolStateFromRow } from '../row-mapping';

const str = (v: unknown): string => v as string;
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));






export function availabilityFromRow(r: Row): AvailabilityOverride {
  return {
    ownerId: str(r.owner_id),
    available: r.available === true,
    updatedAt: str(r.updated_at),
    updatedBy: strOrNull(r.updated_by),
  };
}

export function ownershipFromRow(r: Row): LeadOwnership {
  return { leadId: str(r.lead_id), ownerId: str(r.owner_id), open: r.open === true, updatedAt: str(r.updated_at) };
}

export function checkpointFromRow(r: Row): StreamCheckpoint {
  return {
    channel: str(r.channel),
    replayId: str(r.replay_id),
    commitTimestamp: strOrNull(r.commit_timestamp),
    updatedAt: str(r.updated_at),
  };
}

export function timelineFromRow(r: Row): TimelineEntry {
  return {
    decisionId: str(r.decision_id),
    step: str(r.step),
    at: str(r.at),
    detail: r.detail === null ? null : (JSON.parse(str(r.detail)) as Record<string, unknown>),
  };
}
