/**
 * The emulated org's state: records, tokens, API counter, faults, query cursors, and the seed data that
 * gives it users, a Lead queue and an Organization record.
 */
import type { EmulatorClock } from '../context';
import { ApiLimits } from './api-limits';
import { TokenRegistry } from './auth';
import { FaultInjector } from './faults';
import { isWellFormedId, normaliseId, objectTypeOfId, to18 } from './ids';
import type { SalesforceOptions } from './options';
import { QueryCursors } from './query-cursors';
import { RecordStore, type RecordTransaction, type SfRecord, type WriteActor } from './records';

/** Fixed ids of the default seed, so tests can hold them across resets. */
export const DEFAULT_IDS = {
  integrationUser: to18('005000000000001'),
  adminUser: to18('005000000000002'),
  leadQueue: to18('00G000000000001'),
};

/** platform-facts 2.5: UI/internal changes carry this origin. */
export const UI_CHANGE_ORIGIN = 'com/salesforce/api/soap/58.0;client=SfdcInternalAPI/';

export interface QueueSeed {
  Id?: string;
  Name: string;
  DeveloperName?: string;
  Email?: string;
  /** Objects the queue can own (QueueSobject rows); default ['Lead']. */
  sobjectTypes?: string[];
}

export interface BulkSeed {
  type: string;
  count: number;
  /** Field values; `{n}` in a string is replaced by the 1-based index. */
  fields: Record<string, unknown>;
}

export interface SeedData {
  users?: Record<string, unknown>[];
  queues?: QueueSeed[];
  accounts?: Record<string, unknown>[];
  contacts?: Record<string, unknown>[];
  leads?: Record<string, unknown>[];
  bulk?: BulkSeed[];
}

export interface SeedResult {
  users: string[];
  queues: string[];
  accounts: string[];
  contacts: string[];
  leads: string[];
  bulk: string[];
}

function pick<T>(data: Record<string, unknown>, key: string): T | undefined {
  const found = Object.keys(data).find((k) => k.toLowerCase() === key);
  return found ? (data[found] as T) : undefined;
}

