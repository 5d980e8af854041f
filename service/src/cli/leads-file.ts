/**
 * Leads for `simulate`: a JSON file (an array of leads, or `{"leads": [...]}`) or a CSV file whose header row
 * holds Salesforce field API names. CSV values stay text (the core compares numeric text as numbers); an empty
 * cell is left out, which the core reads as blank.
 */
import { CsvError, parseCsvObjects } from './csv';
import { readJsonFile, readTextFile, UsageError } from './io';

export function readLeadsFile(file: string): unknown[] {
  if (/\.csv$/i.test(file)) {
    let parsed;
    try {
      parsed = parseCsvObjects(readTextFile(file));
    } catch (err) {
      if (err instanceof CsvError) throw new UsageError(`${file}: ${err.message}`);
      throw err;
    }
    return parsed.rows.map((row) => {
      const lead: Record<string, string> = {};
      for (const [k, v] of Object.entries(row)) if (v !== '') lead[k] = v;
      return lead;
    });
  }
  const json = readJsonFile(file);
  const leads = Array.isArray(json) ? json : json && typeof json === 'object' ? (json as { leads?: unknown }).leads : undefined;
  if (!Array.isArray(leads)) throw new UsageError(`${file}: expected a JSON array of leads or {"leads": [...]}`);
  return leads;
}
