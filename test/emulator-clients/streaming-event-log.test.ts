/**
 * The streaming part's event log and CDC payload builder on their own: replayId sequence (platform-facts 1.3),
 * retention by the emulator clock, restart hand-over (in-process and through a JSON snapshot), compound nesting
 * (platform-facts 2.2).
 */
import { createClock } from '../emulator/clock';
import type { CommittedChange } from '../emulator/context';
import { to18 } from '../emulator/salesforce/ids';
import { RecordStore } from '../emulator/salesforce/records';
import { buildChangeEventData, changeEventName, EventLog } from '../emulator/salesforce/streaming';
import { ChannelRegistry } from '../emulator/salesforce/streaming/channels';

const USER = to18('005000000000001');

function change(overrides: Partial<CommittedChange> = {}): CommittedChange {
  return {
    entityName: 'Lead',
    changeType: 'CREATE',
    recordIds: [to18('00Q5g0000000001')],
    fields: { LastName: 'X', Company: 'Y' },
    changedFields: [],
    changeOrigin: '',
    commitUser: USER,
    commitTimestamp: 1,
    commitNumber: 1,
    transactionKey: 't',
    sequenceNumber: 1,
    ...overrides,
  };
}

test('replayIds: one increasing sequence, steps selectable (fixed or a function)', () => {
  const clock = createClock();
  const fixed = new EventLog({ clock, replayIdStep: 3, firstReplayId: 10 });
  expect([1, 2, 3].map(() => fixed.append(change()).replayId)).toEqual([10, 13, 16]);
  const jumps = [1, 26, 1];
  const varying = new EventLog({ clock, replayIdStep: () => jumps.shift()! });
  expect([1, 2, 3, 4].map(() => varying.append(change()).replayId)).toEqual([1, 2, 28, 29]);
  const zero = new EventLog({ clock, replayIdStep: 0 });
  zero.append(change()); // the first id needs no step
  expect(() => zero.append(change())).toThrow(RangeError);
});

test('retention runs on the emulator clock; dropped ids are remembered', () => {
  const clock = createClock({ start: Date.UTC(2026, 0, 1) });
  const log = new EventLog({ clock, retentionMs: 1000 });
  log.append(change());
  clock.advance(600);
  log.append(change());
  expect(log.retained().map((e) => e.replayId)).toEqual([1, 2]);
  clock.advance(400);
  expect(log.retained().map((e) => e.replayId)).toEqual([2]);
  expect(log.isRetained(1)).toBe(false);
  expect(log.droppedThroughReplayId).toBe(1);
  expect(log.after(1).map((e) => e.replayId)).toEqual([2]);
  expect(log.purge()).toBe(1);
  expect(log.retained()).toEqual([]);
  expect(log.append(change()).replayId).toBe(3);
});

test('a log listens to a record store once, however often it is attached', () => {
  const clock = createClock();
  const records = new RecordStore({ clock });
  const log = new EventLog({ clock });
  const first = log.listenTo(records);
  const second = log.listenTo(records);
  records.transaction({ userId: USER, changeOrigin: '' }, (tx) => tx.create('Lead', { LastName: 'A', Company: 'B' }));
  expect(log.retained()).toHaveLength(1);
  second(); // detaches nothing: the first attachment owns the listener
  records.transaction({ userId: USER, changeOrigin: '' }, (tx) => tx.create('Lead', { LastName: 'C', Company: 'D' }));
  expect(log.retained()).toHaveLength(2);
  first();
  records.transaction({ userId: USER, changeOrigin: '' }, (tx) => tx.create('Lead', { LastName: 'E', Company: 'F' }));
  expect(log.retained()).toHaveLength(2);
});

test('a JSON snapshot restores the retained events and continues the replayIds', () => {
  const clock = createClock({ start: Date.UTC(2026, 0, 1) });
  const log = new EventLog({ clock, retentionMs: 10_000 });
  log.append(change());
  log.append(change({ entityName: 'Account', fields: { Name: 'Acme' } }));
  const restored = EventLog.restore(JSON.parse(JSON.stringify(log.snapshot())), { clock, retentionMs: 10_000 });
  expect(restored.retained()).toEqual(log.retained());
  clock.advance(5_000);
  expect(restored.append(change()).replayId).toBe(3);
  clock.advance(5_000);
  expect(restored.retained().map((e) => e.replayId)).toEqual([3]);
});

test('compound fields nest (Name, addresses) and changedFields name their parts', () => {
  const account = buildChangeEventData(
    change({
      entityName: 'Account',
      changeType: 'UPDATE',
      fields: { BillingCity: 'Paris', ShippingCountry: null, Name: 'Acme', LastModifiedDate: '2026-01-01T00:00:00.000Z' },
      changedFields: ['BillingCity', 'ShippingCountry', 'Name', 'LastModifiedDate'],
    }),
    7,
  );
  const { ChangeEventHeader: header, ...body } = account.payload;
  expect(body).toEqual({ BillingAddress: { City: 'Paris' }, ShippingAddress: { Country: null }, Name: 'Acme', LastModifiedDate: '2026-01-01T00:00:00.000Z' });
  expect(header.changedFields).toEqual(['BillingAddress.City', 'ShippingAddress.Country', 'Name', 'LastModifiedDate']);
  expect(account.event).toEqual({ replayId: 7 });

  const contact = buildChangeEventData(change({ entityName: 'Contact', fields: { FirstName: 'Ann', LastName: 'Lee', MailingState: 'CA', Email: null } }), 1);
  const { ChangeEventHeader: _h, ...contactBody } = contact.payload;
  expect(contactBody).toEqual({ Name: { FirstName: 'Ann', LastName: 'Lee' }, MailingAddress: { State: 'CA' } });
});

test('channel names: standard, custom objects, custom channels; case-sensitive', () => {
  expect(changeEventName('Lead')).toBe('LeadChangeEvent');
  expect(changeEventName('Employee__c')).toBe('Employee__ChangeEvent');
  const channels = new ChannelRegistry({ extraEntities: ['Employee__c'], customChannels: { '/data/SalesEvents__chn': ['Lead'] } });
  for (const c of ['/data/ChangeEvents', '/data/LeadChangeEvent', '/data/AccountChangeEvent', '/data/Employee__ChangeEvent', '/data/SalesEvents__chn']) {
    expect(channels.exists(c)).toBe(true);
  }
  for (const c of ['/data/leadchangeevent', '/data/Employee__cChangeEvent', '/data/Other__chn', '/event/Foo__e']) expect(channels.exists(c)).toBe(false);
  const log = new EventLog({ clock: createClock() });
  const lead = log.append(change());
  const account = log.append(change({ entityName: 'Account' }));
  expect(channels.carries('/data/SalesEvents__chn', lead)).toBe(true);
  expect(channels.carries('/data/SalesEvents__chn', account)).toBe(false);
  expect(channels.carries('/data/ChangeEvents', account)).toBe(true);
  expect(channels.carries('/data/LeadChangeEvent', account)).toBe(false);
});
