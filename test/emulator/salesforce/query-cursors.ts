/**
 * Query locators behind `nextRecordsUrl` (platform-facts 3.7: `/services/data/vXX.X/query/01g...-2000`).
 * A cursor keeps the rows of its query as they were when it ran.
 */
import { IdMinter } from './ids';

interface Cursor {
  rows: Record<string, unknown>[];
  totalSize: number;
}

const MAX_OPEN_CURSORS = 200;

export class QueryCursors {
  private readonly cursors = new Map<string, Cursor>();
  private readonly ids = new IdMinter();

  open(rows: Record<string, unknown>[], totalSize: number): string {
    const id = this.ids.next('01g');
    this.cursors.set(id, { rows, totalSize });
    // Oldest cursors are dropped first, as the platform expires idle locators.
    while (this.cursors.size > MAX_OPEN_CURSORS) this.cursors.delete(this.cursors.keys().next().value as string);
    return id;
  }

  get(id: string): Cursor | undefined {
    return this.cursors.get(id);
  }

  clear(): void {
    this.cursors.clear();
  }
}
