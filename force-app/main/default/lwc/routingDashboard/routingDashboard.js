/**
 * The routing dashboard card: speed-to-lead (p50 and p90 of one hand-off per group, from the service's
 * /v1/stats/speed-to-lead) and fairness (assignments per pool member against the share their weight gives them,
 * from /v1/stats/fairness), drawn as SLDS-styled SVG bar charts (no chart library: works under Locker and LWS).
 */
import { LightningElement, api } from 'lwc';
import getSpeedToLead from '@salesforce/apex/RoutingStatsController.getSpeedToLead';
import getFairness from '@salesforce/apex/RoutingStatsController.getFairness';
import { errorToast } from 'c/reduceErrors';

const HOUR = 3600 * 1000;
export const PERIODS = { '1': 24 * HOUR, '7': 7 * 24 * HOUR, '30': 30 * 24 * HOUR };

export const HANDOFFS = [
    { label: 'Received to decided', value: 'received_to_decided' },
    { label: 'Decided to owner written', value: 'decided_to_written' },
    { label: 'Decided to notified', value: 'decided_to_notified' },
    { label: 'Committed in Salesforce to received', value: 'commit_to_received' },
    { label: 'Committed to owner written', value: 'commit_to_written' },
    { label: 'Enrichment', value: 'enrichment' },
    { label: 'Received to notified', value: 'received_to_notified' }
];

/** Chart geometry (SVG user units). */
export const LABEL_WIDTH = 150;
export const BAR_AREA = 230;
export const ROW_HEIGHT = 26;

function round1(n) {
    return Math.round(n * 10) / 10;
}

/** Human duration: 850 ms, 1.2 s, 3.5 min. */
export function formatMs(ms) {
    if (ms === null || ms === undefined) {
        return '–';
    }
    if (ms < 1000) {
        return `${Math.round(ms)} ms`;
    }
    if (ms < 60000) {
        return `${round1(ms / 1000)} s`;
    }
    return `${round1(ms / 60000)} min`;
}

function groupLabel(key) {
    return Object.values(key || {}).join(' / ') || 'all';
}

/** One row per group having the hand-off: bar widths scaled to the largest p90. */
export function speedRows(report, handoff) {
    const groups = (report && report.groups) || [];
    const rows = groups
        .filter((g) => g.handoffs && g.handoffs[handoff])
        .map((g) => ({ label: groupLabel(g.key), stats: g.handoffs[handoff] }));
    const max = rows.reduce((m, r) => Math.max(m, r.stats.p90Ms || 0), 0) || 1;
    return rows.map((r, i) => {
        const y = i * ROW_HEIGHT;
        return {
            key: `${r.label}-${i}`,
            label: r.label,
            labelY: y + 17,
            y: y + 4,
            midY: y + 9,
            x: LABEL_WIDTH,
            p50Width: round1(((r.stats.p50Ms || 0) / max) * BAR_AREA),
            p90Width: round1(((r.stats.p90Ms || 0) / max) * BAR_AREA),
            valueX: LABEL_WIDTH + 4,
            valueY: y + 17,
            text: `p50 ${formatMs(r.stats.p50Ms)} · p90 ${formatMs(r.stats.p90Ms)} (${r.stats.count})`,
            title: `${r.label}: p50 ${formatMs(r.stats.p50Ms)}, p90 ${formatMs(r.stats.p90Ms)} over ${r.stats.count} decisions`
        };
    });
}

