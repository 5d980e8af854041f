/**
 * The audit trail: decisions newest first with filters and an opaque cursor, and one decision with its trace and
 * timeline. Paging is keyset on the decision id (ids sort by time), so a page costs the same at any depth.
 */
import { toId18 } from '../../core';
import { BadRequestError, NotFoundError } from '../../http/errors';
import { DECISION_ID_PATTERN, lowestIdAt } from '../routing/decision-id';
import type { DecisionRecord, Store, TimelineEntry } from '../store-port';

export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;

export interface DecisionQuery {
  leadId?: string;
  ownerId?: string;
  ruleset?: string;
  ruleId?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}

/** A decision in a list: everything but the trace and the lead's fields. */
export interface DecisionSummary {
  decisionId: string;
  leadId: string;
  ownerId: string;
  ownerType: 'User' | 'Queue';
  ruleId: string | null;
  poolId: string | null;
  ruleset: string;
  rulesetVersion: number;
  reason: string;
  source: string;
  previousOwnerId: string | null;
  createdAt: string;
}

export interface DecisionDetail extends DecisionSummary {
  trace: DecisionRecord['trace'];
  lead: Record<string, unknown>;
  timeline: Array<{ step: string; at: string; detail: Record<string, unknown> | null }>;
}

export interface DecisionPage {
  items: DecisionSummary[];
  nextCursor: string | null;
}

const CURSOR_PREFIX = 'd1.';

export function encodeCursor(id: string): string {
  return Buffer.from(CURSOR_PREFIX + id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]{1,100}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const id = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : '';
  if (!DECISION_ID_PATTERN.test(id)) {
    throw new BadRequestError('Invalid cursor', [{ path: 'cursor', message: 'not a cursor returned by this API' }], 'validation_failed');
  }
  return id;
}

export function summaryOf(d: DecisionRecord): DecisionSummary {
  return {
    decisionId: d.id,
    leadId: d.leadId,
    ownerId: d.ownerId,
    ownerType: d.ownerType,
    ruleId: d.ruleId,
    poolId: d.poolId,
    ruleset: d.ruleset,
    rulesetVersion: d.rulesetVersion,
    reason: d.reason,
    source: d.source,
    previousOwnerId: d.previousOwnerId,
    createdAt: d.createdAt,
  };
}

function idParam(value: string | undefined, path: string): string | undefined {
  if (value === undefined) return undefined;
  const id = toId18(value);
  if (id === null) throw new BadRequestError('Invalid query parameters', [{ path, message: 'must be a 15 or 18 character Salesforce id' }], 'validation_failed');
  return id;
}

function timeParam(value: string | undefined, path: string): Date | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
    throw new BadRequestError('Invalid query parameters', [{ path, message: 'must be an ISO-8601 date or date-time' }], 'validation_failed');
  }
  return new Date(ms);
}

export class AuditService {
  constructor(private readonly store: Store) {}

  async list(q: DecisionQuery): Promise<DecisionPage> {
    const limit = q.limit ?? DEFAULT_PAGE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new BadRequestError('Invalid query parameters', [{ path: 'limit', message: `must be an integer from 1 to ${MAX_PAGE}` }], 'validation_failed');
    }
    const since = timeParam(q.since, 'since');
    const until = timeParam(q.until, 'until');
    if (since && until && since > until) {
      throw new BadRequestError('Invalid query parameters', [{ path: 'since', message: 'must not be after until' }], 'validation_failed');
    }
    // Id bounds from the times let the newest-first scan start and stop at the right place.
    let beforeId = q.cursor !== undefined ? decodeCursor(q.cursor) : undefined;
    if (until) {
      const bound = lowestIdAt(until.getTime() + 1);
      if (beforeId === undefined || bound < beforeId) beforeId = bound;
    }
    const rows = await this.store.listDecisions({
      leadId: idParam(q.leadId, 'leadId'),
      ownerId: idParam(q.ownerId, 'ownerId'),
      ruleset: q.ruleset,
      ruleId: q.ruleId,
      since: since?.toISOString(),
      until: until?.toISOString(),
      minId: since ? lowestIdAt(since.getTime()) : undefined,
      beforeId,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return {
      items: page.map(summaryOf),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
    };
  }

  async get(id: string): Promise<DecisionDetail> {
    const decision = DECISION_ID_PATTERN.test(id) ? await this.store.getDecision(id) : null;
    if (!decision) {
      throw new NotFoundError(`No decision ${id.slice(0, 40)}`, [{ path: 'decisionId', message: 'not found' }], 'decision_not_found');
    }
    const timeline: TimelineEntry[] = await this.store.getTimeline(id);
    return {
      ...summaryOf(decision),
      trace: decision.trace,
      lead: decision.lead,
      timeline: timeline.map((t) => ({ step: t.step, at: t.at, detail: t.detail })),
    };
  }
}
