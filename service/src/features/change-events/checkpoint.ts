/**
 * The CDC replay checkpoint advances only after an event's effects are committed, and where the event leads to a
 * decision, in the SAME transaction: the routing service runs this commit hook inside the decision's
 * transaction, and the event being handled is found through AsyncLocalStorage (the hook has no other way to
 * know which event it belongs to, and events of different channels may be handled concurrently).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CommitHook } from '../routing/routing-service';
import type { StoreTx } from '../store-port';

export interface CheckpointScope {
  channel: string;
  replayId: number;
  commitTimestamp: number | null;
  /** Set once the checkpoint row was written in some transaction of this event. */
  written: boolean;
}

const scopes = new AsyncLocalStorage<CheckpointScope>();

/** Runs `fn` so that a decision committed inside it also stores `scope`'s checkpoint. */
export function withCheckpoint<T>(scope: CheckpointScope | null, fn: () => Promise<T>): Promise<T> {
  return scope ? scopes.run(scope, fn) : scopes.exit(fn);
}

export async function writeCheckpoint(tx: StoreTx, scope: CheckpointScope, at: string): Promise<void> {
  await tx.setCheckpoint(
    {
      channel: scope.channel,
      replayId: String(scope.replayId),
      commitTimestamp: scope.commitTimestamp === null ? null : new Date(scope.commitTimestamp).toISOString(),
    },
    at,
  );
  scope.written = true;
}

export function checkpointHook(): CommitHook {
  return async (tx, _decision, ctx) => {
    const scope = scopes.getStore();
    if (!scope || scope.written) return;
    await writeCheckpoint(tx, scope, ctx.now.toISOString());
  };
}