/** One chart per pool; each member a bar of assignments and a marker at the expected count. */
export function fairnessPools(report) {
    const pools = (report && report.pools) || [];
    return pools.map((pool) => {
        const members = pool.members || [];
        const max = members.reduce((m, x) => Math.max(m, x.assigned, x.expected), 0) || 1;
        const rows = members.map((m, i) => {
            const y = i * ROW_HEIGHT;
            const expectedX = round1(LABEL_WIDTH + (m.expected / max) * BAR_AREA);
            return {
                key: m.ownerId,
                label: m.member ? m.ownerId : `${m.ownerId} (removed)`,
                labelY: y + 17,
                y: y + 4,
                x: LABEL_WIDTH,
                width: round1((m.assigned / max) * BAR_AREA),
                expectedX,
                markerY1: y + 1,
                markerY2: y + 23,
                barClass: m.deviation > 0.5 ? 'bar bar-over' : m.deviation < -0.5 ? 'bar bar-under' : 'bar bar-even',
                valueX: LABEL_WIDTH + 4,
                valueY: y + 17,
                text: `${m.assigned} of ${pool.total} (expected ${round1(m.expected)})`,
                title: `${m.ownerId}: ${m.assigned} assigned, ${round1(m.expectedShare * 100)}% expected by weight`
            };
        });
        return {
            key: pool.poolId,
            title: `Pool ${pool.poolId} (${pool.strategy}, ${pool.total} leads)`,
            rows,
            height: Math.max(ROW_HEIGHT, rows.length * ROW_HEIGHT),
            viewBox: `0 0 ${LABEL_WIDTH + BAR_AREA + 10} ${Math.max(ROW_HEIGHT, rows.length * ROW_HEIGHT)}`
        };
    });
}

export default class RoutingDashboard extends LightningElement {
    /** Ruleset whose fairness is shown (App Builder property; the card's input changes it). */
    @api
    get ruleset() {
        return this.selectedRuleset;
    }
    set ruleset(value) {
        this.selectedRuleset = value;
    }

    selectedRuleset = 'default';

    period = '7';
    groupBy = 'path';
    handoff = 'received_to_decided';
    speed = null;
    fairness = null;
    isLoading = false;
    now = () => Date.now();

    handoffOptions = HANDOFFS;
    periodOptions = [
        { label: 'Last 24 hours', value: '1' },
        { label: 'Last 7 days', value: '7' },
        { label: 'Last 30 days', value: '30' }
    ];
    groupOptions = [
        { label: 'Integration path', value: 'path' },
        { label: 'Ruleset', value: 'ruleset' },
        { label: 'Owner', value: 'owner' }
    ];

    connectedCallback() {
        this.load();
    }

    get speedRows() {
        return speedRows(this.speed, this.handoff);
    }

    get hasSpeedRows() {
        return this.speedRows.length > 0;
    }

    get speedViewBox() {
        return `0 0 ${LABEL_WIDTH + BAR_AREA + 10} ${this.speedHeight}`;
    }

    get speedHeight() {
        return Math.max(ROW_HEIGHT, this.speedRows.length * ROW_HEIGHT);
    }

    get fairnessPools() {
        return fairnessPools(this.fairness);
    }

    get hasFairness() {
        return this.fairnessPools.some((p) => p.rows.length > 0);
    }

    get decisionsLabel() {
        return this.speed ? `${this.speed.decisions} decisions${this.speed.truncated ? ' (truncated)' : ''}` : '';
    }

    handlePeriod(event) {
        this.period = event.detail.value;
        this.load();
    }

    handleGroupBy(event) {
        this.groupBy = event.detail.value;
        this.load();
    }

    handleHandoff(event) {
        this.handoff = event.detail.value;
    }

    handleRuleset(event) {
        this.selectedRuleset = event.detail.value;
    }

    handleRefresh() {
        this.load();
    }

    async load() {
        this.isLoading = true;
        const since = new Date(this.now() - PERIODS[this.period]).toISOString();
        const [speed, fairness] = await Promise.allSettled([
            getSpeedToLead({ since, until: null, groupBy: this.groupBy }),
            this.selectedRuleset ? getFairness({ ruleset: this.selectedRuleset, since, until: null }) : Promise.resolve(null)
        ]);
        if (speed.status === 'fulfilled') {
            this.speed = speed.value;
        } else {
            this.speed = null;
            this.dispatchEvent(errorToast('Could not load speed-to-lead', speed.reason));
        }
        if (fairness.status === 'fulfilled') {
            this.fairness = fairness.value;
        } else {
            this.fairness = null;
            this.dispatchEvent(errorToast('Could not load fairness', fairness.reason));
        }
        this.isLoading = false;
    }
}
