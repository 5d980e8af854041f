/**
 * Advisory lock keys. PostgreSQL keeps the two-int key space (`pg_advisory_xact_lock(int, int)`) apart from the
 * bigint one, so the first int names what is locked and the second is `hashtext(key)`; a hash collision only
 * makes two unrelated things wait for each other, never breaks exactness.
 *
 * Why advisory locks and not `SELECT ... FOR UPDATE`: a pool's first decision, a lead's first decision and a
 * member's first open lead have no row yet to lock. The locks are transaction-scoped (released at COMMIT or
 * ROLLBACK) and re-entrant within a transaction.
 */
export const LOCK_SPACE = {
  /** Migrations of one schema (session lock on a dedicated connection). */
  migrations: 0x4c520001,
  /** One lead: the idempotency lookup and its ownership move (lead id). */
  lead: 0x4c520002,
  /** One pool's state: round-robin pointer, smooth-weight currents, daily counts (`ruleset/poolId`). */
  pool: 0x4c520003,
  /** One member's open-lead count as read by a decision (maxOpen, least_loaded) (owner id). */
  owner: 0x4c520004,
} as const;

/**
 * Locks many keys in one statement, in a fixed order (space, then hash) whatever order the caller lists them in:
 * two transactions that need overlapping sets then never wait for each other in a cycle. The ORDER BY sits in a
 * fenced subquery (OFFSET 0) so the rows reach the lock function sorted.
 */
export const LOCK_MANY_SQL = `SELECT pg_advisory_xact_lock(k.space, k.h) FROM (
  SELECT DISTINCT t.space, hashtext(t.key) AS h FROM unnest($1::int[], $2::text[]) AS t(space, key)
  ORDER BY 1, 2 OFFSET 0) AS k`;

export const LOCK_ONE_SQL = 'SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))';

export const poolLockKey = (ruleset: string, poolId: string): string => `${ruleset}/${poolId}`;
