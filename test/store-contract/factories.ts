/**
 * Store implementations under contract test. Each factory makes a fresh, empty store; `reopen` opens the same
 * database again (persistence checks). The PostgreSQL store adds its factory here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../service/src/adapters/store';
import type { Store } from '../../service/src/features/store-port';
import { postgresFactory } from './postgres-factory';

export interface StoreHandle {
  store: Store;
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

export interface StoreFactory {
  name: string;
  create(): Promise<StoreHandle>;
}

export const sqliteFactory: StoreFactory = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(path.join(tmpdir(), 'lr-store-'));
    const file = path.join(dir, 'store.db');
    const opened: Store[] = [openSqliteStore({ path: file })];
    return {
      store: opened[0]!,
      async reopen() {
        const s = openSqliteStore({ path: file });
        opened.push(s);
        return s;
      },
      async cleanup() {
        for (const s of opened) await s.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/**
 * Every transaction offered to the store as a decision transaction: in write-behind mode the supported bodies run
 * against the journal and the writer thread, the others fall back to ordinary transactions. The whole contract
 * must hold either way.
 */
function decisionsFirst(store: Store): Store {
  return new Proxy(store, {
    get(target, key) {
      if (key === 'transaction') {
        return (fn: Parameters<Store['transaction']>[0]) => target.transaction(fn, { decision: true });
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export const sqliteWriteBehindFactory: StoreFactory = {
  name: 'sqlite write-behind',
  async create() {
    const dir = mkdtempSync(path.join(tmpdir(), 'lr-store-wb-'));
    const file = path.join(dir, 'store.db');
    const open = () => decisionsFirst(openSqliteStore({ path: file, writeBehind: true }));
    const opened: Store[] = [open()];
    return {
      store: opened[0]!,
      async reopen() {
        const s = open();
        opened.push(s);
        return s;
      },
      async cleanup() {
        for (const s of opened) await s.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const STORE_FACTORIES: StoreFactory[] = [sqliteFactory, sqliteWriteBehindFactory, postgresFactory];
