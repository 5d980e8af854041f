/** The crm-sync store methods (migration 3) on SQLite and PostgreSQL: links, audit events, inbox keys. */
import { STORE_FACTORIES, type StoreHandle } from '../store-contract/factories';
import type { CrmLink, CrmSyncEvent } from '../../service/src/features/store-port';

const AT = '2026-11-27T03:00:00.000Z';

const link = (over: Partial<CrmLink> = {}): CrmLink => ({
  contactId: '101',
  leadId: '00Q000000000001EAA',
  routingLeadId: '00Q000000000001EAA',
  email: 'ann@example.com',
  sfOwnerId: '005000000000012AAA',
  sfChangedAt: null,
  hsOwnerId: '41629779',
  hsChangedAt: AT,
  ownerId: '005000000000012AAA',
  decisionId: 'd1',
  updatedAt: AT,
  ...over,
});

const event = (id: string, over: Partial<CrmSyncEvent> = {}): CrmSyncEvent => ({
  id,
  at: AT,
  kind: 'conflict',
  contactId: '101',
  leadId: '00Q000000000001EAA',
  decisionId: null,
  detail: { policy: 'salesforce_wins', winner: 'salesforce' },
  ...over,
});

describe.each(STORE_FACTORIES)('crm-sync store on $name', (factory) => {
  let h: StoreHandle;
  beforeAll(async () => {
    h = await factory.create();
  });
  afterAll(async () => {
    await h.cleanup();
  });

  test('links are upserted and found by contact and by lead', async () => {
    const { store } = h;
    expect(await store.getCrmLink('101')).toBeNull();
    await store.transaction((tx) => tx.upsertCrmLink(link()));
    expect(await store.getCrmLink('101')).toEqual(link());
    await store.transaction(async (tx) => {
      const current = await tx.getCrmLink('101');
      await tx.upsertCrmLink({ ...current!, hsOwnerId: '41629780', updatedAt: '2026-11-27T03:00:01.000Z' });
    });
    expect((await store.getCrmLinkByLead('00Q000000000001EAA'))?.hsOwnerId).toBe('41629780');
    expect(await store.getCrmLinkByLead('00Q000000000002EAA')).toBeNull();
    await store.transaction((tx) => tx.upsertCrmLink(link({ contactId: '102', leadId: null, routingLeadId: 'HSC000000000102AAA' })));
    expect((await store.getCrmLink('102'))?.leadId).toBeNull();
  });

  test('a rolled back transaction leaves no link and no event', async () => {
    const { store } = h;
    await expect(
      store.transaction(async (tx) => {
        await tx.upsertCrmLink(link({ contactId: '999' }));
        await tx.insertCrmSyncEvent(event('E999'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.getCrmLink('999')).toBeNull();
    expect(await store.listCrmSyncEvents({ limit: 10 })).toEqual([]);
  });

  test('events are listed newest first, filtered and paged', async () => {
    const { store } = h;
    await store.transaction(async (tx) => {
      await tx.insertCrmSyncEvent(event('E001', { kind: 'routed' }));
      await tx.insertCrmSyncEvent(event('E002'));
      await tx.insertCrmSyncEvent(event('E003', { contactId: '102', leadId: null }));
    });
    expect((await store.listCrmSyncEvents({ limit: 10 })).map((e) => e.id)).toEqual(['E003', 'E002', 'E001']);
    expect((await store.listCrmSyncEvents({ kind: 'conflict', limit: 10 })).map((e) => e.id)).toEqual(['E003', 'E002']);
    expect((await store.listCrmSyncEvents({ contactId: '101', limit: 10 })).map((e) => e.id)).toEqual(['E002', 'E001']);
    expect((await store.listCrmSyncEvents({ leadId: '00Q000000000001EAA', beforeId: 'E002', limit: 10 })).map((e) => e.id)).toEqual(['E001']);
    expect((await store.listCrmSyncEvents({ limit: 1 }))[0]).toEqual(event('E003', { contactId: '102', leadId: null }));
  });

  test('an inbox key is claimed once', async () => {
    const { store } = h;
    const first = await store.transaction((tx) => tx.claimInboxKey('hubspot.event', '1:2:3', AT));
    const again = await store.transaction((tx) => tx.claimInboxKey('hubspot.event', '1:2:3', AT));
    const other = await store.transaction((tx) => tx.claimInboxKey('hubspot.event', '1:2:4', AT));
    expect([first, again, other]).toEqual([true, false, true]);
    const pruned = await store.transaction((tx) => tx.pruneInboxKeys('hubspot.event', '2026-11-27T03:00:00.001Z'));
    expect(pruned).toBe(2);
    expect(await store.transaction((tx) => tx.claimInboxKey('hubspot.event', '1:2:3', AT))).toBe(true);
  });
});
