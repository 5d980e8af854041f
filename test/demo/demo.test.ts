/**
 * `npm run demo -- --seconds 5`: the compiled demo spawned as a process (emulator + router inside it, leads routed
 * over CDC and written back). Asserts the live table, routed leads, and that the next-steps URLs answer while the
 * demo waits for Ctrl-C; then SIGINT stops it cleanly.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureBuilt, ROOT } from '../cli/helpers';

const DEMO = path.join(ROOT, 'dist', 'service', 'src', 'demo', 'main.js');

beforeAll(() => ensureBuilt(), 180_000);

it('routes a stream of leads, prints the live table and where to look next, stops on SIGINT', async () => {
  const child = spawn(process.execPath, [DEMO, '--seconds', '5', '--rate', '8', '--port', '0'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

  const deadline = Date.now() + 60_000;
  while (!stdout.includes('Ctrl-C to stop') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  try {
    expect(stderr).toBe('');
    expect(stdout).toContain('Ctrl-C to stop');

    // The live table, at least once before the final one (plain output: a block every 5 s), and the final one.
    const tables = stdout.match(/^lead-router demo {2}\d\d:\d\d \/ 00:05$/gm) ?? [];
    expect(tables.length).toBeGreaterThanOrEqual(2);
    expect(tables[tables.length - 1]).toBe('lead-router demo  00:05 / 00:05');
    const finalBlock = stdout.slice(stdout.lastIndexOf('lead-router demo  00:05 / 00:05'));
    const counts = /leads created (\d+) {3}routed \(owner written\) (\d+) {3}in flight (\d+)/.exec(finalBlock);
    expect(counts).not.toBeNull();
    const [created, routed] = [Number(counts![1]), Number(counts![2])];
    expect(created).toBeGreaterThanOrEqual(10);
    expect(routed).toBe(created);
    expect(finalBlock).toMatch(/hand-off latency, lead created -> owner written: {2}p50 \d+ ms {3}p99 \d+ ms {3}max \d+ ms/);
    const perRep = [...finalBlock.matchAll(/^(Ada Lovelace|Grace Hopper|Alan Turing|Katherine Johnson|Linus Pauling|Marie Curie|Niels Bohr|Demo Overflow \(queue\)) +(\d+)/gm)];
    expect(perRep).toHaveLength(8);
    expect(perRep.reduce((n, m) => n + Number(m[2]), 0)).toBe(routed);

    // Next steps: the audit API with its token, and /metrics, answer while the demo waits.
    const audit = /curl -H "Authorization: Bearer ([0-9a-f]+)" "(http:\/\/127\.0\.0\.1:\d+\/v1\/decisions\?limit=5)"/.exec(stdout);
    expect(audit).not.toBeNull();
    const res = await fetch(audit![2]!, { headers: { authorization: `Bearer ${audit![1]}` } });
    expect(res.status).toBe(200);
    const items = ((await res.json()) as { items: Array<{ source: string; ownerId: string }> }).items;
    expect(items).toHaveLength(5);
    expect(items.every((d) => d.source === 'cdc')).toBe(true);
    const one = /curl -H "Authorization: Bearer [0-9a-f]+" "(http:\/\/127\.0\.0\.1:\d+\/v1\/decisions\/[0-9A-Z]{26})"/.exec(stdout);
    const decision = await fetch(one![1]!, { headers: { authorization: `Bearer ${audit![1]}` } });
    expect(decision.status).toBe(200);
    const metricsUrl = /metrics +curl (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(stdout);
    const metrics = await fetch(metricsUrl![1]!);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE');
    expect(stdout).toMatch(/npx lead-router what-if default default\.json --days 1/);
  } finally {
    child.kill('SIGINT');
  }
  expect(await exited).toBe(0);
}, 120_000);
