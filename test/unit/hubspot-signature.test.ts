import { createHmac } from 'node:crypto';
import {
  computeHubspotSignature,
  constantTimeEqual,
  decodeUriForV3,
  signatureSourceString,
  signedRequestHeaders,
  verifyHubspotSignature,
} from '../../service/src/adapters/hubspot/signature';

// HubSpot's published test vectors:
// v1: https://developers.hubspot.com/docs/faq/v1-request-validation ("Example for a request with a body")
// v2: https://developers.hubspot.com/docs/faq/v2-request-validation ("Example for a GET request")
const SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const V1_BODY =
  '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]';
const V1_HASH = '232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de';
const V2_URI = 'https://www.example.com/webhook_uri';
const V2_HASH = 'eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e';

describe('HubSpot published vectors', () => {
  it('v1: sha256 hex of secret + body', () => {
    expect(signatureSourceString({ version: 'v1', secret: SECRET, body: V1_BODY })).toBe(SECRET + V1_BODY);
    expect(computeHubspotSignature({ version: 'v1', secret: SECRET, body: V1_BODY })).toBe(V1_HASH);
  });

  it('v2: sha256 hex of secret + method + uri (+ body)', () => {
    expect(computeHubspotSignature({ version: 'v2', secret: SECRET, method: 'GET', uri: V2_URI, body: '' })).toBe(
      V2_HASH,
    );
  });

  it('the verifier (the code path that also checks v3) accepts the published v1 and v2 signatures', () => {
    const v1 = verifyHubspotSignature({
      secret: SECRET,
      method: 'POST',
      uri: 'https://anything.example/hook',
      body: V1_BODY,
      headers: { 'X-HubSpot-Signature': V1_HASH, 'X-HubSpot-Signature-Version': 'v1' },
      now: Date.now(),
      allowLegacy: true,
    });
    expect(v1).toEqual({ ok: true, version: 'v1' });
    const v2 = verifyHubspotSignature({
      secret: SECRET,
      method: 'get',
      uri: V2_URI,
      body: '',
      headers: { 'x-hubspot-signature': V2_HASH.toUpperCase(), 'x-hubspot-signature-version': 'v2' },
      now: Date.now(),
      allowLegacy: true,
    });
    expect(v2).toEqual({ ok: true, version: 'v2' });
  });

  it('rejects a tampered v1 body and refuses legacy signatures unless allowed', () => {
    const base = {
      secret: SECRET,
      method: 'POST',
      uri: V2_URI,
      headers: { 'X-HubSpot-Signature': V1_HASH, 'X-HubSpot-Signature-Version': 'v1' },
      now: 0,
    };
    expect(verifyHubspotSignature({ ...base, body: V1_BODY.replace('123', '124'), allowLegacy: true })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
    expect(verifyHubspotSignature({ ...base, body: V1_BODY })).toEqual({ ok: false, reason: 'missing_signature' });
    expect(
      verifyHubspotSignature({
        ...base,
        body: V1_BODY,
        allowLegacy: true,
        headers: { 'X-HubSpot-Signature': V1_HASH, 'X-HubSpot-Signature-Version': 'v9' },
      }),
    ).toEqual({ ok: false, reason: 'unsupported_version' });
  });
});

describe('v3', () => {
  const now = 1_764_000_000_000;
  const uri = 'https://router.example:8443/v1/webhooks/hubspot?tenant=a%3Ab';
  const body = '[{"eventId":7}]';

  function signed(timestamp: number, overrides: Partial<{ uri: string; body: string; secret: string }> = {}) {
    return signedRequestHeaders({
      secret: overrides.secret ?? SECRET,
      method: 'POST',
      uri: overrides.uri ?? uri,
      body: overrides.body ?? body,
      timestamp,
    });
  }

  it('is base64 HMAC-SHA256(secret, method + decoded uri + body + timestamp)', () => {
    const expected = createHmac('sha256', SECRET)
      .update('POST' + 'https://router.example:8443/v1/webhooks/hubspot?tenant=a:b' + body + String(now))
      .digest('base64');
    expect(computeHubspotSignature({ version: 'v3', secret: SECRET, method: 'POST', uri, body, timestamp: now })).toBe(
      expected,
    );
    expect(signed(now)['X-HubSpot-Signature-v3']).toBe(expected);
  });

  it('verifies a fresh signature and rejects stale, future, tampered and wrong-secret requests', () => {
    const ok = verifyHubspotSignature({ secret: SECRET, method: 'POST', uri, body, headers: signed(now), now });
    expect(ok).toEqual({ ok: true, version: 'v3' });
    const at = (ts: number, n = now) =>
      verifyHubspotSignature({ secret: SECRET, method: 'POST', uri, body, headers: signed(ts), now: n });
    expect(at(now - 5 * 60 * 1000)).toEqual({ ok: true, version: 'v3' }); // exactly 5 minutes is still fine
    expect(at(now - 5 * 60 * 1000 - 1)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(at(now + 60_000)).toEqual({ ok: true, version: 'v3' });
    expect(at(now + 60_001)).toEqual({ ok: false, reason: 'future_timestamp' });
    expect(
      verifyHubspotSignature({ secret: SECRET, method: 'POST', uri, body: body + ' ', headers: signed(now), now }),
    ).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(verifyHubspotSignature({ secret: 'other', method: 'POST', uri, body, headers: signed(now), now })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
    expect(
      verifyHubspotSignature({
        secret: SECRET,
        method: 'POST',
        uri,
        body,
        headers: { ...signed(now), 'X-HubSpot-Request-Timestamp': 'yesterday' },
        now,
      }),
    ).toEqual({ ok: false, reason: 'invalid_timestamp' });
    const noTs: Record<string, string> = { ...signed(now) };
    delete noTs['X-HubSpot-Request-Timestamp'];
    expect(verifyHubspotSignature({ secret: SECRET, method: 'POST', uri, body, headers: noTs, now })).toEqual({
      ok: false,
      reason: 'missing_timestamp',
    });
  });

  it('a replayed signature with a new timestamp does not verify', () => {
    const h = signed(now - 10 * 60 * 1000);
    const replay = { ...h, 'X-HubSpot-Request-Timestamp': String(now) };
    expect(verifyHubspotSignature({ secret: SECRET, method: 'POST', uri, body, headers: replay, now })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('decodes only the documented characters by default; full and none are selectable', () => {
    const raw = 'https://h.example/p%2Fq?x=%3A%40%21%24%27%28%29%2a%2C%3B%3F&y=%20%26%3D';
    expect(decodeUriForV3(raw)).toBe("https://h.example/p/q?x=:@!$'()*,;?&y=%20%26%3D");
    expect(decodeUriForV3(raw, 'full')).toBe("https://h.example/p/q?x=:@!$'()*,;?&y= &=");
    expect(decodeUriForV3(raw, 'none')).toBe(raw);
    expect(decodeUriForV3('https://h.example/%E0%A4%A', 'full')).toBe('https://h.example/%E0%A4%A');
    // A sender and receiver that agree on the decoding verify; disagreeing ones do not.
    const h = signedRequestHeaders({
      secret: SECRET,
      method: 'POST',
      uri: raw,
      body,
      timestamp: now,
      uriDecoding: 'full',
    });
    const verify = (mode: 'full' | 'documented') =>
      verifyHubspotSignature({ secret: SECRET, method: 'POST', uri: raw, body, headers: h, now, uriDecoding: mode });
    expect(verify('full').ok).toBe(true);
    expect(verify('documented').ok).toBe(false);
  });

  it('signed request headers carry the legacy signature too, selectable v1 / v2 / none', () => {
    expect(
      signedRequestHeaders({ secret: SECRET, method: 'POST', uri: V2_URI, body: V1_BODY, timestamp: now }),
    ).toMatchObject({
      'X-HubSpot-Signature-Version': 'v1',
      'X-HubSpot-Signature': V1_HASH,
    });
    const v2 = signedRequestHeaders({
      secret: SECRET,
      method: 'GET',
      uri: V2_URI,
      body: '',
      timestamp: now,
      legacyVersion: 'v2',
    });
    expect(v2['X-HubSpot-Signature']).toBe(V2_HASH);
    const none = signedRequestHeaders({
      secret: SECRET,
      method: 'GET',
      uri: V2_URI,
      body: '',
      timestamp: now,
      legacyVersion: 'none',
    });
    expect(Object.keys(none).sort()).toEqual(['X-HubSpot-Request-Timestamp', 'X-HubSpot-Signature-v3']);
  });
});

describe('constantTimeEqual', () => {
  it('compares by content, including unequal lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});