/** Reads seed data with either capitalisation (`Users` or `users`, as EMULATOR_SEED files may use). */
export function normaliseSeed(raw: unknown): SeedData {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('seed data must be a JSON object');
  const data = raw as Record<string, unknown>;
  const list = <T>(key: string): T[] | undefined => {
    const v = pick<unknown>(data, key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw new Error(`seed.${key} must be an array`);
    return v as T[];
  };
  return { users: list('users'), queues: list('queues'), accounts: list('accounts'), contacts: list('contacts'), leads: list('leads'), bulk: list('bulk') };
}

export class SalesforceOrg {
  readonly records: RecordStore;
  readonly auth: TokenRegistry;
  readonly limits: ApiLimits;
  readonly faults = new FaultInjector();
  readonly cursors = new QueryCursors();

  private readonly initialOptions: SalesforceOptions;

  constructor(
    readonly clock: EmulatorClock,
    readonly options: SalesforceOptions,
  ) {
    this.initialOptions = structuredClone(options);
    this.records = new RecordStore({ clock, mergeSameChanges: options.mergeSameChanges });
    this.auth = new TokenRegistry({ clock, orgId: options.orgId, tokenLifetimeMs: options.tokenLifetimeMs });
    this.limits = new ApiLimits(clock, options.dailyApiLimit);
    this.reset();
  }

  get orgId(): string {
    return this.options.orgId;
  }

  /** The integration user: run-as user of client credentials and owner of the fixed access token. */
  get integrationUserId(): string {
    return DEFAULT_IDS.integrationUser;
  }

  /** The user the control surface's UI-like writes run as. */
  get uiUserId(): string {
    return DEFAULT_IDS.adminUser;
  }

  seedActor(): WriteActor {
    return { userId: this.uiUserId, changeOrigin: '' };
  }

  uiActor(userId?: string): WriteActor {
    return { userId: userId ?? this.uiUserId, changeOrigin: UI_CHANGE_ORIGIN };
  }

  /** Back to the starting state: records, tokens, counter, faults, cursors and options changed at run time. */
  reset(): void {
    Object.assign(this.options, structuredClone(this.initialOptions));
    this.records.mergeSameChanges = this.options.mergeSameChanges;
    this.auth.tokenLifetimeMs = this.options.tokenLifetimeMs;
    this.records.reset();
    this.auth.reset();
    this.limits.max = this.options.dailyApiLimit;
    this.limits.reset();
    this.faults.clear();
    this.cursors.clear();
    this.auth.issue(this.integrationUserId, this.options.accessToken);
    if (this.options.defaultSeed) this.seedDefaults();
  }

  private seedDefaults(): void {
    this.records.transaction(this.seedActor(), (tx) => {
      tx.create('Organization', { Name: 'Lead Router Emulator', Country: 'US', OrganizationType: 'Developer Edition', InstanceName: 'EMU1', IsSandbox: false, NamespacePrefix: null, DefaultLeadAccess: 'ReadEditTransfer' }, { id: this.orgId.length === 18 ? this.orgId : to18(this.orgId) });
      const user = (Id: string, FirstName: string, LastName: string, Username: string) =>
        tx.create('User', { FirstName, LastName, Username, Email: Username, Alias: LastName.slice(0, 8).toLowerCase(), IsActive: true, UserType: 'Standard', TimeZoneSidKey: 'GMT', LocaleSidKey: 'en_US', LanguageLocaleKey: 'en_US', EmailEncodingKey: 'UTF-8' }, { id: Id });
      user(DEFAULT_IDS.integrationUser, 'Integration', 'User', 'integration@lead-router.emulator');
      user(DEFAULT_IDS.adminUser, 'Admin', 'User', 'admin@lead-router.emulator');
      this.createQueue(tx, { Id: DEFAULT_IDS.leadQueue, Name: 'Lead Inbox', DeveloperName: 'Lead_Inbox', sobjectTypes: ['Lead'] });
    });
  }

  createQueue(tx: RecordTransaction, q: QueueSeed): SfRecord {
    if (!q || typeof q.Name !== 'string') throw new Error('a queue needs a Name');
    const id = q.Id ? this.checkSeedId(q.Id, 'Group') : undefined;
    const group = tx.create('Group', { Name: q.Name, DeveloperName: q.DeveloperName ?? q.Name.replace(/[^A-Za-z0-9]+/g, '_'), Type: 'Queue', Email: q.Email ?? null }, { id });
    for (const type of q.sobjectTypes ?? ['Lead']) tx.create('QueueSobject', { QueueId: group.Id, SobjectType: type });
    return group;
  }

  private checkSeedId(id: string, type: string): string {
    const n = normaliseId(id);
    if (!n || objectTypeOfId(n) !== type) throw new Error(`seed id ${id} is not a ${type} id`);
    if (this.records.findById(n)) throw new Error(`seed id ${id} already exists`);
    return n;
  }

  /** Loads seed data in one transaction (users, queues, accounts, contacts, leads, then bulk rows). */
  seed(data: SeedData, validate: (type: string, fields: Record<string, unknown>) => Record<string, unknown>): SeedResult {
    const result: SeedResult = { users: [], queues: [], accounts: [], contacts: [], leads: [], bulk: [] };
    this.records.transaction(this.seedActor(), (tx) => {
      const add = (type: string, rows: Record<string, unknown>[] | undefined, out: string[]) => {
        for (const row of rows ?? []) {
          if (!row || typeof row !== 'object') throw new Error(`each ${type} must be an object`);
          const { Id, attributes: _a, ...rest } = row as Record<string, unknown>;
          // Seed files may name an owner by queue DeveloperName or Username instead of an id.
          if (typeof rest.OwnerId === 'string' && !isWellFormedId(rest.OwnerId)) rest.OwnerId = this.resolveOwner(rest.OwnerId) ?? rest.OwnerId;
          const fields = validate(type, type === 'User' ? { IsActive: true, TimeZoneSidKey: 'GMT', LocaleSidKey: 'en_US', LanguageLocaleKey: 'en_US', EmailEncodingKey: 'UTF-8', ...rest } : rest);
          out.push(tx.create(type, fields, { id: typeof Id === 'string' ? this.checkSeedId(Id, type) : undefined }).Id);
        }
      };
      add('User', data.users, result.users);
      for (const q of data.queues ?? []) result.queues.push(this.createQueue(tx, q).Id);
      add('Account', data.accounts, result.accounts);
      add('Contact', data.contacts, result.contacts);
      add('Lead', data.leads, result.leads);
      for (const b of data.bulk ?? []) {
        if (!b || typeof b.type !== 'string' || !Number.isInteger(b.count) || b.count < 0 || b.count > 100_000) {
          throw new Error('bulk entries need {type, count (0..100000), fields}');
        }
        for (let n = 1; n <= b.count; n++) {
          const fields: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(b.fields ?? {})) fields[k] = typeof v === 'string' ? v.replace(/\{n\}/g, String(n)) : v;
          if (typeof fields.OwnerId === 'string' && !isWellFormedId(fields.OwnerId)) fields.OwnerId = this.resolveOwner(fields.OwnerId) ?? fields.OwnerId;
          result.bulk.push(tx.create(b.type, validate(b.type, fields)).Id);
        }
      }
    });
    return result;
  }

  userByUsername(username: string): SfRecord | undefined {
    return this.records.list('User').find((u) => String(u.Username).toLowerCase() === username.toLowerCase());
  }

  queueByDeveloperName(name: string): SfRecord | undefined {
    return this.records.list('Group').find((g) => g.Type === 'Queue' && (g.DeveloperName === name || g.Name === name));
  }

  /** Whether a Group id is a queue that supports the given object (a QueueSobject row exists). */
  queueSupports(groupId: string, sobjectType: string): boolean {
    const group = this.records.get('Group', groupId);
    if (!group || group.Type !== 'Queue') return false;
    return this.records.list('QueueSobject').some((qs) => qs.QueueId === group.Id && qs.SobjectType === sobjectType);
  }

  /** Resolves the assignment rule's target (an id, a queue DeveloperName or a Username) to an owner id. */
  resolveOwner(spec: string): string | undefined {
    if (isWellFormedId(spec)) return normaliseId(spec);
    return this.queueByDeveloperName(spec)?.Id ?? this.userByUsername(spec)?.Id;
  }
}
