/** The URI the v3 signature covers: as HubSpot called it; proxy headers only when trusted; or the configured URL. */
import type { Request } from 'express';
import { signedUri } from '../../service/src/features/crm-sync/crm-sync-controller';

const req = (headers: Record<string, string>, originalUrl = '/v1/webhooks/hubspot?x=1', encrypted = false): Request =>
  ({ headers, originalUrl, socket: { encrypted } }) as unknown as Request;

test('scheme and host come from the connection and Host unless proxy headers are trusted', () => {
  const r = req({ host: '10.0.0.5:3000', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'router.example.com' });
  expect(signedUri(r, { trustProxy: false, webhookUrl: null })).toBe('http://10.0.0.5:3000/v1/webhooks/hubspot?x=1');
  expect(signedUri(r, { trustProxy: true, webhookUrl: null })).toBe('https://router.example.com/v1/webhooks/hubspot?x=1');
  expect(signedUri(req({ host: 'a.example' }, '/v1/webhooks/hubspot', true), { trustProxy: false, webhookUrl: null })).toBe('https://a.example/v1/webhooks/hubspot');
});

test('the first value of a proxy list is the client-facing one', () => {
  const r = req({ host: 'internal', 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'edge.example, lb.internal' });
  expect(signedUri(r, { trustProxy: true, webhookUrl: null })).toBe('https://edge.example/v1/webhooks/hubspot?x=1');
});

test('a configured HUBSPOT_WEBHOOK_URL wins (with the request query when it has none)', () => {
  expect(signedUri(req({ host: 'internal' }), { trustProxy: false, webhookUrl: 'https://public.example/hooks/hs' })).toBe('https://public.example/hooks/hs?x=1');
  expect(signedUri(req({ host: 'internal' }), { trustProxy: true, webhookUrl: 'https://public.example/hooks/hs?k=v' })).toBe('https://public.example/hooks/hs?k=v');
});
