/**
 * The decision journal of the SQLite store's write-behind mode (see write-behind.ts): an append-only file, one
 * record per line, `<json>\n`, where json is `{"s": seq, "o": [[statement, params], ...]}`: the statements (by
 * name, from the store's prepared statements) and parameters that put one transaction's effects into the tables.
 *
 * A record is safe from a process crash (kill -9) as soon as write(2) returned: the bytes sit in the OS page cache,
 * owned by the kernel; the same guarantee as a WAL commit under synchronous=NORMAL. With synchronous=FULL each
 * append is also fdatasync'ed. A crash inside the write can leave a torn last line: it lacks its newline or is not
 * JSON, and it is ignored; its caller never got an answer. (No checksum: what a process crash can do to an append
 * is cut it short, and JSON.stringify never writes a raw newline inside a record.)
 */
import { closeSync, existsSync, fdatasyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';

export type JournalOp = [statement: string, params: unknown[]];

export interface JournalRecord {
  /** Sequence number: strictly increasing over the life of the database (write_behind_state.applied_seq). */
  s: number;
  o: JournalOp[];
}

/** One record as its line in the file and its JSON (what the writer thread parses). */
export function encodeRecord(record: JournalRecord): { line: string; json: string } {
  const json = JSON.stringify(record);
  return { line: `${json}\n`, json };
}

export interface JournalContents {
  records: JournalRecord[];
  /** A last line that was cut short or failed its checksum (ignored). */
  tornTail: boolean;
}

/** The valid records of a journal file, in order; stops at the first damaged line (only the last can be). */
export function readJournal(path: string): JournalContents {
  if (!existsSync(path)) return { records: [], tornTail: false };
  const text = readFileSync(path, 'utf8');
  const records: JournalRecord[] = [];
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    if (end < 0) return { records, tornTail: true };
    const line = text.slice(start, end);
    start = end + 1;
    let record: JournalRecord;
    try {
      record = JSON.parse(line) as JournalRecord;
    } catch {
      return { records, tornTail: true };
    }
    if (typeof record?.s !== 'number' || !Array.isArray(record.o)) return { records, tornTail: true };
    records.push(record);
  }
  return { records, tornTail: false };
}

export class JournalFile {
  private fd: number | null;
  private bytes = 0;

  constructor(
    readonly path: string,
    private readonly sync: boolean,
  ) {
    // O_APPEND: every write lands at the end, also after a truncate.
    this.fd = openSync(path, 'a');
  }

  /** Appends lines (whole records); returns once the kernel has them (and the disk, with `sync`). */
  append(text: string): void {
    if (this.fd === null) throw new Error('decision journal is closed');
    // The string itself: node encodes it outside the JS heap (a Buffer copy per decision was garbage to collect).
    const length = Buffer.byteLength(text, 'utf8');
    let written = 0;
    try {
      written = writeSync(this.fd, text, null, 'utf8');
    } finally {
      // A short write (disk full) would leave a torn line that hides every later record from recovery: cut it off.
      if (written !== length) ftruncateSync(this.fd, this.bytes);
    }
    if (written !== length) throw new Error(`decision journal: wrote ${written} of ${length} bytes`);
    this.bytes += written;
    if (this.sync) fdatasyncSync(this.fd);
  }

  /** Bytes appended since the last truncate (or open). */
  get size(): number {
    return this.bytes;
  }

  /** Empties the file: only when every record in it is applied to the tables. */
  truncate(): void {
    if (this.fd === null) return;
    ftruncateSync(this.fd, 0);
    this.bytes = 0;
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}
