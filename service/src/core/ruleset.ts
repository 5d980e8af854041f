/**
 * Ruleset format v1 (shared/contract/ruleset.md): TypeScript shapes and the zod schemas of each node.
 *
 * The recursive parts (condition trees and accountOwner `else` chains) are not one recursive zod schema: a 1 MiB
 * body can nest 100,000 levels deep and a recursive parser would overflow the stack. validate.ts walks those trees
 * itself with an explicit depth bound and checks each node against the per-node schemas below, so every error
 * still gets an exact path. Every object schema is `.strict()`: an unknown key (a typo, `__proto__`,
 * `constructor`) is an error at every level.
 */
import { z } from 'zod';

export const RULESET_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** A Salesforce field API name: starts with a letter, letters/digits/underscores (custom fields end in __c). */
export const FIELD_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;
export const ID_PATTERN = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;
export const MAX_RULES = 1000;
export const MAX_CONDITION_DEPTH = 32;
/** accountOwner `else` chains nest; bounded like conditions so a hostile body cannot exhaust the stack. */
export const MAX_TARGET_DEPTH = 8;
export const MAX_REGEX_LENGTH = 256;
export const MAX_IN_VALUES = 10_000;
export const MAX_STRING_VALUE = 1000;

export const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type DayName = (typeof DAY_NAMES)[number];

