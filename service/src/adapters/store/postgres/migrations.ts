/**
 * PostgreSQL schema, as numbered migrations: the same tables, keys and indexes as the SQLite store
 * (adapters/store/sqlite/migrations.ts), so both stores answer the port identically. Applied in order at open,
 * each in its own transaction, recorded in schema_migrations, all under an advisory lock (see migrate.ts) so
 * several replicas starting at once migrate once. A released migration is never edited, only followed.
 *
 * Types mirror SQLite on purpose: times are ISO-8601 UTC TEXT (lexical order = time order, exact round trip of
 * what the port hands in), JSON is TEXT (a lead field may hold any string, and jsonb refuses \u0000). Every text
 * column that is ordered or compared by range (ids, times) is COLLATE "C": byte order, which is time order for
 * ISO times and ULID-like ids, whatever the database's default collation.
 */
export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

export const POSTGRES_MIGRATIONS: PgMigration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE rulesets (
  name           TEXT PRIMARY KEY,
  active_version INTEGER,
  latest_version INTEGER NOT NULL,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);

-- Immutable: rows are only ever inserted.
CREATE TABLE ruleset_versions (
  name       TEXT NOT NULL REFERENCES rulesets(name),
  version    INTEGER NOT NULL,
  body       TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  PRIMARY KEY (name, version)
);

-- Keyed by ruleset name and pool id, not version: a new version keeps the pointer (ruleset.md, round_robin).
CREATE TABLE pool_state (
  ruleset       TEXT NOT NULL,
  pool_id       TEXT NOT NULL,
  last_owner_id TEXT,
  currents      TEXT NOT NULL DEFAULT '{}',
  updated_at    TEXT NOT NULL,
  PRIMARY KEY (ruleset, pool_id)
);

CREATE TABLE daily_counts (
  ruleset  TEXT NOT NULL,
  pool_id  TEXT NOT NULL,
  day_key  TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  count    INTEGER NOT NULL,
  PRIMARY KEY (ruleset, pool_id, day_key, owner_id)
);

CREATE TABLE lead_owners (
  lead_id    TEXT PRIMARY KEY,
  owner_id   TEXT NOT NULL,
  open       BOOLEAN NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE owner_open_counts (
  owner_id   TEXT PRIMARY KEY,
  open_count INTEGER NOT NULL
);

CREATE TABLE member_availability (
  owner_id   TEXT PRIMARY KEY,
  available  BOOLEAN NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT
);

CREATE TABLE decisions (
  id                TEXT COLLATE "C" PRIMARY KEY,
  lead_id           TEXT NOT NULL,
  ruleset           TEXT NOT NULL,
  ruleset_version   INTEGER NOT NULL,
  owner_id          TEXT NOT NULL,
  owner_type        TEXT NOT NULL,
  rule_id           TEXT,
  pool_id           TEXT,
  reason            TEXT NOT NULL,
  trace             TEXT NOT NULL,
  lead              TEXT NOT NULL,
  source            TEXT NOT NULL,
  previous_owner_id TEXT,
  created_at        TEXT COLLATE "C" NOT NULL
);
-- Idempotency lookup (lead, ruleset, version -> newest) and the leadId filter.
CREATE INDEX decisions_by_lead ON decisions (lead_id, ruleset, ruleset_version, id);
-- The other filters of GET /v1/decisions, each newest-first by id (ids sort by time).
CREATE INDEX decisions_by_owner ON decisions (owner_id, id);
CREATE INDEX decisions_by_ruleset ON decisions (ruleset, id);
CREATE INDEX decisions_by_rule ON decisions (rule_id, id);

CREATE TABLE decision_timeline (
  seq         BIGSERIAL PRIMARY KEY,
  decision_id TEXT NOT NULL,
  step        TEXT NOT NULL,
  at          TEXT COLLATE "C" NOT NULL,
  detail      TEXT
);
CREATE INDEX decision_timeline_by_decision ON decision_timeline (decision_id, at);

CREATE TABLE outbox (
  id              BIGSERIAL PRIMARY KEY,
  kind            TEXT NOT NULL,
  key             TEXT NOT NULL,
  payload         TEXT NOT NULL,
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','done','failed','dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT COLLATE "C" NOT NULL,
  last_error      TEXT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  claimed_by      TEXT,
  claimed_until   TEXT COLLATE "C"
);
-- Partial: only pending rows are ever claimed, so the index stays small however long the history.
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_by_key ON outbox (kind, key);

CREATE TABLE stream_checkpoints (
  channel          TEXT PRIMARY KEY,
  replay_id        TEXT NOT NULL,
  commit_timestamp TEXT,
  updated_at       TEXT NOT NULL
);

CREATE TABLE account_domains (
  domain     TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  owner_id   TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX account_domains_by_account ON account_domains (account_id);
`,
  },
  {
    version: 2,
    name: 'pool_state_last_index',
    // round_robin keeps the list position of the last-assigned member, so the turn survives that member's removal
    // from the pool across restarts (core/types.ts PoolState.lastIndex).
    sql: `ALTER TABLE pool_state ADD COLUMN last_index INTEGER;`,
  },
  {
    version: 3,
    name: 'crm_sync',
    sql: `
-- Issue 6: a HubSpot contact and, when the person is in Salesforce, its Lead; what each side's owner was last
-- seen as, when a person last changed it, and the router's answer.
CREATE TABLE crm_links (
  contact_id      TEXT PRIMARY KEY,
  lead_id         TEXT,
  routing_lead_id TEXT NOT NULL,
  email           TEXT,
  sf_owner_id     TEXT,
  sf_changed_at   TEXT,
  hs_owner_id     TEXT,
  hs_changed_at   TEXT,
  owner_id        TEXT,
  decision_id     TEXT,
  updated_at      TEXT NOT NULL
);
CREATE INDEX crm_links_by_lead ON crm_links (lead_id);

-- The sync's audit trail: every override, conflict and its resolution (GET /v1/crm-sync/events).
CREATE TABLE crm_sync_events (
  id          TEXT COLLATE "C" PRIMARY KEY,
  at          TEXT NOT NULL,
  kind        TEXT NOT NULL,
  contact_id  TEXT,
  lead_id     TEXT,
  decision_id TEXT,
  detail      TEXT NOT NULL
);
CREATE INDEX crm_sync_events_by_contact ON crm_sync_events (contact_id, id);
CREATE INDEX crm_sync_events_by_lead ON crm_sync_events (lead_id, id);
CREATE INDEX crm_sync_events_by_kind ON crm_sync_events (kind, id);

-- Deliveries seen (webhook dedupe keys): a key is recorded once, in the transaction that queues its work.
CREATE TABLE inbox_keys (
  kind       TEXT NOT NULL,
  key        TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (kind, key)
);
`,
  },
  {
    version: 6,
    name: 'timeline_step_once',
    // As on SQLite (its key is (decision_id, at, step)): the same step at the same instant is one entry, and a repeat
    // replaces its detail (a redelivered event, a retried write). Versions 4 and 5 are SQLite's own.
    sql: `
DELETE FROM decision_timeline a USING decision_timeline b
 WHERE a.decision_id = b.decision_id AND a.at = b.at AND a.step = b.step AND a.seq < b.seq;
CREATE UNIQUE INDEX decision_timeline_step_once ON decision_timeline (decision_id, at, step);
`,
  },
];
