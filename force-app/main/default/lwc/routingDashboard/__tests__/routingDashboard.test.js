import { createElement } from 'lwc';
import RoutingDashboard, { BAR_AREA, LABEL_WIDTH, formatMs, speedRows, fairnessPools } from 'c/routingDashboard';
import getSpeedToLead from '@salesforce/apex/RoutingStatsController.getSpeedToLead';
import getFairness from '@salesforce/apex/RoutingStatsController.getFairness';

jest.mock('@salesforce/apex/RoutingStatsController.getSpeedToLead', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/RoutingStatsController.getFairness', () => ({ default: jest.fn() }), { virtual: true });

const SPEED = {
    decisions: 7,
    truncated: false,
    groups: [
        { key: { path: 'callout' }, decisions: 4, handoffs: { received_to_decided: { count: 4, p50Ms: 20, p90Ms: 50, maxMs: 50 } } },
        {
            key: { path: 'cdc' },
            decisions: 3,
            handoffs: {
                received_to_decided: { count: 3, p50Ms: 5, p90Ms: 10, maxMs: 10 },
                commit_to_written: { count: 2, p50Ms: 400, p90Ms: 700, maxMs: 700 }
            }
        }
    ]
};

const FAIRNESS = {
    ruleset: 'inbound',
    pools: [
        {
            poolId: 'us',
            strategy: 'weighted',
            total: 3,
            members: [
                { ownerId: '005000000000001AAA', weight: 2, assigned: 2, share: 2 / 3, expectedShare: 2 / 3, expected: 2, deviation: 0, member: true },
                { ownerId: '005000000000002AAA', weight: 1, assigned: 0, share: 0, expectedShare: 1 / 3, expected: 1, deviation: -1, member: true },
                { ownerId: '005000000000009AAA', weight: 0, assigned: 1, share: 1 / 3, expectedShare: 0, expected: 0, deviation: 1, member: false }
            ]
        }
    ]
};

const APEX_ERROR = { body: { message: 'The Lead Router service failed (HTTP 503): store down' }, ok: false, status: 500 };

function flushPromises() {
    // eslint-disable-next-line @lwc/lwc/no-async-operation
    return new Promise((resolve) => setTimeout(resolve, 0));
}

function mount(props = {}) {
    const element = createElement('c-routing-dashboard', { is: RoutingDashboard });
    Object.assign(element, props);
    document.body.appendChild(element);
    return element;
}

describe('c-routing-dashboard', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
        jest.clearAllMocks();
    });

    it('formats durations and scales speed bars to the largest p90', () => {
        expect(formatMs(850)).toBe('850 ms');
        expect(formatMs(1234)).toBe('1.2 s');
        expect(formatMs(210000)).toBe('3.5 min');
        expect(formatMs(null)).toBe('–');
        const rows = speedRows(SPEED, 'received_to_decided');
        expect(rows.map((r) => [r.label, r.p50Width, r.p90Width])).toEqual([
            ['callout', (20 / 50) * BAR_AREA, BAR_AREA],
            ['cdc', (5 / 50) * BAR_AREA, (10 / 50) * BAR_AREA]
        ]);
        expect(speedRows(SPEED, 'commit_to_written').map((r) => r.label)).toEqual(['cdc']);
        expect(speedRows(null, 'received_to_decided')).toEqual([]);
    });

    it('places fairness bars and expected markers on one scale', () => {
        const [pool] = fairnessPools(FAIRNESS);
        expect(pool.title).toBe('Pool us (weighted, 3 leads)');
        expect(pool.rows.map((r) => r.width)).toEqual([BAR_AREA, 0, BAR_AREA / 2]);
        expect(pool.rows.map((r) => r.expectedX)).toEqual([LABEL_WIDTH + BAR_AREA, LABEL_WIDTH + BAR_AREA / 2, LABEL_WIDTH]);
        expect(pool.rows.map((r) => r.barClass)).toEqual(['bar bar-even', 'bar bar-under', 'bar bar-over']);
        expect(pool.rows[2].label).toBe('005000000000009AAA (removed)');
    });

    it('loads both reports for the last 7 days and draws the SVG charts', async () => {
        getSpeedToLead.mockResolvedValue(SPEED);
        getFairness.mockResolvedValue(FAIRNESS);
        const element = mount({ ruleset: 'inbound' });
        await flushPromises();

        expect(getSpeedToLead).toHaveBeenCalledTimes(1);
        const speedArgs = getSpeedToLead.mock.calls[0][0];
        expect(speedArgs.groupBy).toBe('path');
        const ageMs = Date.now() - Date.parse(speedArgs.since);
        expect(ageMs).toBeGreaterThanOrEqual(7 * 24 * 3600 * 1000);
        expect(ageMs).toBeLessThan(7 * 24 * 3600 * 1000 + 60000);
        expect(getFairness).toHaveBeenCalledWith({ ruleset: 'inbound', since: speedArgs.since, until: null });

        const speedBars = element.shadowRoot.querySelectorAll('svg.speed-chart g.speed-row');
        expect(speedBars).toHaveLength(2);
        expect(speedBars[0].querySelector('rect.bar-p90').getAttribute('width')).toBe(String(BAR_AREA));
        expect(speedBars[0].querySelector('text.value').textContent).toBe('p50 20 ms · p90 50 ms (4)');
        expect(element.shadowRoot.querySelector('.decisions').textContent).toBe('7 decisions');

        const fairnessRows = element.shadowRoot.querySelectorAll('svg.fairness-chart g.fairness-row');
        expect(fairnessRows).toHaveLength(3);
        expect(fairnessRows[1].querySelector('line.expected').getAttribute('x1')).toBe(String(LABEL_WIDTH + BAR_AREA / 2));
        expect(fairnessRows[0].querySelector('text.value').textContent).toBe('2 of 3 (expected 2)');
    });

    it('switching the hand-off redraws without a new call; the period reloads', async () => {
        getSpeedToLead.mockResolvedValue(SPEED);
        getFairness.mockResolvedValue(FAIRNESS);
        const element = mount();
        await flushPromises();
        const handoff = element.shadowRoot.querySelector('lightning-combobox.handoff');
        handoff.dispatchEvent(new CustomEvent('change', { detail: { value: 'commit_to_written' } }));
        await flushPromises();
        expect(element.shadowRoot.querySelectorAll('g.speed-row')).toHaveLength(1);
        expect(getSpeedToLead).toHaveBeenCalledTimes(1);

        const period = element.shadowRoot.querySelector('lightning-combobox.period');
        period.dispatchEvent(new CustomEvent('change', { detail: { value: '1' } }));
        await flushPromises();
        expect(getSpeedToLead).toHaveBeenCalledTimes(2);
        const age = Date.now() - Date.parse(getSpeedToLead.mock.calls[1][0].since);
        expect(age).toBeLessThan(24 * 3600 * 1000 + 60000);

        const groupBy = element.shadowRoot.querySelector('lightning-combobox.group-by');
        groupBy.dispatchEvent(new CustomEvent('change', { detail: { value: 'owner' } }));
        await flushPromises();
        expect(getSpeedToLead.mock.calls[2][0].groupBy).toBe('owner');
        expect(getFairness.mock.calls[0][0].ruleset).toBe('default');
    });

    it('shows an error toast per failed report and the empty states', async () => {
        getSpeedToLead.mockRejectedValue(APEX_ERROR);
        getFairness.mockResolvedValue({ pools: [] });
        const element = mount();
        const toasts = [];
        element.addEventListener('lightning__showtoast', (e) => toasts.push(e.detail));
        await flushPromises();
        expect(toasts).toHaveLength(1);
        expect(toasts[0]).toMatchObject({ title: 'Could not load speed-to-lead', variant: 'error' });
        expect(toasts[0].message).toContain('store down');
        expect(element.shadowRoot.querySelector('.empty-speed')).not.toBeNull();
        expect(element.shadowRoot.querySelector('.empty-fairness')).not.toBeNull();
    });
});
