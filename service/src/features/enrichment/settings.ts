/**
 * Enrichment settings, validated at start (a bad value stops the start naming the variable).
 *
 * | variable | meaning | default |
 * | `ENRICHMENT_CSV` | path of the local domain -> firmographics CSV (first column `domain`, then lead field names) | off |
 * | `ENRICHMENT_HTTP_URL` | provider URL with `{domain}` (e.g. `https://api.example.com/companies?domain={domain}`) | off |
 * | `ENRICHMENT_HTTP_TOKEN` | Bearer token for the provider | none |
 * | `ENRICHMENT_BUDGET_MS` | time budget of enrichment per lead | `300` |
 * | `ENRICHMENT_CACHE_SECONDS` | how long provider answers are cached | `86400` |
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { envInt, parseEnv } from '../../env-settings';

export interface EnrichmentSettings {
  csvFile: string | null;
  httpUrl: string | null;
  httpToken: string | null;
  budgetMs: number;
  cacheMs: number;
}

const optional = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());

const schema = z.object({
  ENRICHMENT_CSV: optional.refine((v) => v === undefined || existsSync(v), { message: 'file does not exist' }),
  ENRICHMENT_HTTP_URL: optional.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        const u = new URL(v.replace('{domain}', 'x'));
        return (u.protocol === 'https:' || u.protocol === 'http:') && v.includes('{domain}');
      } catch {
        return false;
      }
    },
    { message: 'must be an http(s) URL containing {domain}' },
  ),
  ENRICHMENT_HTTP_TOKEN: optional,
  ENRICHMENT_BUDGET_MS: envInt(1, 10_000, 300),
  ENRICHMENT_CACHE_SECONDS: envInt(0, 30 * 86_400, 86_400),
});

export function loadEnrichmentSettings(env: NodeJS.ProcessEnv): EnrichmentSettings {
  const e = parseEnv(schema, env);
  return {
    csvFile: e.ENRICHMENT_CSV ?? null,
    httpUrl: e.ENRICHMENT_HTTP_URL ?? null,
    httpToken: e.ENRICHMENT_HTTP_TOKEN ?? null,
    budgetMs: e.ENRICHMENT_BUDGET_MS,
    cacheMs: e.ENRICHMENT_CACHE_SECONDS * 1000,
  };
}
