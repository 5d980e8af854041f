/**
 * Prometheus metrics. Each call to createMetrics() owns its own Registry (never prom-client's global one), so
 * tests can build many apps in one process and features can add their metrics without name clashes.
 */
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

/** Decision latency buckets in seconds: fine at the low end, where an in-process decision lives. */
export const DECISION_LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export interface Metrics {
  readonly registry: Registry;
  /** One per decision. outcome: `decided` | `repeat` | `error` (features may add values, keep them few). */
  readonly decisionsTotal: Counter<'ruleset' | 'rule' | 'outcome'>;
  /** Seconds from a lead entering the routing service to its decision being committed. */
  readonly decisionLatency: Histogram<'ruleset'>;
  /** Every HTTP answer; route is the matched route pattern (`/v1/route`), `unmatched` otherwise. */
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  /** Register (or get, when one with that name already exists) a metric in this registry. */
  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L>;
  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L>;
  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L>;
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop lag, GC). Default true. */
  defaultMetrics?: boolean;
  /** Prefix for every metric name. Default `lead_router_`. */
  prefix?: string;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const prefix = options.prefix ?? 'lead_router_';
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });

  function existing<M>(name: string): M | undefined {
    return registry.getSingleMetric(name) as M | undefined;
  }

  function counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return existing<Counter<L>>(config.name) ?? new Counter<L>({ ...config, registers: [registry] });
  }
  function gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return existing<Gauge<L>>(config.name) ?? new Gauge<L>({ ...config, registers: [registry] });
  }
  function histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return existing<Histogram<L>>(config.name) ?? new Histogram<L>({ ...config, registers: [registry] });
  }

  return {
    registry,
    decisionsTotal: counter({
      name: `${prefix}decisions_total`,
      help: 'Routing decisions by ruleset, rule and outcome',
      labelNames: ['ruleset', 'rule', 'outcome'],
    }),
    decisionLatency: histogram({
      name: `${prefix}decision_latency_seconds`,
      help: 'Time to decide and commit one lead, in seconds',
      labelNames: ['ruleset'],
      buckets: DECISION_LATENCY_BUCKETS,
    }),
    httpRequests: counter({
      name: `${prefix}http_requests_total`,
      help: 'HTTP answers by method, matched route and status',
      labelNames: ['method', 'route', 'status'],
    }),
    counter,
    gauge,
    histogram,
  };
}
