import { createElement } from 'lwc';
import RoutingAuditTrail, { PAGE_SIZE } from 'c/routingAuditTrail';
import listDecisions from '@salesforce/apex/RoutingAuditController.listDecisions';
import getDecision from '@salesforce/apex/RoutingAuditController.getDecision';

const PAGE_1 = require('./data/decisionsPage1.json');
const PAGE_2 = require('./data/decisionsPage2.json');
const DECISION = require('./data/decision.json');

jest.mock('@salesforce/apex/RoutingAuditController.listDecisions', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/RoutingAuditController.getDecision', () => ({ default: jest.fn() }), { virtual: true });

const APEX_ERROR = { body: { message: 'The Lead Router service failed (HTTP 503): store down' }, ok: false, status: 500 };

function flushPromises() {
    // eslint-disable-next-line @lwc/lwc/no-async-operation
    return new Promise((resolve) => setTimeout(resolve, 0));
}

function mount(props = {}) {
    const element = createElement('c-routing-audit-trail', { is: RoutingAuditTrail });
    Object.assign(element, props);
    document.body.appendChild(element);
    return element;
}

function button(element, cls) {
    return element.shadowRoot.querySelector(`lightning-button.${cls}`);
}

function input(element, name) {
    return element.shadowRoot.querySelector(`lightning-input[data-name="${name}"]`);
}

describe('c-routing-audit-trail', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
        jest.clearAllMocks();
    });

    it('renders the first page of decisions in the datatable', async () => {
        listDecisions.mockResolvedValue(PAGE_1);
        const element = mount();
        await flushPromises();

        expect(listDecisions).toHaveBeenCalledWith({ filters: {}, cursor: null, pageSize: PAGE_SIZE });
        const table = element.shadowRoot.querySelector('lightning-datatable');
        expect(table.data).toHaveLength(2);
        expect(table.data[0].decisionId).toBe('01JDQ8Z3M7Q4T5V6W7X8Y9Z0AB');
        expect(table.data[0].rulesetLabel).toBe('inbound v3');
        expect(table.keyField).toBe('decisionId');
        expect(table.columns.map((c) => c.fieldName)).toEqual(
            expect.arrayContaining(['createdAt', 'leadId', 'ownerId', 'ruleId', 'poolId', 'reason', 'source'])
        );
        expect(button(element, 'previous').disabled).toBe(true);
        expect(button(element, 'next').disabled).toBe(false);
    });

    it('sends every filter, trimmed, and restarts from the first page', async () => {
        listDecisions.mockResolvedValue(PAGE_1);
        const element = mount();
        await flushPromises();

        const values = {
            leadId: ' 00Q5g00000AbCdEEAZ ',
            ownerId: '0055g00000XyZ01AAB',
            ruleset: 'inbound',
            ruleId: 'ent-emea',
            since: '2026-11-01T00:00:00.000Z',
            until: '2026-11-30T00:00:00.000Z'
        };
        Object.entries(values).forEach(([name, value]) => {
            const field = input(element, name);
            field.dispatchEvent(new CustomEvent('change', { detail: { value } }));
        });
        button(element, 'apply').click();
        await flushPromises();

        expect(listDecisions).toHaveBeenLastCalledWith({
            filters: {
                leadId: '00Q5g00000AbCdEEAZ',
                ownerId: '0055g00000XyZ01AAB',
                ruleset: 'inbound',
                ruleId: 'ent-emea',
                since: '2026-11-01T00:00:00.000Z',
                until: '2026-11-30T00:00:00.000Z'
            },
            cursor: null,
            pageSize: PAGE_SIZE
        });
    });

    it('clears the filters', async () => {
        listDecisions.mockResolvedValue(PAGE_1);
        const element = mount();
        await flushPromises();
        input(element, 'ruleset').dispatchEvent(new CustomEvent('change', { detail: { value: 'inbound' } }));
        button(element, 'clear').click();
        await flushPromises();
        expect(listDecisions).toHaveBeenLastCalledWith({ filters: {}, cursor: null, pageSize: PAGE_SIZE });
    });

    it('pages forward with the server cursor and back to the previous cursor', async () => {
        listDecisions.mockResolvedValueOnce(PAGE_1).mockResolvedValueOnce(PAGE_2).mockResolvedValueOnce(PAGE_1);
        const element = mount();
        await flushPromises();

        button(element, 'next').click();
        await flushPromises();
        expect(listDecisions).toHaveBeenLastCalledWith({ filters: {}, cursor: PAGE_1.nextCursor, pageSize: PAGE_SIZE });
        const table = element.shadowRoot.querySelector('lightning-datatable');
        expect(table.data.map((r) => r.decisionId)).toEqual(['01JDNX4ZZ9X8W7V6T5S4R3Q2PN']);
        expect(button(element, 'next').disabled).toBe(true);
        expect(button(element, 'previous').disabled).toBe(false);
        expect(element.shadowRoot.querySelector('.page-label').textContent).toBe('Page 2');

        button(element, 'previous').click();
        await flushPromises();
        expect(listDecisions).toHaveBeenLastCalledWith({ filters: {}, cursor: null, pageSize: PAGE_SIZE });
        expect(element.shadowRoot.querySelector('.page-label').textContent).toBe('Page 1');
    });

    it('on a Lead record page, locks the lead filter to the record', async () => {
        listDecisions.mockResolvedValue(PAGE_2);
        const element = mount({ recordId: '00Q5g00000AbCdGEAZ' });
        await flushPromises();
        expect(listDecisions).toHaveBeenCalledWith({ filters: { leadId: '00Q5g00000AbCdGEAZ' }, cursor: null, pageSize: PAGE_SIZE });
        expect(input(element, 'leadId')).toBeNull();
    });

    it('opens the why-trace and the timeline of a decision', async () => {
        listDecisions.mockResolvedValue(PAGE_1);
        getDecision.mockResolvedValue(DECISION);
        const element = mount();
        await flushPromises();

        const table = element.shadowRoot.querySelector('lightning-datatable');
        table.dispatchEvent(new CustomEvent('rowaction', { detail: { action: { name: 'why' }, row: PAGE_1.items[0] } }));
        await flushPromises();

        expect(getDecision).toHaveBeenCalledWith({ decisionId: '01JDQ8Z3M7Q4T5V6W7X8Y9Z0AB' });
        const detail = element.shadowRoot.querySelector('c-routing-decision-detail');
        expect(detail.decision).toEqual(DECISION);
        const root = detail.shadowRoot;
        const rules = root.querySelectorAll('li.rule');
        expect(rules).toHaveLength(3);
        expect(rules[0].textContent).toContain('failed');
        expect(rules[0].querySelector('.failed-at').textContent).toBe('failed at: Email endsWith @acme.com');
        expect(rules[1].textContent).toContain('inactive');
        expect(rules[2].textContent).toContain('matched');
        expect(rules[0].querySelectorAll('li.condition')).toHaveLength(3);
        expect(rules[0].querySelectorAll('li.condition')[1].textContent).toContain('Email endsWith "@acme.com" (lead: "jane@globex.fr")');

        const members = root.querySelectorAll('tr.member');
        expect(members).toHaveLength(3);
        expect(members[0].textContent).toContain('skipped: daily_cap');
        expect(members[0].textContent).toContain('dailyCap 25 reached (25 today)');
        expect(members[1].textContent).toContain('skipped: unavailable');
        expect(members[2].textContent).toContain('picked');
        expect(root.querySelector('.skill-filter').textContent).toBe('Skill filter: Language__c = fr');

        const entries = Array.from(root.querySelectorAll('li.timeline-entry'));
        expect(entries.map((e) => e.querySelector('strong').textContent)).toEqual([
            'committed_in_crm',
            'received',
            'decided',
            'written_salesforce',
            'notified'
        ]);
        expect(entries[1].querySelector('.timeline-detail').textContent).toBe('source: callout');
        expect(entries[3].querySelector('.timeline-detail').textContent).toBe('call: PATCH Lead, attempt: 1');
        expect(entries[0].querySelector('.timeline-detail').textContent).toBe('');

        root.querySelector('lightning-button-icon.close').click();
        await flushPromises();
        expect(element.shadowRoot.querySelector('c-routing-decision-detail')).toBeNull();
    });

    it('shows where a lead fell when no member was eligible', async () => {
        listDecisions.mockResolvedValue(PAGE_1);
        const fell = JSON.parse(JSON.stringify(DECISION));
        fell.trace.target = {
            type: 'accountOwner',
            account: { domain: 'globex.fr', matched: false },
            else: { type: 'pool', pool: { ...DECISION.trace.target.pool, picked: null, fellTo: 'overflow' } }
        };
        fell.timeline = [];
        getDecision.mockResolvedValue(fell);
        const element = mount();
        await flushPromises();
        element.shadowRoot
            .querySelector('lightning-datatable')
            .dispatchEvent(new CustomEvent('rowaction', { detail: { action: { name: 'why' }, row: PAGE_1.items[0] } }));
        await flushPromises();
        const root = element.shadowRoot.querySelector('c-routing-decision-detail').shadowRoot;
        expect(root.querySelector('.fell-to').textContent).toBe('No eligible member: fell to the overflow');
        expect(root.querySelector('.account').textContent).toBe('Account domain globex.fr: no matching account');
        expect(root.querySelector('.picked').textContent).toBe('nobody');
        expect(root.querySelector('.no-timeline')).not.toBeNull();
    });

    it('shows an Apex error in a toast through reduceErrors', async () => {
        listDecisions.mockRejectedValue(APEX_ERROR);
        const element = mount();
        const handler = jest.fn();
        element.addEventListener('lightning__showtoast', handler);
        await flushPromises();
        expect(handler).toHaveBeenCalledTimes(1);
        expect(handler.mock.calls[0][0].detail).toEqual(
            expect.objectContaining({
                title: 'Could not load routing decisions',
                message: 'The Lead Router service failed (HTTP 503): store down',
                variant: 'error'
            })
        );
        expect(element.shadowRoot.querySelector('lightning-datatable')).toBeNull();
        expect(element.shadowRoot.querySelector('.empty')).not.toBeNull();
    });

    it('shows a decision load error in a toast', async () => {
        listDecisions.mockResolvedValue(PAGE_1);
        getDecision.mockRejectedValue({ body: { message: 'Not found on the Lead Router service: No decision x' } });
        const element = mount();
        const handler = jest.fn();
        element.addEventListener('lightning__showtoast', handler);
        await flushPromises();
        element.shadowRoot
            .querySelector('lightning-datatable')
            .dispatchEvent(new CustomEvent('rowaction', { detail: { action: { name: 'why' }, row: PAGE_1.items[0] } }));
        await flushPromises();
        expect(handler.mock.calls[0][0].detail.message).toBe('Not found on the Lead Router service: No decision x');
        expect(element.shadowRoot.querySelector('c-routing-decision-detail')).toBeNull();
    });
});
