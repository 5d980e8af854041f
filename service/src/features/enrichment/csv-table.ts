/**
 * The local firmographics table: a CSV file whose first column is `domain` and whose other columns are Salesforce
 * lead field API names (`NumberOfEmployees,Industry,AnnualRevenue,Country`). Values that read as plain decimal
 * numbers become numbers; empty cells are left out. Quoted cells ("a, b" and "" escapes) are understood.
 */
import { readFileSync } from 'node:fs';

const FIELD = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;

export type Firmographics = Record<string, string | number>;

export function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells.map((s) => s.trim());
}

export function parseFirmographicsCsv(text: string): Map<string, Firmographics> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  const table = new Map<string, Firmographics>();
  if (lines.length === 0) return table;
  const header = parseCsvLine(lines[0]!);
  if (header[0]?.toLowerCase() !== 'domain') throw new Error('the first column of the enrichment CSV must be "domain"');
  header.slice(1).forEach((h, i) => {
    if (!FIELD.test(h)) throw new Error(`column ${i + 2} "${h.slice(0, 40)}" is not a Salesforce field API name`);
  });
  for (const line of lines.slice(1)) {
    const cells = parseCsvLine(line);
    const domain = cells[0]?.toLowerCase().replace(/^www\./, '');
    if (!domain) continue;
    const row: Firmographics = {};
    header.slice(1).forEach((field, i) => {
      const v = cells[i + 1];
      if (v === undefined || v === '') return;
      row[field] = NUMBER.test(v) ? Number(v) : v;
    });
    table.set(domain, row);
  }
  return table;
}

export function loadFirmographicsCsv(file: string): Map<string, Firmographics> {
  return parseFirmographicsCsv(readFileSync(file, 'utf8'));
}
