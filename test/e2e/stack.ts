/**
 * The service (in-process, real SQLite file, real HTTP) wired to the emulator (real REST, real CometD), with
 * a ruleset over seeded users. Used by the pipeline and fault tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Ruleset } from '../../service/src/core';
import type { DecisionRecord } from '../../service/src/features/store-port';
import { startService, type RunningService } from '../../service/src/main';
import { DEFAULT_IDS, to18, type RunningEmulator } from '../emulator/index';
import { emulator, eventually, getRecord } from './helpers';

export const USERS = {
  fr: to18('005000000000011'),
  a: to18('005000000000012'),
  b: to18('005000000000013'),
  c: to18('005000000000014'),
};
/** Well formed, but no such user in the org: Salesforce refuses it (INVALID_CROSS_REFERENCE_KEY). */
export const MISSING_USER = to18('005000000000099');
export const QUEUE = DEFAULT_IDS.leadQueue;

export const SEED = {
  users: [
    { Id: USERS.fr, FirstName: 'Fanny', LastName: 'France', Username: 'fr@example.com', Email: 'fr@example.com', Alias: 'fr' },
    { Id: USERS.a, FirstName: 'Ann', LastName: 'A', Username: 'a@example.com', Email: 'a@example.com', Alias: 'a' },
    { Id: USERS.b, FirstName: 'Ben', LastName: 'B', Username: 'b@example.com', Email: 'b@example.com', Alias: 'b' },
    { Id: USERS.c, FirstName: 'Cy', LastName: 'C', Username: 'c@example.com', Email: 'c@example.com', Alias: 'c' },
  ],
};

export function testRuleset(name = 'default'): Ruleset {
  return {
    name,
    pools: [{ id: 'ae', strategy: 'round_robin', members: [{ ownerId: USERS.a }, { ownerId: USERS.b }, { ownerId: USERS.c }] }],
    rules: [
      { id: 'france', when: { field: 'Country', op: 'in', value: ['FR', 'France'] }, assign: { type: 'user', ownerId: USERS.fr } },
      { id: 'ghost', when: { field: 'Country', op: 'eq', value: 'Atlantis' }, assign: { type: 'user', ownerId: MISSING_USER } },
      { id: 'everyone', assign: { type: 'pool', pool: 'ae' } },
    ],
    default: { type: 'queue', ownerId: QUEUE },
  } as Ruleset;
}

export interface Stack {
  emu: RunningEmulator;
  service: RunningService;
  dbFile: string;
  env: NodeJS.ProcessEnv;
  restart(extraEnv?: Record<string, string>): Promise<RunningService>;
  stopService(): Promise<void>;
  decisionsFor(leadId: string): Promise<DecisionRecord[]>;
  /** Waits until the lead's owner in the emulator is its newest decision's owner; returns that decision. */
  owned(leadId: string, timeoutMs?: number): Promise<DecisionRecord>;
  close(): Promise<void>;
}

export function serviceEnv(emu: RunningEmulator, dbFile: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PORT: '0',
    DATABASE_URL: `sqlite:${dbFile}`,
    ROUTER_API_TOKEN: 'callout-token-0123456789abcdef',
    ROUTER_ADMIN_TOKEN: 'admin-token-0123456789abcdef',
    LOG_LEVEL: 'silent',
    SF_INSTANCE_URL: emu.url,
    SF_CLIENT_ID: emu.clientId,
    SF_CLIENT_SECRET: emu.clientSecret,
    SF_API_VERSION: '62.0',
    OUTBOX_FLUSH_MS: '20',
    OUTBOX_RETRY_BASE_MS: '50',
    OUTBOX_RETRY_MAX_MS: '400',
    OUTBOX_LEASE_MS: '2000',
    ...extra,
  };
}

export async function startStack(opts: { env?: Record<string, string>; emu?: RunningEmulator } = {}): Promise<Stack> {
  const emu = opts.emu ?? (await emulator({ seed: SEED, streaming: { longPollTimeoutMs: 2_000 } }));
  const dir = mkdtempSync(path.join(tmpdir(), 'lr-e2e-'));
  const dbFile = path.join(dir, 'router.db');
  let env = serviceEnv(emu, dbFile, opts.env);
  let service: RunningService | null = await startService({ env });
  await service.features.rulesets.put('default', testRuleset(), { activate: true, createdBy: 'test' });
  await eventually(() => service!.salesforce!.stream.ready, 10_000, 'stream subscribed');
  const stack: Stack = {
    emu,
    get service() {
      return service!;
    },
    dbFile,
    get env() {
      return env;
    },
    async restart(extraEnv = {}) {
      if (service) await service.close();
      env = { ...env, ...extraEnv };
      service = await startService({ env });
      await eventually(() => service!.salesforce!.stream.ready, 10_000, 'stream subscribed after restart');
      return service;
    },
    async stopService() {
      if (service) await service.close();
      service = null;
    },
    async decisionsFor(leadId) {
      return service!.store.listDecisions({ leadId, limit: 100 });
    },
    async owned(leadId, timeoutMs = 10_000) {
      return eventually(
        async () => {
          const [latest] = await service!.store.listDecisions({ leadId, limit: 1 });
          if (!latest) return undefined;
          const rec = await getRecord<{ OwnerId: string }>(emu, 'Lead', leadId);
          return rec.OwnerId === latest.ownerId ? latest : undefined;
        },
        timeoutMs,
        `owner written for ${leadId}`,
      );
    },
    async close() {
      if (service) await service.close();
      service = null;
      if (!opts.emu) await emu.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}
