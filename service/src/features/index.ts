/**
 * The features wired to one store: what main.ts, the CLI and tests build. No HTTP server here; `mount` adds the
 * feature routes to a router given by the HTTP platform.
 */
import type { Router } from 'express';
import type { AuthGuards } from '../http/auth';
import type { Metrics } from '../http/metrics';
import { auditRouter } from './audit/audit-controller';
import { AuditService } from './audit/audit-service';
import { membersRouter } from './members/member-controller';
import { MemberService } from './members/member-service';
import { routingRouter } from './routing/routing-controller';
import { RoutingService } from './routing/routing-service';
import { CompiledRulesetCache } from './rulesets/compiled-cache';
import { rulesetsRouter } from './rulesets/ruleset-controller';
import { RulesetService } from './rulesets/ruleset-service';
import type { Store } from './store-port';
import { WhatIfService, whatIfRouter } from './what-if'; // issue 9: what-if replay

export interface FeatureOptions {
  store: Store;
  defaultRuleset: string;
  metrics?: Pick<Metrics, 'decisionsTotal' | 'decisionLatency'>;
  now?: () => Date;
}

export interface Features {
  store: Store;
  compiled: CompiledRulesetCache;
  routing: RoutingService;
  rulesets: RulesetService;
  members: MemberService;
  audit: AuditService;
  /** What-if replay of recent decisions through a draft (issue 9). */
  whatIf: WhatIfService;
  mount(router: Router, auth: AuthGuards): void;
}

export function createFeatures(options: FeatureOptions): Features {
  const { store, now } = options;
  const compiled = new CompiledRulesetCache();
  const routing = new RoutingService({ store, compiled, defaultRuleset: options.defaultRuleset, metrics: options.metrics, now });
  const rulesets = new RulesetService({ store, compiled, now });
  const members = new MemberService({ store, compiled, now });
  const audit = new AuditService(store);
  const whatIf = new WhatIfService({ store, compiled, rulesets, now });
  return {
    store,
    compiled,
    routing,
    rulesets,
    members,
    audit,
    whatIf,
    mount(router, auth) {
      // Straight onto the given router, not as sub-routers: each router level costs every request a dispatch
      // (POST /v1/route is the first route tried).
      routingRouter(routing, auth, router);
      rulesetsRouter(rulesets, auth, router);
      membersRouter(members, auth, router);
      auditRouter(audit, auth, router);
      whatIfRouter(whatIf, auth, router);
    },
  };
}

export type { RoutingService, RouteRequest, RouteOutcome, BatchOutcome, CommitHook, CommitContext } from './routing/routing-service';
export type { RulesetService } from './rulesets/ruleset-service';
export type { MemberService } from './members/member-service';
export type { AuditService } from './audit/audit-service';
export type * from './store-port';
