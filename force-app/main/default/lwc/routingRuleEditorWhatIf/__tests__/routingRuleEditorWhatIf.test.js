import { createElement } from 'lwc';
import RoutingRuleEditorWhatIf from 'c/routingRuleEditorWhatIf';
import whatIf from '@salesforce/apex/RoutingRuleEditorController.whatIf';

/** A real answer of POST /v1/rulesets/inbound/what-if: 12 leads, `de` moved below `big`, smb reweighted D:3 E:1. */
const WHAT_IF = require('./data/whatIf.json');

jest.mock('@salesforce/apex/RoutingRuleEditorController.whatIf', () => ({ default: jest.fn() }), { virtual: true });

const DRAFT = { name: 'inbound', pools: [], rules: [], default: { type: 'queue', ownerId: '00G000000000001EAA' } };

function flushPromises() {
    // eslint-disable-next-line @lwc/lwc/no-async-operation
    return new Promise((resolve) => setTimeout(resolve, 0));
}

async function settle() {
    for (let i = 0; i < 3; i++) {
        // eslint-disable-next-line no-await-in-loop
        await flushPromises();
    }
}

function mount(props = {}) {
    const element = createElement('c-routing-rule-editor-what-if', { is: RoutingRuleEditorWhatIf });
    Object.assign(element, { rulesetName: 'inbound', draft: DRAFT, ...props });
    document.body.appendChild(element);
    const events = [];
    element.addEventListener('whatif', (e) => events.push(e.detail));
    const toasts = [];
    element.addEventListener('lightning__showtoast', (e) => toasts.push(e.detail));
    return { element, events, toasts };
}

const q = (element, selector) => element.shadowRoot.querySelector(selector);

describe('c-routing-rule-editor-what-if', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
        jest.clearAllMocks();
    });

    it('replays the draft over the chosen window and shows gains, losses, rule shifts and changed leads', async () => {
        whatIf.mockResolvedValue({ ...WHAT_IF, valid: true });
        const { element, events } = mount();
        expect(q(element, 'lightning-datatable.members')).toBeNull();

        const days = q(element, 'lightning-input.days');
        days.dispatchEvent(new CustomEvent('change', { detail: { value: '14' } }));
        q(element, 'lightning-button.run').click();
        await settle();

        expect(whatIf).toHaveBeenCalledWith({ name: 'inbound', draftJson: JSON.stringify(DRAFT), days: 14 });
        expect(q(element, '.summary').textContent).toBe('What-if over the last 7 days: 7 of 12 leads would change owner.');
        expect(q(element, '.baseline').textContent).toBe('Replayed against active version 1; the active version replayed gives the recorded owner for 12 of 12 leads.');

        const members = q(element, 'lightning-datatable.members').data;
        expect(members.map((m) => [m.ownerId, m.current, m.draft, m.change])).toEqual(WHAT_IF.members.map((m) => [m.ownerId, m.current, m.draft, m.delta > 0 ? `+${m.delta}` : String(m.delta)]));
        const loser = members.find((m) => m.delta < 0);
        expect(loser.changeClass).toContain('loss');
        const gainer = members.find((m) => m.delta > 0);
        expect(gainer.changeClass).toContain('gain');

        const rules = q(element, 'lightning-datatable.rules').data;
        expect(rules.find((r) => r.ruleId === 'de')).toMatchObject({ current: 4, draft: 2, change: '-2' });
        expect(rules.find((r) => r.ruleId === 'big')).toMatchObject({ current: 3, draft: 5, change: '+2' });

        const changes = q(element, 'lightning-datatable.changes').data;
        expect(changes).toHaveLength(7);
        expect(changes[0]).toMatchObject({ leadId: WHAT_IF.changes[0].leadId, oldOwnerId: WHAT_IF.changes[0].oldOwnerId, newOwnerId: WHAT_IF.changes[0].newOwnerId });
        expect(q(element, '.truncated').textContent).toBe('');

        expect(events).toEqual([{ summary: 'What-if over the last 7 days: 7 of 12 leads would change owner.', leadsChangingOwner: 7 }]);
    });

    it('says so when no lead changes owner', async () => {
        whatIf.mockResolvedValue({ ...WHAT_IF, valid: true, leadsChangingOwner: 0, changes: [] });
        const { element } = mount();
        q(element, 'lightning-button.run').click();
        await settle();
        expect(q(element, 'lightning-datatable.changes')).toBeNull();
        expect(q(element, '.no-changes').textContent).toBe('No lead would change owner.');
    });

    it('lists an invalid draft by path and sends no summary', async () => {
        whatIf.mockResolvedValue({
            valid: false,
            code: 'invalid_ruleset',
            message: 'Invalid ruleset',
            details: [{ path: 'rules[0].assign.pool', message: 'no pool with id "nope"' }]
        });
        const { element, events } = mount();
        q(element, 'lightning-button.run').click();
        await settle();
        const items = Array.from(element.shadowRoot.querySelectorAll('.invalid-detail')).map((li) => li.textContent);
        expect(items).toEqual(['rules[0].assign.pool: no pool with id "nope"']);
        expect(q(element, '.summary')).toBeNull();
        expect(events).toEqual([]);
    });

    it('shows a failure in a toast', async () => {
        whatIf.mockRejectedValue({ body: { message: 'Not found on the Lead Router service: No active ruleset named inbound' } });
        const { element, toasts } = mount();
        q(element, 'lightning-button.run').click();
        await settle();
        expect(toasts).toHaveLength(1);
        expect(toasts[0].title).toBe('What-if failed');
        expect(toasts[0].variant).toBe('error');
        expect(q(element, '.summary')).toBeNull();
    });

    it('cannot run without a draft', async () => {
        const { element } = mount({ draft: null });
        await settle();
        expect(q(element, 'lightning-button.run').disabled).toBe(true);
    });
});
