import { createMetrics, DECISION_LATENCY_BUCKETS } from '../../../service/src/http/metrics';

describe('metrics', () => {
  test('each call has its own registry with the routing metrics and process metrics', async () => {
    const a = createMetrics();
    const b = createMetrics();
    expect(a.registry).not.toBe(b.registry);
    a.decisionsTotal.inc({ ruleset: 'inbound', rule: 'ent-emea', outcome: 'decided' });
    a.decisionLatency.observe({ ruleset: 'inbound' }, 0.00042);
    const textA = await a.registry.metrics();
    const textB = await b.registry.metrics();
    expect(textA).toContain('lead_router_decisions_total{ruleset="inbound",rule="ent-emea",outcome="decided"} 1');
    expect(textA).toContain('lead_router_decision_latency_seconds_bucket{le="0.0005",ruleset="inbound"} 1');
    expect(textA).toContain('lead_router_decision_latency_seconds_bucket{le="0.00025",ruleset="inbound"} 0');
    expect(textB).not.toContain('ruleset="inbound"');
    expect(textA).toContain('lead_router_process_cpu_seconds_total');
    expect(textA).toContain('lead_router_nodejs_eventloop_lag_seconds');
    expect(DECISION_LATENCY_BUCKETS[0]).toBe(0.0001);
  });

  test('features register more metrics; registering the same name twice returns the same metric', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const events = m.counter({ name: 'lead_router_cdc_events_total', help: 'CDC events by type', labelNames: ['type'] });
    const again = m.counter({ name: 'lead_router_cdc_events_total', help: 'CDC events by type', labelNames: ['type'] });
    expect(again).toBe(events);
    events.inc({ type: 'UPDATE' }, 3);
    m.gauge({ name: 'lead_router_cdc_lag_seconds', help: 'Lag' }).set(1.5);
    m.histogram({ name: 'lead_router_sf_api_seconds', help: 'SF API', buckets: [0.1, 1] }).observe(0.2);
    const text = await m.registry.metrics();
    expect(text).toContain('lead_router_cdc_events_total{type="UPDATE"} 3');
    expect(text).toContain('lead_router_cdc_lag_seconds 1.5');
    expect(text).toContain('lead_router_sf_api_seconds_bucket{le="1"} 1');
    expect(text).not.toContain('process_cpu');
  });
});
