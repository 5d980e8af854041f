/**
 * The service as a separate PROCESS (`node service/bin/start.js`, what `npm start` runs): state survives a
 * restart, a decision answered with 200 survives kill -9, and a first start with defaults prints its tokens once
 * and answers with the starter ruleset.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ADMIN_TOKEN, CALLOUT_TOKEN, U1, U2, U3, apiFor, leadId, tempDir, type Api } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const START = path.join(ROOT, 'service', 'bin', 'start.js');

interface Child {
  proc: ChildProcessWithoutNullStreams;
  url: string;
  api: Api;
  stdout: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The environment of the test runner without anything that would change the service's defaults. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('ROUTER_') || k.startsWith('SF_') || k === 'DATABASE_URL' || k === 'PORT' || k.startsWith('JEST')) continue;
    env[k] = v;
  }
  return { ...env, LOG_LEVEL: 'info', ...extra };
}

/** Starts `node service/bin/start.js`; it rebuilds first when sources changed since the last build (slow on a busy machine). */
function spawnService(cwd: string, env: Record<string, string>): Promise<Child> {
  const proc = spawn(process.execPath, [START], { cwd, env: cleanEnv(env) });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start in time\n${out}\n${err}`)), 150_000);
    proc.stdout.on('data', (chunk: string) => {
      out += chunk;
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        let rec: { msg?: string; port?: number };
        try {
          rec = JSON.parse(line);
        } catch {
          continue;
        }
        if (rec.msg === 'listening' && rec.port) {
          clearTimeout(timer);
          const url = `http://127.0.0.1:${rec.port}`;
          resolve({ proc, url, api: apiFor(url), stdout: () => out, exited });
          return;
        }
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before listening\n${out}\n${err}`));
    });
  });
}

async function stop(child: Child, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  child.proc.kill(signal);
  return child.exited;
}

beforeAll(() => {
  // Build once up front (start.js builds when sources changed) so each spawn starts quickly.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.join(ROOT, 'service', 'bin', 'build-if-needed.js')).buildIfNeeded();
}, 180_000);

describe('the service process', () => {
  const tokens = { ROUTER_API_TOKEN: CALLOUT_TOKEN, ROUTER_ADMIN_TOKEN: ADMIN_TOKEN };

  test('restart between two leads: the round-robin pointer survives; SIGTERM stops cleanly', async () => {
    const tmp = tempDir();
    try {
      const env = { ...tokens, PORT: '0', DATABASE_URL: `sqlite:${path.join(tmp.dir, 'db', 'router.db')}` };
      const first = await spawnService(tmp.dir, env);
      const a = await first.api('POST', '/v1/route', { lead: { Id: leadId(1) } }, CALLOUT_TOKEN);
      expect(a.status).toBe(200);
      expect(a.body.ownerId).toBe(U1);
      expect(await stop(first, 'SIGTERM')).toEqual({ code: 0, signal: null });
      expect(first.stdout()).toContain('shutting down');

      const second = await spawnService(tmp.dir, env);
      try {
        const b = await second.api('POST', '/v1/route', { lead: { Id: leadId(2) } }, CALLOUT_TOKEN);
        expect(b.body.ownerId).toBe(U2);
        const again = await second.api('POST', '/v1/route', { lead: { Id: leadId(1) } }, CALLOUT_TOKEN);
        expect(again.body).toEqual({ ...a.body, repeat: true });
        // The starter ruleset was created once, not again on the second start.
        const versions = await second.api('GET', '/v1/rulesets/default/versions');
        expect(versions.body.versions).toHaveLength(1);
      } finally {
        expect((await stop(second, 'SIGINT')).code).toBe(0);
      }
    } finally {
      tmp.cleanup();
    }
  }, 400_000);

  test('kill -9 right after a 200: the decision and its counters are there after restart', async () => {
    const tmp = tempDir();
    try {
      const env = { ...tokens, PORT: '0', DATABASE_URL: `sqlite:${path.join(tmp.dir, 'router.db')}` };
      const first = await spawnService(tmp.dir, env);
      const answers = [];
      for (let i = 1; i <= 2; i++) {
        answers.push(await first.api('POST', '/v1/route', { lead: { Id: leadId(i) } }, CALLOUT_TOKEN));
      }
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(await stop(first, 'SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

      const second = await spawnService(tmp.dir, env);
      try {
        for (const a of answers) {
          const d = await second.api('GET', `/v1/decisions/${a.body.decisionId}`, undefined, CALLOUT_TOKEN);
          expect(d.status).toBe(200);
          expect(d.body).toMatchObject({ leadId: a.body.leadId, ownerId: a.body.ownerId });
        }
        const member = await second.api('GET', `/v1/members/${U2}`);
        expect(member.body.openLeads).toBe(1);
        expect(member.body.pools[0].assignedToday).toBe(1);
        const next = await second.api('POST', '/v1/route', { lead: { Id: leadId(3) } }, CALLOUT_TOKEN);
        expect(next.body.ownerId).toBe(U3);
      } finally {
        await stop(second, 'SIGTERM');
      }
    } finally {
      tmp.cleanup();
    }
  }, 400_000);

  test('first start with defaults: creates ./data, prints generated tokens once, the starter ruleset answers', async () => {
    const tmp = tempDir();
    try {
      // Every default except the port (3000 may be taken on a shared machine).
      const child = await spawnService(tmp.dir, { PORT: '0' });
      try {
        expect(existsSync(path.join(tmp.dir, 'data', 'lead-router.db'))).toBe(true);
        const out = child.stdout();
        const api = /ROUTER_API_TOKEN=(\S+)/g;
        const admin = /ROUTER_ADMIN_TOKEN=(\S+)/g;
        const apiTokens = [...out.matchAll(api)].map((m) => m[1]!);
        const adminTokens = [...out.matchAll(admin)].map((m) => m[1]!);
        expect(apiTokens).toHaveLength(1);
        expect(adminTokens).toHaveLength(1);
        // Only the notice carries them: the JSON log lines do not.
        for (const line of out.split('\n').filter((l) => l.startsWith('{'))) {
          expect(line).not.toContain(apiTokens[0]!);
          expect(line).not.toContain(adminTokens[0]!);
        }
        const routed = await child.api('POST', '/v1/route', { lead: { Id: '00Q000000000001' } }, apiTokens[0]!);
        expect(routed.status).toBe(200);
        expect(routed.body).toMatchObject({ leadId: '00Q000000000001EAA', ruleset: 'default', ruleId: 'everyone', ownerId: U1 });
        const adminCall = await child.api('GET', '/v1/rulesets/default', undefined, adminTokens[0]!);
        expect(adminCall.status).toBe(200);
        expect(adminCall.body.createdBy).toBe('system');
        expect((await child.api('GET', '/v1/rulesets', undefined, apiTokens[0]!)).status).toBe(403);
      } finally {
        await stop(child, 'SIGTERM');
      }
    } finally {
      tmp.cleanup();
    }
  }, 400_000);
});
