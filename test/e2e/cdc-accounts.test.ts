/**
 * AccountChangeEvent keeps the account-domain index behind `accountOwner` targets (initial load by paged SOQL,
 * then creates and owner changes from the stream), and the LeadSource -> ruleset map picks the ruleset for leads
 * routed from change events.
 */
import type { Ruleset } from '../../service/src/core';
import { control, createLead, emulator, eventually, rest } from './helpers';
import { QUEUE, SEED, startStack, USERS, type Stack } from './stack';

let stack: Stack;

const accountRuleset: Ruleset = {
  name: 'default',
  pools: [{ id: 'ae', strategy: 'round_robin', members: [{ ownerId: USERS.a }] }],
  rules: [{ id: 'named', assign: { type: 'accountOwner', else: { type: 'pool', pool: 'ae' } } }],
  default: { type: 'queue', ownerId: QUEUE },
} as Ruleset;

const partnersRuleset: Ruleset = {
  name: 'partners',
  pools: [],
  rules: [{ id: 'partner-desk', assign: { type: 'user', ownerId: USERS.c } }],
  default: { type: 'queue', ownerId: QUEUE },
} as Ruleset;

beforeAll(async () => {
  // The account exists before the service first starts: only the initial load can know it.
  const emu = await emulator({ seed: { ...SEED, accounts: [{ Name: 'Initech', Website: 'https://www.initech.example', OwnerId: USERS.b }] }, streaming: { longPollTimeoutMs: 2_000 } });
  stack = await startStack({
    emu,
    env: { SF_CDC_CHANNELS: '/data/LeadChangeEvent,/data/AccountChangeEvent', SF_CDC_RULESET_MAP: 'Partner=partners' },
  });
  await stack.service.features.rulesets.put('default', accountRuleset, { activate: true, createdBy: 'test' });
  await stack.service.features.rulesets.put('partners', partnersRuleset, { activate: true, createdBy: 'test' });
}, 30_000);
afterAll(async () => {
  const emu = stack?.emu;
  await stack?.close();
  await emu?.close();
});

test('initial load: a lead from an existing account domain goes to the account owner', async () => {
  await eventually(async () => ((await stack.service.store.accountOwnerByDomain('initech.example')) === USERS.b ? true : undefined), 10_000, 'index loaded');
  const id = await createLead(stack.emu, { LastName: 'Lumbergh', Company: 'Initech', Email: 'bill@initech.example' });
  const d = await stack.owned(id);
  expect(d.ownerId).toBe(USERS.b);
  expect(d.ruleId).toBe('named');
});

test('accounts created and reassigned in Salesforce reach the index through the stream', async () => {
  const created = await rest<{ id: string }>(stack.emu, 'POST', '/sobjects/Account', { Name: 'Globex', Website: 'globex.example', OwnerId: USERS.fr });
  expect(created.status).toBe(201);
  await eventually(async () => ((await stack.service.store.accountOwnerByDomain('globex.example')) === USERS.fr ? true : undefined), 10_000, 'created account indexed');
  const first = await createLead(stack.emu, { LastName: 'Scorpio', Company: 'Globex', Email: 'hank@globex.example' });
  expect((await stack.owned(first)).ownerId).toBe(USERS.fr);

  await rest(stack.emu, 'PATCH', `/sobjects/Account/${created.body.id}`, { OwnerId: USERS.c });
  await eventually(async () => ((await stack.service.store.accountOwnerByDomain('globex.example')) === USERS.c ? true : undefined), 10_000, 'new owner indexed');
  const second = await createLead(stack.emu, { LastName: 'Simpson', Company: 'Globex', Website: 'https://globex.example/about' });
  expect((await stack.owned(second)).ownerId).toBe(USERS.c);

  await rest(stack.emu, 'DELETE', `/sobjects/Account/${created.body.id}`);
  await eventually(async () => ((await stack.service.store.accountOwnerByDomain('globex.example')) === null ? true : undefined), 10_000, 'deleted account removed');
  const third = await createLead(stack.emu, { LastName: 'Late', Company: 'Globex', Email: 'late@globex.example' });
  expect((await stack.owned(third)).ownerId).toBe(USERS.a);
});

test('LeadSource -> ruleset map: a partner lead is routed by the partners ruleset', async () => {
  const id = await createLead(stack.emu, { LastName: 'Partner', Company: 'P', LeadSource: 'Partner' });
  const d = await stack.owned(id);
  expect(d.ruleset).toBe('partners');
  expect(d.ownerId).toBe(USERS.c);
  const other = await createLead(stack.emu, { LastName: 'Web', Company: 'W', LeadSource: 'Web' });
  expect((await stack.owned(other)).ruleset).toBe('default');
  const calls = await control<{ calls: Array<{ path: string }> }>(stack.emu, 'GET', '/calls?path=query');
  expect(calls.calls.some((c) => decodeURIComponent(c.path).includes('FROM Account WHERE Website != null'))).toBe(true);
});
