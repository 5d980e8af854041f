/**
 * WAL checkpoints on the worker thread (adapters/store/sqlite/checkpointer.ts): while the store stays open and
 * keeps its high safety-net threshold on the main connection, committed rows reach the database file itself.
 * Checked by copying ONLY the main file (no -wal, no -shm) and reading the copy: a row is there only if a
 * checkpoint copied it. With background checkpoints off, the same rows stay in the WAL (the control case).
 * And under steady writes the WAL file stays bounded: the worker's RESTART checkpoint lets it start over.
 */
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../service/src/adapters/store';
import type { Store } from '../../service/src/features/store-port';

const OWNERS = Array.from({ length: 200 }, (_, i) => `005${String(i).padStart(12, '0')}AAA`);

async function writeAvailability(store: Store): Promise<void> {
  for (const owner of OWNERS) {
    await store.transaction((tx) => tx.setAvailability(owner, false, '2026-11-27T00:00:00.000Z', 'checkpoint-test'));
  }
}

/** Rows of member_availability in a copy of the main database file alone. */
function rowsInMainFileOnly(dir: string, file: string): number {
  const copy = path.join(dir, 'main-only.db');
  rmSync(copy, { force: true });
  copyFileSync(file, copy);
  const db = new Database(copy, { readonly: true });
  try {
    // Before the first checkpoint even the schema is only in the WAL.
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'member_availability'").get();
    if (!table) return 0;
    return (db.prepare('SELECT count(*) AS n FROM member_availability').get() as { n: number }).n;
  } catch (err) {
    // A copy taken while the worker was writing pages into the file is torn: not an answer yet, look again.
    if ((err as { code?: string }).code === 'SQLITE_CORRUPT') return -1;
    throw err;
  } finally {
    db.close();
  }
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('SQLite background checkpoints', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lr-checkpoint-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies committed pages into the database file while the store is open', async () => {
    const file = path.join(dir, 'store.db');
    const store = openSqliteStore({ path: file });
    try {
      await writeAvailability(store);
      const reached = await eventually(() => rowsInMainFileOnly(dir, file) === OWNERS.length, 5000);
      expect(reached).toBe(true);
      // The store still reads and writes normally after the worker's checkpoints.
      await store.transaction((tx) => tx.setAvailability(OWNERS[0]!, true, '2026-11-27T00:00:01.000Z', 'checkpoint-test'));
      expect((await store.getAvailability(OWNERS[0]!))?.available).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('leaves them in the WAL when background checkpoints are off (control)', async () => {
    const file = path.join(dir, 'store.db');
    const store = openSqliteStore({ path: file, backgroundCheckpoints: false });
    try {
      await writeAvailability(store);
      await new Promise((r) => setTimeout(r, 600));
      expect(rowsInMainFileOnly(dir, file)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('keeps the WAL bounded under steady writes (RESTART from restartAtFrames)', async () => {
    const file = path.join(dir, 'store.db');
    const store = openSqliteStore({ path: file, checkpointer: { intervalMs: 20, restartAtFrames: 200 } });
    try {
      // Writes back to back for 1.5 s, each transaction committing at least one 4 KiB frame: a WAL that never
      // started over would hold every frame (tens of MiB at thousands of transactions a second).
      const until = Date.now() + 1500;
      let n = 0;
      while (Date.now() < until) {
        const owner = `005${String(n % 20000).padStart(12, '0')}AAA`;
        await store.transaction((tx) => tx.setAvailability(owner, n % 2 === 0, '2026-11-27T00:00:00.000Z', 'wal'));
        n++;
      }
      const walBytes = statSync(`${file}-wal`).size;
      // Measured here: ~25 MB after ~100,000 transactions with the RESTART, ~103 MB without it.
      expect(walBytes).toBeLessThan(Math.max(8 * 1024 * 1024, (n * 4096) / 8));
      expect((await store.listAvailability()).length).toBe(Math.min(n, 20000));
    } finally {
      await store.close();
    }
  });

  it('close stops the worker and leaves a complete database file', async () => {
    const file = path.join(dir, 'store.db');
    const store = openSqliteStore({ path: file });
    await writeAvailability(store);
    await store.close();
    expect(rowsInMainFileOnly(dir, file)).toBe(OWNERS.length);
  });
});