export const STRATEGIES = ['round_robin', 'weighted', 'least_loaded'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Scalar a comparison constant may be. */
export type Scalar = string | number | boolean;

export type Operator =
  | 'eq' | 'neq' | 'in' | 'notIn' | 'contains' | 'startsWith' | 'endsWith'
  | 'gt' | 'gte' | 'lt' | 'lte' | 'between' | 'isBlank' | 'isNotBlank' | 'matches';

export type LeafCondition =
  | { field: string; op: 'eq' | 'neq'; value: Scalar }
  | { field: string; op: 'in' | 'notIn'; value: Scalar[] }
  | { field: string; op: 'contains' | 'startsWith' | 'endsWith'; value: string | number }
  | { field: string; op: 'gt' | 'gte' | 'lt' | 'lte'; value: number | string }
  | { field: string; op: 'between'; value: [number | string, number | string] }
  | { field: string; op: 'isBlank' | 'isNotBlank' }
  | { field: string; op: 'matches'; value: string };

export type Condition =
  | LeafCondition
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

export interface FixedOwnerTarget {
  type: 'user' | 'queue';
  ownerId: string;
}
export interface PoolTarget {
  type: 'pool';
  pool: string;
  skillField?: string;
}
export interface AccountOwnerTarget {
  type: 'accountOwner';
  else: Target;
}
export type Target = FixedOwnerTarget | PoolTarget | AccountOwnerTarget;

export interface WorkingHours {
  days: DayName[];
  start: string;
  end: string;
}

/**
 * Where assignment notifications go (issue 7), on the ruleset and on a pool (a pool's settings win over the
 * ruleset's for leads assigned through that pool). Each unset channel falls back: Slack to the service's
 * SLACK_WEBHOOK_URL, e-mail and the generic webhook to nothing.
 */
export interface NotifySettings {
  slackWebhookUrl?: string;
  email?: string[];
  webhookUrl?: string;
}

export const SLA_BREACH_ACTIONS = ['remind', 'reassign', 'escalate'] as const;
export type SlaBreachAction = (typeof SLA_BREACH_ACTIONS)[number];

/**
 * First-touch deadline (issue 7), on the ruleset and on a pool (the pool's wins). Counted in the pool's working
 * hours when the pool has them. `touchFields`: fields whose change by the owner counts as a touch (default Status).
 */
export interface SlaSettings {
  firstTouchMinutes: number;
  onBreach: SlaBreachAction;
  escalateTo?: FixedOwnerTarget;
  touchFields?: string[];
}

export interface PoolMember {
  ownerId: string;
  weight?: number;
  dailyCap?: number;
  maxOpen?: number;
  skills?: string[];
  available?: boolean;
}

export interface Pool {
  id: string;
  strategy: Strategy;
  members: PoolMember[];
  timezone?: string;
  workingHours?: WorkingHours;
  overflow?: FixedOwnerTarget;
  notify?: NotifySettings;
  sla?: SlaSettings;
}

export interface Rule {
  id: string;
  name?: string;
  active?: boolean;
  when?: Condition;
  assign: Target;
}

export interface Ruleset {
  name: string;
  description?: string;
  /** Optional in the document; always present (possibly empty) in a validated ruleset. */
  pools: Pool[];
  rules: Rule[];
  default: FixedOwnerTarget;
  notify?: NotifySettings;
  sla?: SlaSettings;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-node zod schemas. `when`, `assign` are checked by the walker in validate.ts (hence z.unknown() here).

const idString = z.string().regex(ID_PATTERN, 'must be a 15 or 18 character Salesforce id');
const entityId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be letters, digits, "_", "-" or "." (starting with a letter or digit)');
const fieldName = z.string().regex(FIELD_NAME_PATTERN, 'must be a Salesforce field API name');
const hhmm = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (00:00 to 24:00)');
const numericConstant = z.union([z.number().finite(), z.string().regex(/^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/, 'must be a number')]);
const scalar = z.union([z.string().max(MAX_STRING_VALUE), z.number().finite(), z.boolean()]);

export const fixedOwnerTargetSchema = z
  .object({ type: z.enum(['user', 'queue']), ownerId: idString })
  .strict();

export const poolTargetSchema = z
  .object({ type: z.literal('pool'), pool: entityId, skillField: fieldName.optional() })
  .strict();

/** `else` is walked separately (it is itself a target). */
export const accountOwnerTargetShape = z.object({ type: z.literal('accountOwner'), else: z.unknown() }).strict();

export const TARGET_TYPES = ['user', 'queue', 'pool', 'accountOwner'] as const;

export const leafSchema = z.discriminatedUnion('op', [
  z.object({ field: fieldName, op: z.enum(['eq', 'neq']), value: scalar }).strict(),
  z.object({ field: fieldName, op: z.enum(['in', 'notIn']), value: z.array(scalar).min(1).max(MAX_IN_VALUES) }).strict(),
  z
    .object({
      field: fieldName,
      op: z.enum(['contains', 'startsWith', 'endsWith']),
      value: z.union([z.string().min(1).max(MAX_STRING_VALUE), z.number().finite()]),
    })
    .strict(),
  z.object({ field: fieldName, op: z.enum(['gt', 'gte', 'lt', 'lte']), value: numericConstant }).strict(),
  z.object({ field: fieldName, op: z.literal('between'), value: z.tuple([numericConstant, numericConstant]) }).strict(),
  z.object({ field: fieldName, op: z.enum(['isBlank', 'isNotBlank']) }).strict(),
  z.object({ field: fieldName, op: z.literal('matches'), value: z.string().min(1).max(MAX_REGEX_LENGTH) }).strict(),
]);

export const allShape = z.object({ all: z.array(z.unknown()).min(1) }).strict();
export const anyShape = z.object({ any: z.array(z.unknown()).min(1) }).strict();
export const notShape = z.object({ not: z.unknown() }).strict();

export const workingHoursSchema = z
  .object({
    days: z.array(z.enum(DAY_NAMES)).min(1).max(7),
    start: hhmm,
    end: hhmm,
  })
  .strict();

export const poolMemberSchema = z
  .object({
    ownerId: idString,
    weight: z.number().int().min(1).max(1_000_000).optional(),
    dailyCap: z.number().int().min(0).optional(),
    maxOpen: z.number().int().min(0).optional(),
    skills: z.array(z.string().trim().min(1).max(255)).max(1000).optional(),
    available: z.boolean().optional(),
  })
  .strict();

const httpUrl = z
  .string()
  .max(2048)
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'https:' || u.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

export const notifySchema = z
  .object({
    slackWebhookUrl: httpUrl.optional(),
    email: z.array(z.string().max(254).regex(/^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/, 'must be an e-mail address')).min(1).max(50).optional(),
    webhookUrl: httpUrl.optional(),
  })
  .strict();

/** `escalateTo` is checked by the walker (a fixed owner target). */
export const slaSchema = z
  .object({
    firstTouchMinutes: z.number().int().min(1).max(60 * 24 * 30),
    onBreach: z.enum(SLA_BREACH_ACTIONS),
    escalateTo: z.unknown().optional(),
    touchFields: z.array(fieldName).min(1).max(20).optional(),
  })
  .strict();

export const poolSchema = z
  .object({
    id: entityId,
    strategy: z.enum(STRATEGIES),
    members: z.array(poolMemberSchema).min(1).max(10_000),
    timezone: z.string().min(1).max(64).optional(),
    workingHours: workingHoursSchema.optional(),
    overflow: z.unknown().optional(),
    notify: notifySchema.optional(),
    sla: slaSchema.optional(),
  })
  .strict();

export const ruleSchema = z
  .object({
    id: entityId,
    name: z.string().max(255).optional(),
    active: z.boolean().optional(),
    when: z.unknown().optional(),
    assign: z.unknown(),
  })
  .strict();

export const rulesetShape = z
  .object({
    name: z.string().regex(RULESET_NAME_PATTERN, 'must match [a-z0-9][a-z0-9_-]{0,63}'),
    description: z.string().max(10_000).optional(),
    pools: z.array(poolSchema).max(1000).optional(),
    rules: z.array(ruleSchema).max(MAX_RULES, `at most ${MAX_RULES} rules`),
    default: z.unknown(),
    notify: notifySchema.optional(),
    sla: slaSchema.optional(),
  })
  .strict();
