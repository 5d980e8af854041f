/**
 * GET /query and /queryAll (?q=, ?columns=true) and the query locators of nextRecordsUrl (platform-facts 3.7).
 */
import type { Request, Response, Router } from 'express';
import { SfError } from './errors';
import { handle } from './http-util';
import type { SalesforceOrg } from './org';
import type { RestState } from './rest-state';
import { describeColumns, planQuery, runQuery } from './soql/evaluate';

/** Sforce-Query-Options: batchSize=n (200..2000), else the org's default. */
function batchSize(req: Request, fallback: number): number {
  const header = req.headers['sforce-query-options'];
  const m = /batchSize\s*=\s*(\d+)/i.exec(typeof header === 'string' ? header : '');
  if (!m) return fallback;
  return Math.min(2000, Math.max(200, Number(m[1])));
}

export function mountQuery(router: Router, org: SalesforceOrg, state: (res: Response) => RestState): void {
  const page = (res: Response, version: string, rows: Record<string, unknown>[], totalSize: number, offset: number, size: number, cursorId?: string) => {
    const records = rows.slice(offset, offset + size);
    const done = offset + size >= rows.length;
    const body: Record<string, unknown> = { totalSize, done };
    if (!done) body.nextRecordsUrl = `/services/data/v${version}/query/${cursorId}-${offset + size}`;
    body.records = records;
    res.json(body);
  };

  const query = (includeDeleted: boolean) =>
    handle((req, res) => {
      const q = req.query.q;
      if (typeof q !== 'string' || q.trim() === '') throw new SfError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
      const plan = planQuery(q);
      const { version } = state(res);
      if (req.query.columns === 'true') {
        res.json(describeColumns(plan));
        return;
      }
      const result = runQuery(plan, org.records, { now: org.clock.now(), includeDeleted, version });
      if (plan.count) {
        res.json({ totalSize: result.totalSize, done: true, records: [] });
        return;
      }
      const size = batchSize(req, org.options.queryBatchSize);
      const cursorId = result.records.length > size ? org.cursors.open(result.records, result.totalSize) : undefined;
      page(res, version, result.records, result.totalSize, 0, size, cursorId);
    });

  router.get('/query', query(false));
  router.get('/queryAll', query(true));

  const more = handle((req, res) => {
    const m = /^(01g[a-zA-Z0-9]{12,15})-(\d+)$/.exec(String(req.params.locator));
    const cursor = m ? org.cursors.get(m[1]) : undefined;
    if (!m || !cursor) throw new SfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const offset = Number(m[2]);
    const size = batchSize(req, org.options.queryBatchSize);
    page(res, state(res).version, cursor.rows, cursor.totalSize, offset, size, m[1]);
  });
  router.get('/query/:locator', more);
  router.get('/queryAll/:locator', more);
}
