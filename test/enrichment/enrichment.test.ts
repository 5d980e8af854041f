/**
 * Enrichment before routing (issue 7): a local CSV table and an HTTP provider (a real local server) within a
 * time budget; the lead's own values win; a provider slower than the budget does not hold the decision, and its
 * late answer serves the next lead from the cache. The `enriched` step is in the timeline and in the stats.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CALLOUT_TOKEN, U1, U9, inboundRuleset, leadId, startTestService, tempDir, type TestService } from '../service/features/helpers';
import { parseCsvLine, parseFirmographicsCsv } from '../../service/src/features/enrichment/csv-table';

type T = TestService & { cleanupDir(): void };

/** inbound + a first rule: 1000+ employees -> U9. */
function ruleset() {
  const r = inboundRuleset();
  (r.rules as unknown[]).unshift({ id: 'big', when: { field: 'NumberOfEmployees', op: 'gte', value: 1000 }, assign: { type: 'user', ownerId: U9 } });
  return r;
}

async function decision(t: T, n: number, lead: Record<string, unknown>) {
  const started = Date.now();
  const res = await t.api('POST', '/v1/route', { ruleset: 'inbound', lead: { Id: leadId(n), ...lead } }, CALLOUT_TOKEN);
  const tookMs = Date.now() - started;
  expect(res.status).toBe(200);
  const detail = (await t.api('GET', `/v1/decisions/${res.body.decisionId}`)).body;
  return { body: res.body, detail, tookMs };
}

describe('CSV parsing', () => {
  test('quotes, numbers, blanks and a bad header', () => {
    expect(parseCsvLine('a,"b, c","say ""hi""",')).toEqual(['a', 'b, c', 'say "hi"', '']);
    const t = parseFirmographicsCsv('domain,NumberOfEmployees,Industry\n# comment\nWWW.Acme.com,5000,"Manufacturing, heavy"\nsmall.io,,Software\n');
    expect(t.get('acme.com')).toEqual({ NumberOfEmployees: 5000, Industry: 'Manufacturing, heavy' });
    expect(t.get('small.io')).toEqual({ Industry: 'Software' });
    expect(() => parseFirmographicsCsv('name,Industry\n')).toThrow('domain');
    expect(() => parseFirmographicsCsv('domain,Bad Field\n')).toThrow('field API name');
  });
});

describe('enrichment before routing', () => {
  test('the local table fills blank fields (never the lead own ones) and the timeline has the enriched step', async () => {
    const dir = tempDir();
    const csv = path.join(dir.dir, 'firmo.csv');
    writeFileSync(csv, 'domain,NumberOfEmployees,Industry\ninitech.com,5000,Manufacturing\n');
    const t = await startTestService({ dir: dir.dir, env: { ENRICHMENT_CSV: csv } });
    try {
      expect((await t.api('PUT', '/v1/rulesets/inbound?activate=true', ruleset())).status).toBe(201);
      const big = await decision(t, 1, { Email: 'ann@initech.com', Country: 'FR' });
      expect(big.body).toMatchObject({ ownerId: U9, ruleId: 'big' });
      expect(big.detail.lead).toMatchObject({ NumberOfEmployees: 5000, Industry: 'Manufacturing' });
      expect(big.detail.trace.notes).toEqual(expect.arrayContaining([expect.stringContaining('initech.com found in the local table (2 fields filled)')]));
      const steps = big.detail.timeline.map((s: { step: string }) => s.step);
      expect(steps).toEqual(['received', 'enriched', 'decided']);
      expect(big.detail.timeline[1].detail).toMatchObject({ domain: 'initech.com', sources: ['csv'], fields: ['NumberOfEmployees', 'Industry'], timedOut: false });

      const own = await decision(t, 2, { Email: 'bob@initech.com', Country: 'FR', NumberOfEmployees: 10 });
      expect(own.body).toMatchObject({ ownerId: U1, ruleId: 'emea' });
      expect(own.detail.lead.NumberOfEmployees).toBe(10);

      const unknown = await decision(t, 3, { Email: 'c@unknown.org', Country: 'DE' });
      expect(unknown.detail.trace.notes ?? []).toEqual([]);

      const stats = await t.api('GET', '/v1/stats/speed-to-lead');
      expect(stats.body.groups[0].handoffs.enrichment.count).toBe(3);
    } finally {
      await t.close();
      dir.cleanup();
    }
  });

  test('HTTP provider within the budget, a slow one decided without, then served from the cache', async () => {
    const calls: string[] = [];
    const server: Server = createServer((req, res) => {
      const domain = new URL(req.url ?? '/', 'http://x').searchParams.get('domain') ?? '';
      calls.push(`${domain} ${req.headers.authorization ?? ''}`);
      const answer = (status: number, body: unknown) => {
        res.statusCode = status;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(body));
      };
      if (domain === 'globex.com') answer(200, { NumberOfEmployees: 2000, Industry: 'Energy', 'bad key': 1 });
      else if (domain === 'slow.com') setTimeout(() => answer(200, { NumberOfEmployees: 3000 }), 700);
      else answer(404, { error: 'unknown' });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/companies?domain={domain}`;
    const t = await startTestService({ env: { ENRICHMENT_HTTP_URL: url, ENRICHMENT_HTTP_TOKEN: 'provider-token', ENRICHMENT_BUDGET_MS: '300' } });
    try {
      await t.api('PUT', '/v1/rulesets/inbound?activate=true', ruleset());
      const fast = await decision(t, 11, { Email: 'x@globex.com', Country: 'FR' });
      expect(fast.body.ownerId).toBe(U9);
      expect(fast.detail.lead.Industry).toBe('Energy');
      expect(fast.detail.lead['bad key']).toBeUndefined();
      expect(calls).toEqual(['globex.com Bearer provider-token']);

      const slow = await decision(t, 12, { Email: 'x@slow.com', Country: 'FR' });
      expect(slow.body.ownerId).toBe(U1); // decided without the late answer
      expect(slow.tookMs).toBeLessThan(650);
      expect(slow.detail.trace.notes).toEqual(expect.arrayContaining([expect.stringContaining('did not answer within the 300 ms budget')]));
      expect(slow.detail.timeline.find((s: { step: string }) => s.step === 'enriched').detail).toMatchObject({ timedOut: true });

      await new Promise((r) => setTimeout(r, 700)); // the late answer lands in the cache
      const cached = await decision(t, 13, { Email: 'y@slow.com', Country: 'FR' });
      expect(cached.body.ownerId).toBe(U9);
      expect(cached.detail.trace.notes).toEqual(expect.arrayContaining([expect.stringContaining('from the provider cache')]));
      const again = await decision(t, 14, { Email: 'z@globex.com', Country: 'FR' });
      expect(again.body.ownerId).toBe(U9);
      expect(calls.filter((c) => c.startsWith('slow.com'))).toHaveLength(1);
      expect(calls.filter((c) => c.startsWith('globex.com'))).toHaveLength(1);
    } finally {
      await t.close();
      t.cleanupDir();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test('bad settings stop the start naming the variable', async () => {
    await expect(startTestService({ env: { ENRICHMENT_HTTP_URL: 'https://api.example.com/companies' } })).rejects.toThrow('ENRICHMENT_HTTP_URL');
    await expect(startTestService({ env: { ENRICHMENT_CSV: '/nonexistent/file.csv' } })).rejects.toThrow('ENRICHMENT_CSV');
  });
});
