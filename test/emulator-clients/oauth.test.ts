/**
 * OAuth 2.0 of the emulated org (platform-facts 3.6): client credentials (body and HTTP Basic), JWT bearer with
 * a real RS256 signature check, the error bodies, the success fields, userinfo, token lifetime.
 */
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { startEmulator, type RunningEmulator } from '../emulator/server';
import { EmulatorClient } from '../emulator/control/client';
import { DEFAULT_IDS } from '../emulator/salesforce/org';

let emu: RunningEmulator;
let api: EmulatorClient;
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });

function jwt(claims: Record<string, unknown>, key: KeyObject = keys.privateKey, alg = 'RS256'): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${part({ alg, typ: 'JWT' })}.${part(claims)}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), key).toString('base64url')}`;
}

function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

async function token(params: Record<string, string>, headers: Record<string, string> = {}) {
  return api.request('POST', '/services/oauth2/token', form(params), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
}

beforeAll(async () => {
  emu = await startEmulator({
    salesforce: { clientId: 'cid', clientSecret: 'csecret', jwtPublicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(), tokenLifetimeMs: 60_000 },
    seed: { users: [{ Username: 'router@acme.example', LastName: 'Router', Email: 'router@acme.example', Alias: 'router' }, { Username: 'off@acme.example', LastName: 'Off', Email: 'off@acme.example', Alias: 'off', IsActive: false }] },
  });
  api = new EmulatorClient(emu.url, emu.accessToken);
});
afterAll(() => emu.close());

const now = () => Math.floor(emu.clock.now() / 1000);

test('client credentials in the body: success fields of 3.6, an <orgId>!... token that REST accepts, a verifiable signature', async () => {
  const res = await token({ grant_type: 'client_credentials', client_id: 'cid', client_secret: 'csecret' });
  expect(res.status).toBe(200);
  const body = res.body;
  expect(Object.keys(body).sort()).toEqual(['access_token', 'id', 'instance_url', 'issued_at', 'scope', 'signature', 'token_type']);
  expect(body).toMatchObject({ token_type: 'Bearer', instance_url: emu.url, id: `${emu.url}/id/00D000000000001AAA/${DEFAULT_IDS.integrationUser}` });
  expect(body.issued_at).toMatch(/^\d{13}$/);
  expect(body.access_token).toMatch(/^00D000000000001AAA!/);
  expect(body.signature).toBe(createHmac('sha256', 'csecret').update(body.id + body.issued_at).digest('base64'));
  const client = new EmulatorClient(emu.url, body.access_token);
  expect((await client.sf('GET', '/limits')).status).toBe(200);
});

test('client credentials with HTTP Basic; wrong id or secret; unsupported grant', async () => {
  const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });
  expect((await token({ grant_type: 'client_credentials' }, basic('cid', 'csecret'))).status).toBe(200);
  expect(await token({ grant_type: 'client_credentials' }, basic('nope', 'csecret'))).toMatchObject({ status: 400, body: { error: 'invalid_client_id', error_description: 'client identifier invalid' } });
  expect(await token({ grant_type: 'client_credentials', client_id: 'cid', client_secret: 'wrong' })).toMatchObject({ status: 400, body: { error: 'invalid_client', error_description: 'invalid client credentials' } });
  expect(await token({ grant_type: 'password', client_id: 'cid' })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
});

test('JWT bearer: a correctly signed assertion logs the sub user in; each bad claim gets its error', async () => {
  const good = { iss: 'cid', sub: 'router@acme.example', aud: 'https://login.salesforce.com', exp: now() + 180 };
  const grant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
  const ok = await token({ grant_type: grant, assertion: jwt(good) });
  expect(ok.status).toBe(200);
  const routerUser = emu.salesforce.org.userByUsername('router@acme.example')!.Id;
  expect(ok.body.id).toBe(`${emu.url}/id/00D000000000001AAA/${routerUser}`);
  expect(ok.body).not.toHaveProperty('refresh_token');
  expect(emu.salesforce.org.auth.validateAccessToken(ok.body.access_token)).toEqual({ ok: true, userId: routerUser, orgId: '00D000000000001AAA' });

  const cases: [string, string, string][] = [
    [jwt(good, otherKeys.privateKey), 'invalid_grant', 'invalid assertion'],
    [jwt(good).slice(0, -4) + 'AAAA', 'invalid_grant', 'invalid assertion'],
    ['not.a.jwt', 'invalid_grant', 'invalid assertion'],
    [jwt({ ...good, iss: 'someone-else' }), 'invalid_client_id', 'client identifier invalid'],
    [jwt({ ...good, aud: 'https://example.com' }), 'invalid_grant', 'audience is invalid'],
    [jwt({ ...good, exp: now() - 10 }), 'invalid_grant', 'expired authorization code'],
    [jwt({ ...good, sub: 'nobody@acme.example' }), 'invalid_grant', "user hasn't approved this consumer"],
    [jwt({ ...good, sub: 'off@acme.example' }), 'invalid_grant', "user hasn't approved this consumer"],
  ];
  for (const [assertion, error, description] of cases) {
    const res = await token({ grant_type: grant, assertion });
    expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: { error, error_description: description } });
  }
});

test('userinfo has what the sf CLI needs; a bad token gets 403', async () => {
  const res = await api.request('GET', '/services/oauth2/userinfo', undefined, { authorization: `Bearer ${emu.accessToken}` });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ user_id: DEFAULT_IDS.integrationUser, organization_id: '00D000000000001AAA', preferred_username: 'integration@lead-router.emulator', active: true });
  expect((await api.request('GET', '/services/oauth2/userinfo', undefined, { authorization: 'Bearer junk' })).status).toBe(403);
});

test('issued tokens expire after the configured lifetime (emulated clock); REST then answers 401 INVALID_SESSION_ID', async () => {
  const res = await token({ grant_type: 'client_credentials', client_id: 'cid', client_secret: 'csecret' });
  const client = new EmulatorClient(emu.url, res.body.access_token);
  expect((await client.sf('GET', '/limits')).status).toBe(200);
  await api.control('POST', '/clock/advance', { seconds: 61 });
  const expired = await client.sf('GET', '/limits');
  expect(expired.status).toBe(401);
  expect(expired.body).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
  expect(emu.salesforce.org.auth.validateAccessToken(res.body.access_token)).toEqual({ ok: false, reason: 'expired' });
  expect(emu.salesforce.org.auth.validateAccessToken('00D000000000001AAA!unknown')).toEqual({ ok: false, reason: 'invalid' });
  // The fixed token has no time limit.
  expect((await api.sf('GET', '/limits')).status).toBe(200);
});
