/** Prometheus metrics of the HubSpot owner writes (registered in the service's own registry, http/metrics.ts). */
import type { Metrics } from '../../http/metrics';
import { HUBSPOT_OWNER_WRITE_KIND } from '../../adapters/hubspot/types';
import type { Store } from '../store-port';

export interface HubspotWriteMetrics {
  writes: ReturnType<Metrics['counter']>;
  calls: ReturnType<Metrics['counter']>;
  batchSize: ReturnType<Metrics['histogram']>;
  latency: ReturnType<Metrics['histogram']>;
  rateLimited: ReturnType<Metrics['counter']>;
  paused: ReturnType<Metrics['gauge']>;
}

export function hubspotWriteMetrics(metrics: Metrics, store: Store): HubspotWriteMetrics {
  metrics.gauge({
    name: 'lead_router_hubspot_outbox_depth',
    help: 'HubSpot owner writes waiting in the outbox (pending rows, capped at 10000 when counting)',
    async collect() {
      const pending = await store.listOutbox({ status: 'pending', kind: HUBSPOT_OWNER_WRITE_KIND, limit: 10_000 });
      this.set(pending.length);
    },
  });
  return {
    writes: metrics.counter({
      name: 'lead_router_hubspot_owner_writes_total',
      help: 'HubSpot owner write outcomes: written, retried, rate_limited, superseded, dead (given up), moot (contact gone)',
      labelNames: ['result'],
    }),
    calls: metrics.counter({
      name: 'lead_router_hubspot_write_calls_total',
      help: 'HTTP calls made by the HubSpot owner writer (batch/update, including 429 retries and halvings)',
    }),
    batchSize: metrics.histogram({
      name: 'lead_router_hubspot_write_batch_size',
      help: 'Contacts per HubSpot owner-write batch',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    }),
    latency: metrics.histogram({
      name: 'lead_router_hubspot_owner_written_seconds',
      help: 'Seconds from the change that led to an owner write (originAt) to HubSpot acknowledging it',
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    }),
    rateLimited: metrics.counter({
      name: 'lead_router_hubspot_rate_limited_total',
      help: 'HubSpot owner-write batches that ended on a rate limit after the client retries, by policy',
      labelNames: ['policy'],
    }),
    paused: metrics.gauge({
      name: 'lead_router_hubspot_writes_paused',
      help: '1 while HubSpot owner writes wait for the next daily rate-limit window',
    }),
  };
}
