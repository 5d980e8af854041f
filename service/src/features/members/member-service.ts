/**
 * Pool members at run time: availability overrides (out of office) and what each member carries today.
 * An override is per owner, so it applies in every pool of every ruleset where the owner is a member, from the
 * next decision on (the routing transaction reads it).
 */
import { toId18, type CompiledRuleset } from '../../core';
import { BadRequestError, NotFoundError } from '../../http/errors';
import type { CompiledRulesetCache } from '../rulesets/compiled-cache';
import type { Store } from '../store-port';

export interface MemberPoolView {
  ruleset: string;
  rulesetVersion: number;
  poolId: string;
  strategy: string;
  /** Effective availability in this pool: the override when set, else the ruleset's `available` (default true). */
  available: boolean;
  /** The pool's calendar day (its time zone) the count is for. */
  dayKey: string;
  assignedToday: number;
  dailyCap: number | null;
  /** The open leads this pool's maxOpen and least_loaded see: the owner's open leads across all pools. */
  openLeads: number;
  maxOpen: number | null;
}

export interface MemberView {
  ownerId: string;
  /** The run-time override, or null when the rulesets decide. */
  availabilityOverride: boolean | null;
  /** True unless an override or every membership says otherwise. */
  available: boolean;
  /** Open leads of this owner (all pools). */
  openLeads: number;
  pools: MemberPoolView[];
}

export interface MemberServiceOptions {
  store: Store;
  compiled: CompiledRulesetCache;
  now?: () => Date;
}

export function parseOwnerId(raw: string, path = 'ownerId'): string {
  const id = toId18(raw);
  if (id === null) {
    throw new BadRequestError('Invalid owner id', [{ path, message: 'must be a 15 or 18 character Salesforce id' }], 'validation_failed');
  }
  return id;
}

export class MemberService {
  private readonly now: () => Date;

  constructor(private readonly options: MemberServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async setAvailability(rawOwnerId: string, available: boolean | null, by: string | null): Promise<MemberView> {
    const ownerId = parseOwnerId(rawOwnerId);
    const at = this.now().toISOString();
    await this.options.store.transaction((tx) => tx.setAvailability(ownerId, available, at, by));
    return this.view(ownerId);
  }

  async get(rawOwnerId: string): Promise<MemberView> {
    const ownerId = parseOwnerId(rawOwnerId);
    const view = await this.view(ownerId);
    if (view.pools.length === 0 && view.availabilityOverride === null && view.openLeads === 0) {
      throw new NotFoundError(`Owner ${ownerId} is in no pool of an active ruleset and has no leads`, [
        { path: 'ownerId', message: 'unknown member' },
      ], 'member_not_found');
    }
    return view;
  }

  private async activeRulesets(): Promise<CompiledRuleset[]> {
    const { store, compiled } = this.options;
    const out: CompiledRuleset[] = [];
    for (const summary of await store.listRulesets()) {
      if (summary.activeVersion === null) continue;
      const c = await compiled.get(store, summary.name, summary.activeVersion);
      if (c) out.push(c);
    }
    return out;
  }

  private async view(ownerId: string): Promise<MemberView> {
    const { store } = this.options;
    const now = this.now();
    const override = await store.getAvailability(ownerId);
    const open = (await store.openLeadCounts([ownerId])).get(ownerId) ?? 0;
    const pools: MemberPoolView[] = [];
    for (const compiled of await this.activeRulesets()) {
      for (const pool of compiled.ruleset.pools) {
        const member = pool.members.find((m) => m.ownerId === ownerId);
        if (!member) continue;
        const dayKey = compiled.dayKey(pool.id, now);
        const counts = await store.dailyCounts(compiled.name, pool.id, dayKey);
        pools.push({
          ruleset: compiled.name,
          rulesetVersion: compiled.version,
          poolId: pool.id,
          strategy: pool.strategy,
          available: override ? override.available : member.available !== false,
          dayKey,
          assignedToday: counts.find((c) => c.ownerId === ownerId)?.count ?? 0,
          dailyCap: member.dailyCap ?? null,
          openLeads: open,
          maxOpen: member.maxOpen ?? null,
        });
      }
    }
    return {
      ownerId,
      availabilityOverride: override ? override.available : null,
      available: override ? override.available : pools.length === 0 || pools.some((p) => p.available),
      openLeads: open,
      pools,
    };
  }
}
