/**
 * What-if: replays the leads a ruleset decided in the last N days through a draft, without writing anything, and
 * compares with the active version (replay.ts has the rules of the replay). Reads the audit trail (decisions with
 * their recorded lead fields) newest first in pages, keeps at most `limit` decisions (the newest ones when the
 * window holds more: `truncated` says so).
 */
import { compileRuleset, emailOrWebsiteDomain, normalizeWebsiteDomain, type Lead } from '../../core';
import { NotFoundError } from '../../http/errors';
import { lowestIdAt } from '../routing/decision-id';
import type { CompiledRulesetCache } from '../rulesets/compiled-cache';
import type { RulesetService } from '../rulesets/ruleset-service';
import type { Store } from '../store-port';
import type { DecisionRecord } from '../store-port';
import { latestPerLead, replayWhatIf, type RecordedDecision, type WhatIfReport } from './replay';
import { windowStartState } from './start-state';

export const DEFAULT_DAYS = 7;
export const MAX_DAYS = 90;
export const DEFAULT_LIMIT = 10_000;
export const MAX_LIMIT = 100_000;
const PAGE = 1000;
const DAY_MS = 86_400_000;

export interface WhatIfRequest {
  draft: unknown;
  days?: number;
  limit?: number;
}

export interface WhatIfAnswer extends WhatIfReport {
  ruleset: string;
  /** The active version the draft is compared with. */
  currentVersion: number;
  window: { since: string; until: string; days: number };
  /** Decisions read from the audit trail (before keeping the latest per lead). */
  decisionsRead: number;
  /** More decisions were in the window than `limit`: the oldest were left out. */
  truncated: boolean;
  assumptions: string[];
}

export interface WhatIfServiceOptions {
  store: Store;
  compiled: CompiledRulesetCache;
  rulesets: RulesetService;
  now?: () => Date;
}

export const ASSUMPTIONS = [
  'Only the latest decision per lead counts (a rerouted lead is replayed once, with its latest recorded fields).',
  'Leads are replayed in decision order, each at its recorded time.',
  'Both the active version and the draft are replayed from the same state: the state at the window start as rebuilt from the store (weighted currents walked back from the stored ones through the recorded picks; round-robin pointers from the last decision before the window; the first day\'s daily counts minus the window\'s own; open leads of today minus the replayed leads still open), so differences come from the draft alone.',
  'Leads closed since their decision are closed again at their recorded close time; leads opened before the window and closed inside it are taken as already closed (the store keeps no close history).',
  'Run-time availability follows what the recorded decisions saw (members marked unavailable at run time); members no decision saw keep today\'s setting.',
  'accountOwner targets use the account index as it is now.',
  'Nothing is written: no decision, no counter, no owner.',
];

export class WhatIfService {
  private readonly now: () => Date;

  constructor(private readonly options: WhatIfServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async run(name: string, req: WhatIfRequest): Promise<WhatIfAnswer> {
    const { store } = this.options;
    // An unknown ruleset is a 404 whatever the draft; then the draft is validated like a PUT (400 with every
    // problem; the name in the URL wins).
    const version = await store.getActiveVersion(name);
    const current = version === null ? null : await this.options.compiled.get(store, name, version);
    if (version === null || !current) {
      throw new NotFoundError(`No active ruleset named "${name}"`, [{ path: 'name', message: `unknown ruleset ${name}` }], 'ruleset_not_found');
    }
    const draftRuleset = this.options.rulesets.validate(req.draft, name);
    const draft = compileRuleset(draftRuleset, 0);
    const days = req.days ?? DEFAULT_DAYS;
    const limit = req.limit ?? DEFAULT_LIMIT;
    const until = this.now();
    const since = new Date(until.getTime() - days * DAY_MS);

    const decisions: RecordedDecision[] = [];
    const records: DecisionRecord[] = [];
    let beforeId: string | undefined;
    let truncated = false;
    for (;;) {
      const page = await store.listDecisions({
        ruleset: name,
        since: since.toISOString(),
        until: until.toISOString(),
        minId: lowestIdAt(since.getTime()),
        beforeId,
        limit: PAGE,
      });
      for (const d of page) {
        if (decisions.length >= limit) {
          truncated = true;
          break;
        }
        records.push(d);
        decisions.push({ id: d.id, leadId: d.leadId, ownerId: d.ownerId, ruleId: d.ruleId, lead: d.lead, createdAt: d.createdAt, trace: d.trace });
      }
      if (truncated || page.length < PAGE) break;
      beforeId = page[page.length - 1]!.id;
    }

    const domains = new Map<string, string | null>();
    for (const d of decisions) {
      const lead = d.lead as Lead;
      const found = [emailOrWebsiteDomain(lead), typeof lead.Website === 'string' ? normalizeWebsiteDomain(lead.Website) : null];
      for (const domain of found) if (domain && !domains.has(domain)) domains.set(domain, await store.accountOwnerByDomain(domain));
    }

    // With a truncated read the replay starts at the oldest decision kept, so the state is rebuilt for that time.
    const startAt = truncated && records.length > 0 ? new Date(records[records.length - 1]!.createdAt) : since;
    const start = await windowStartState({ store, ruleset: name, window: records, replayed: latestPerLead(decisions), current, draft, since: startAt });
    const report = replayWhatIf({
      decisions,
      current,
      draft,
      accountOwnerByDomain: (d) => domains.get(d) ?? null,
      start: start.snapshot,
      closes: start.closes,
    });
    return {
      ruleset: name,
      currentVersion: version,
      window: { since: since.toISOString(), until: until.toISOString(), days },
      decisionsRead: decisions.length,
      truncated,
      ...report,
      assumptions: ASSUMPTIONS,
    };
  }
}
