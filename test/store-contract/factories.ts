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

export const STORE_FACTORIES: StoreFactory[] = [sqliteFactory, postgresFactory];
