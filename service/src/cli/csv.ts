/**
 * A small RFC 4180 CSV parser: fields separated by commas, records by CRLF or LF (a lone CR too); a field in
 * double quotes may hold commas, line breaks and doubled quotes (`""` -> `"`). A UTF-8 byte order mark is
 * dropped. Errors name the line and column, so a bad leads file points at its mistake.
 */

export class CsvError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${message}`);
    this.name = 'CsvError';
  }
}

/** Every record as an array of fields. A final line break does not start an empty record. */
export function parseCsv(text: string): string[][] {
  return parseCsvRecords(text).records;
}

/** Records with the line each starts on (a quoted field may span lines). */
export function parseCsvRecords(text: string): { records: string[][]; lines: number[] } {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: string[][] = [];
  const lines: number[] = [];
  let record: string[] = [];
  let recordLine = 1;
  let field = '';
  let i = 0;
  let line = 1;
  let lineStart = 0;
  // `fieldStarted`: something (even an empty quoted field) began on this record, so a trailing empty field counts.
  let fieldStarted = false;
  const endField = () => {
    record.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    records.push(record);
    lines.push(recordLine);
    record = [];
    fieldStarted = false;
  };
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === '"') {
      if (field !== '') throw new CsvError('a quote inside an unquoted field (quote the whole field and double the quote)', line, i - lineStart + 1);
      const openLine = line;
      const openColumn = i - lineStart + 1;
      i++;
      for (;;) {
        if (i >= src.length) throw new CsvError('quoted field is not closed', openLine, openColumn);
        const c = src[i]!;
        if (c === '"') {
          if (src[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\n' || (c === '\r' && src[i + 1] !== '\n')) {
          line++;
          lineStart = i + 1;
        }
        field += c;
        i++;
      }
      fieldStarted = true;
      const next = src[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw new CsvError('unexpected character after a closing quote', line, i - lineStart + 1);
      }
      if (next === undefined) break;
      continue;
    }
    if (ch === ',') {
      endField();
      fieldStarted = true;
      i++;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      endRecord();
      i += ch === '\r' && src[i + 1] === '\n' ? 2 : 1;
      line++;
      lineStart = i;
      recordLine = line;
      continue;
    }
    field += ch;
    fieldStarted = true;
    i++;
  }
  if (fieldStarted || field !== '' || record.length > 0) endRecord();
  return { records, lines };
}

/**
 * Records as objects keyed by the header row. Blank lines are skipped; a record with more fields than the header
 * is an error; a shorter one leaves the missing fields out.
 */
export function parseCsvObjects(text: string): { header: string[]; rows: Array<Record<string, string>> } {
  const { records, lines } = parseCsvRecords(text);
  const header = (records[0] ?? []).map((h) => h.trim());
  if (header.length === 0 || header.every((h) => h === '')) throw new CsvError('the first line must be a header of field API names', 1, 1);
  const seen = new Set<string>();
  header.forEach((h, col) => {
    if (h === '') throw new CsvError('empty column name in the header', 1, col + 1);
    if (seen.has(h)) throw new CsvError(`duplicate column "${h}" in the header`, 1, col + 1);
    seen.add(h);
  });
  const rows: Array<Record<string, string>> = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r]!;
    if (rec.length === 1 && rec[0] === '') continue; // blank line
    if (rec.length > header.length) {
      throw new CsvError(`${rec.length} fields but the header has ${header.length}`, lines[r]!, 1);
    }
    const row: Record<string, string> = {};
    rec.forEach((v, col) => (row[header[col]!] = v));
    rows.push(row);
  }
  return { header, rows };
}
