/** HubSpot off (HUBSPOT_ACCESS_TOKEN unset): no receiver, no sync, nothing else changes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startService, type RunningService } from '../../service/src/main';

let service: RunningService;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lr-hs-off-'));
  service = await startService({
    env: {
      PORT: '0',
      DATABASE_URL: `sqlite:${path.join(dir, 'r.db')}`,
      ROUTER_API_TOKEN: 'callout-token-0123456789abcdef',
      ROUTER_ADMIN_TOKEN: 'admin-token-0123456789abcdef',
      LOG_LEVEL: 'silent',
      // Even a broken sync configuration is not read while HubSpot is off.
      CRM_SYNC_CONFIG: path.join(dir, 'missing.json'),
    },
  });
});
afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('no HubSpot token: the sync does not exist, its routes are 404, routing works as before', async () => {
  expect(service.crmSync).toBeNull();
  const hook = await fetch(`${service.url}/v1/webhooks/hubspot`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' });
  expect(hook.status).toBe(404);
  const events = await fetch(`${service.url}/v1/crm-sync/events`, { headers: { authorization: 'Bearer admin-token-0123456789abcdef' } });
  expect(events.status).toBe(404);
  const routed = await fetch(`${service.url}/v1/route`, {
    method: 'POST',
    headers: { authorization: 'Bearer callout-token-0123456789abcdef', 'content-type': 'application/json' },
    body: JSON.stringify({ lead: { Id: '00Q000000000001', Email: 'x@y.com' } }),
  });
  expect(routed.status).toBe(200);
  expect(((await routed.json()) as { leadId: string }).leadId).toBe('00Q000000000001EAA');
  expect(await service.store.listOutbox({ limit: 10 })).toEqual([]);
});
