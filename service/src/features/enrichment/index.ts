/** Enrichment wiring: off unless ENRICHMENT_CSV or ENRICHMENT_HTTP_URL is set. */
import { ConfigError } from '../../config';
import { loadFirmographicsCsv } from './csv-table';
import { FirmographicsEnricher } from './enricher';
import { HttpFirmographicsProvider } from './http-provider';
import { loadEnrichmentSettings } from './settings';

export function createEnricher(env: NodeJS.ProcessEnv, now?: () => Date): FirmographicsEnricher | null {
  const s = loadEnrichmentSettings(env);
  if (!s.csvFile && !s.httpUrl) return null;
  let table = null;
  if (s.csvFile) {
    try {
      table = loadFirmographicsCsv(s.csvFile);
    } catch (err) {
      throw new ConfigError([{ variable: 'ENRICHMENT_CSV', message: err instanceof Error ? err.message : String(err) }]);
    }
  }
  const http = s.httpUrl ? new HttpFirmographicsProvider({ urlTemplate: s.httpUrl, token: s.httpToken, cacheMs: s.cacheMs }) : null;
  return new FirmographicsEnricher({ table, http, budgetMs: s.budgetMs, now });
}
