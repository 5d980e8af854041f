import { createElement } from 'lwc';
import RoutingRuleEditor from 'c/routingRuleEditor';
import listRulesets from '@salesforce/apex/RoutingRuleEditorController.listRulesets';
import listVersions from '@salesforce/apex/RoutingRuleEditorController.listVersions';
import getVersion from '@salesforce/apex/RoutingRuleEditorController.getVersion';
import validateRuleset from '@salesforce/apex/RoutingRuleEditorController.validateRuleset';
import saveRuleset from '@salesforce/apex/RoutingRuleEditorController.saveRuleset';
import activateVersion from '@salesforce/apex/RoutingRuleEditorController.activateVersion';
import simulate from '@salesforce/apex/RoutingRuleEditorController.simulate';
import leadsForSimulation from '@salesforce/apex/RoutingRuleEditorController.leadsForSimulation';
import whatIf from '@salesforce/apex/RoutingRuleEditorController.whatIf';
import { getListUi } from 'lightning/uiListApi';

const RULESETS = require('./data/rulesets.json');
const VERSIONS = require('./data/versions.json');
const VERSION_3 = require('./data/version3.json');
const VERSION_4 = require('./data/version4.json');
const VALIDATE_400 = require('./data/validate400.json');
const SIMULATE = require('./data/simulate.json');
/** A real answer of POST /v1/rulesets/inbound/what-if (the 12-lead fixture of test/what-if). */
const WHAT_IF = require('../../routingRuleEditorWhatIf/__tests__/data/whatIf.json');

jest.mock('@salesforce/apex/RoutingRuleEditorController.listRulesets', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/RoutingRuleEditorController.listVersions', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/RoutingRuleEditorController.getVersion', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/RoutingRuleEditorController.validateRuleset', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/RoutingRuleEditorController.saveRuleset', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/RoutingRuleEditorController.activateVersion', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/RoutingRuleEditorController.simulate', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/RoutingRuleEditorController.leadsForSimulation', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/RoutingRuleEditorController.whatIf', () => ({ default: jest.fn() }), { virtual: true });

/** What RoutingRuleEditorController returns for the service's 400 body (invalidOrThrow). */
const INVALID_ANSWER = {
    valid: false,
    code: VALIDATE_400.error.code,
    message: VALIDATE_400.error.message,
    details: VALIDATE_400.error.details
};

function flushPromises() {
    // eslint-disable-next-line @lwc/lwc/no-async-operation
    return new Promise((resolve) => setTimeout(resolve, 0));
}

async function settle() {
    for (let i = 0; i < 4; i++) {
        // eslint-disable-next-line no-await-in-loop
        await flushPromises();
    }
}

/** Finds `selectors` one shadow root after another. */
function dig(element, ...selectors) {
    let node = element;
    for (const selector of selectors) {
        node = node.shadowRoot.querySelector(selector);
        if (!node) {
            return null;
        }
    }
    return node;
}

function digAll(element, ...selectors) {
    const last = selectors.pop();
    const parent = selectors.length ? dig(element, ...selectors) : element;
    return Array.from(parent.shadowRoot.querySelectorAll(last));
}

function change(node, detail) {
    node.dispatchEvent(new CustomEvent('change', { detail }));
}

function draftOf(element) {
    return JSON.parse(element.shadowRoot.querySelector('lightning-textarea.json').value);
}

function toasts(element) {
    const handler = jest.fn();
    element.addEventListener('lightning__showtoast', handler);
    return () => handler.mock.calls.map((call) => call[0].detail);
}

async function mountWithInbound() {
    listRulesets.mockResolvedValue(RULESETS);
    listVersions.mockResolvedValue(VERSIONS);
    getVersion.mockImplementation(({ version }) => Promise.resolve(version === 4 ? VERSION_4 : VERSION_3));
    const element = createElement('c-routing-rule-editor', { is: RoutingRuleEditor });
    document.body.appendChild(element);
    const readToasts = toasts(element);
    await settle();
    dig(element, 'c-rule-editor-ruleset-list', 'lightning-button.ruleset[data-name="inbound"]').click();
    await settle();
    return { element, readToasts };
}

describe('c-routing-rule-editor', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
        jest.clearAllMocks();
    });

    it('lists rulesets and versions and opens the active version as the draft', async () => {
        const { element } = await mountWithInbound();

        const rulesetButtons = digAll(element, 'c-rule-editor-ruleset-list', 'lightning-button.ruleset');
        expect(rulesetButtons.map((b) => b.label)).toEqual(['inbound (active v3, latest v4)', 'partners (active v1, latest v1)']);
        expect(listVersions).toHaveBeenCalledWith({ name: 'inbound' });
        const versionButtons = digAll(element, 'c-rule-editor-ruleset-list', 'lightning-button.version');
        expect(versionButtons.map((b) => b.label)).toEqual(['v4', 'v3 (active)', 'v2', 'v1']);
        expect(getVersion).toHaveBeenCalledWith({ name: 'inbound', version: 3 });
        expect(draftOf(element)).toEqual(VERSION_3.ruleset);

        const titles = digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule').map(
            (rule) => rule.shadowRoot.querySelector('.title').textContent
        );
        expect(titles).toEqual(['1. Named strategic accounts', '2. ent-emea', '3. catch-all-web']);
        // The active version is selected: no activate button, rollback offered to v2.
        expect(element.shadowRoot.querySelector('lightning-button.activate')).toBeNull();
        expect(element.shadowRoot.querySelector('lightning-button.rollback').label).toBe('Roll back to v2');
    });

    it('moves rules up and down, keeping the evaluation order in the draft', async () => {
        const { element } = await mountWithInbound();
        const rules = digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule');
        expect(rules[0].shadowRoot.querySelector('lightning-button-icon.move-up').disabled).toBe(true);
        expect(rules[2].shadowRoot.querySelector('lightning-button-icon.move-down').disabled).toBe(true);

        rules[0].shadowRoot.querySelector('lightning-button-icon.move-down').click();
        await settle();
        expect(draftOf(element).rules.map((r) => r.id)).toEqual(['ent-emea', 'strategic', 'catch-all-web']);

        const moved = digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule');
        moved[2].shadowRoot.querySelector('lightning-button-icon.move-up').click();
        await settle();
        expect(draftOf(element).rules.map((r) => r.id)).toEqual(['ent-emea', 'catch-all-web', 'strategic']);
    });

    it('edits nested condition groups with every operator kind', async () => {
        const { element } = await mountWithInbound();
        const rule = digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule')[1];
        const group = rule.shadowRoot.querySelector('c-rule-editor-condition-group.when');
        const ops = group.shadowRoot.querySelector('lightning-combobox.op').options.map((o) => o.value);
        expect(ops).toEqual([
            'eq', 'neq', 'in', 'notIn', 'contains', 'startsWith', 'endsWith', 'gt', 'gte', 'lt', 'lte', 'between', 'isBlank', 'isNotBlank', 'matches'
        ]);

        // Value of a numeric leaf.
        change(group.shadowRoot.querySelectorAll('lightning-input.value')[1], { value: '250' });
        await settle();
        expect(draftOf(element).rules[1].when.all[1]).toEqual({ field: 'NumberOfEmployees', op: 'gte', value: 250 });

        // Operator to between: the value becomes a [low, high] pair; to isBlank: no value at all.
        let fresh = digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule')[1].shadowRoot.querySelector('c-rule-editor-condition-group.when');
        change(fresh.shadowRoot.querySelectorAll('lightning-combobox.op')[1], { value: 'between' });
        await settle();
        fresh = digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule')[1].shadowRoot.querySelector('c-rule-editor-condition-group.when');
        change(fresh.shadowRoot.querySelectorAll('lightning-input.value')[1], { value: '100, 5000' });
        await settle();
        expect(draftOf(element).rules[1].when.all[1]).toEqual({ field: 'NumberOfEmployees', op: 'between', value: [100, 5000] });
        fresh = digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule')[1].shadowRoot.querySelector('c-rule-editor-condition-group.when');
        change(fresh.shadowRoot.querySelectorAll('lightning-combobox.op')[0], { value: 'isBlank' });
        await settle();
        expect(draftOf(element).rules[1].when.all[0]).toEqual({ field: 'Country', op: 'isBlank' });

        // The nested NOT group edits its leaf; switching the top group to ANY keeps the children.
        fresh = digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule')[1].shadowRoot.querySelector('c-rule-editor-condition-group.when');
        const nested = fresh.shadowRoot.querySelector('c-rule-editor-condition-group.nested');
        expect(nested.shadowRoot.querySelector('lightning-combobox.kind').value).toBe('not');
        expect(nested.shadowRoot.querySelector('lightning-button.add-leaf')).toBeNull();
        change(nested.shadowRoot.querySelector('lightning-input.value'), { value: 'Reseller' });
        await settle();
        expect(draftOf(element).rules[1].when.all[2]).toEqual({ not: { field: 'LeadSource', op: 'eq', value: 'Reseller' } });

        fresh = digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule')[1].shadowRoot.querySelector('c-rule-editor-condition-group.when');
        change(fresh.shadowRoot.querySelector('lightning-combobox.kind'), { value: 'any' });
        await settle();
        expect(draftOf(element).rules[1].when.any).toHaveLength(3);

        // Add a nested group, then a leaf inside it.
        fresh = digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule')[1].shadowRoot.querySelector('c-rule-editor-condition-group.when');
        fresh.shadowRoot.querySelector('lightning-button.add-group').click();
        await settle();
        fresh = digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule')[1].shadowRoot.querySelector('c-rule-editor-condition-group.when');
        const added = fresh.shadowRoot.querySelectorAll('c-rule-editor-condition-group.nested')[1];
        added.shadowRoot.querySelector('lightning-button.add-leaf').click();
        await settle();
        expect(draftOf(element).rules[1].when.any[3]).toEqual({ all: [{ field: '', op: 'eq', value: '' }] });
    });

    it('edits a rule: id, active, target, add and remove', async () => {
        const { element } = await mountWithInbound();
        let rule = digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule')[0];
        change(rule.shadowRoot.querySelector('lightning-input.rule-active'), { checked: false });
        await settle();
        expect(draftOf(element).rules[0].active).toBe(false);

        rule = digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule')[0];
        const target = rule.shadowRoot.querySelector('c-rule-editor-target.assign');
        change(target.shadowRoot.querySelector('lightning-combobox.type'), { value: 'pool' });
        await settle();
        expect(draftOf(element).rules[0].assign).toEqual({ type: 'pool', pool: 'ent-ae' });

        rule = digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule')[0];
        change(rule.shadowRoot.querySelector('c-rule-editor-target.assign').shadowRoot.querySelector('lightning-input.skill-field'), {
            value: 'Language__c'
        });
        await settle();
        expect(draftOf(element).rules[0].assign).toEqual({ type: 'pool', pool: 'ent-ae', skillField: 'Language__c' });

        dig(element, 'c-rule-editor-rule-list', 'lightning-button.add-rule').click();
        await settle();
        expect(draftOf(element).rules).toHaveLength(4);
        digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule')[3].shadowRoot.querySelector('lightning-button-icon.remove-rule').click();
        await settle();
        expect(draftOf(element).rules).toHaveLength(3);
    });

    it('edits pools: members, weights, caps, skills, availability, overflow', async () => {
        const { element } = await mountWithInbound();
        const pools = dig(element, 'c-rule-editor-pool-list');
        const input = (cls, index = 0) => pools.shadowRoot.querySelectorAll(`.${cls}`)[index];

        expect(input('member-weight', 1).disabled).toBe(true);
        change(input('member-weight', 1), { value: '3' });
        await settle();
        change(input('member-cap', 1), { value: '' });
        await settle();
        change(input('member-skills', 1), { value: 'de, fr' });
        await settle();
        change(input('member-available', 1), { checked: false });
        await settle();
        change(input('strategy'), { value: 'weighted' });
        await settle();
        expect(draftOf(element).pools[0].strategy).toBe('weighted');
        expect(input('member-weight', 1).disabled).toBe(false);
        expect(draftOf(element).pools[0].members[1]).toEqual({ ownerId: '005000000000002AAA', weight: 3, skills: ['de', 'fr'], available: false });

        input('add-member').click();
        await settle();
        change(input('member-owner', 2), { value: '005000000000004AAA' });
        await settle();
        expect(draftOf(element).pools[0].members[2]).toEqual({ ownerId: '005000000000004AAA' });

        change(input('overflow-type'), { value: '' });
        await settle();
        expect(draftOf(element).pools[0].overflow).toBeUndefined();
        change(input('days'), { value: 'Mon, Tue' });
        await settle();
        expect(draftOf(element).pools[0].workingHours).toEqual({ days: ['mon', 'tue'], start: '09:00', end: '18:00' });

        input('add-pool').click();
        await settle();
        expect(draftOf(element).pools.map((p) => p.id)).toEqual(['ent-ae', 'pool-2']);
        // The new pool is offered as a rule target.
        const rule = digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule')[1];
        const poolBox = rule.shadowRoot.querySelector('c-rule-editor-target.assign').shadowRoot.querySelector('lightning-combobox.pool');
        expect(poolBox.options.map((o) => o.value)).toEqual(['ent-ae', 'pool-2']);
    });

    it('validates the edited draft on the service and lists each error by path', async () => {
        const { element } = await mountWithInbound();
        validateRuleset.mockResolvedValueOnce(INVALID_ANSWER).mockResolvedValueOnce({ valid: true });

        element.shadowRoot.querySelector('lightning-button.validate').click();
        await settle();
        expect(JSON.parse(validateRuleset.mock.calls[0][0].rulesetJson)).toEqual(VERSION_3.ruleset);
        expect(element.shadowRoot.querySelector('.error-message').textContent).toBe('The ruleset is invalid');
        const paths = Array.from(element.shadowRoot.querySelectorAll('.error-path')).map((p) => p.textContent);
        expect(paths).toEqual(['rules.1.when.all.1.value', 'pools.0.members.1.ownerId']);
        expect(element.shadowRoot.querySelectorAll('.error-detail')[1].textContent).toContain('must be a 15 or 18 character Salesforce id');

        element.shadowRoot.querySelector('lightning-button.validate').click();
        await settle();
        expect(element.shadowRoot.querySelector('.errors')).toBeNull();
        expect(element.shadowRoot.querySelector('.valid')).not.toBeNull();
    });

    it('saves as a new version, then saves and activates', async () => {
        const { element, readToasts } = await mountWithInbound();
        saveRuleset
            .mockResolvedValueOnce({ valid: true, name: 'inbound', version: 5, active: false })
            .mockResolvedValueOnce({ valid: true, name: 'inbound', version: 6, active: true });

        element.shadowRoot.querySelector('lightning-button.save').click();
        await settle();
        expect(saveRuleset).toHaveBeenLastCalledWith({ name: 'inbound', rulesetJson: JSON.stringify(VERSION_3.ruleset), activate: false });
        expect(readToasts()[0]).toEqual(expect.objectContaining({ title: 'Ruleset saved', message: 'inbound v5 saved (not active)', variant: 'success' }));
        expect(listVersions).toHaveBeenCalledTimes(2);
        expect(listRulesets).toHaveBeenCalledTimes(2);

        element.shadowRoot.querySelector('lightning-button.save-activate').click();
        await settle();
        expect(saveRuleset.mock.calls[1][0].activate).toBe(true);
        expect(readToasts()[1].message).toBe('inbound v6 is active');
    });

    it('an invalid save shows the details and no success toast', async () => {
        const { element, readToasts } = await mountWithInbound();
        saveRuleset.mockResolvedValue(INVALID_ANSWER);
        element.shadowRoot.querySelector('lightning-button.save').click();
        await settle();
        expect(element.shadowRoot.querySelectorAll('.error-path')).toHaveLength(2);
        expect(readToasts()).toEqual([]);
        expect(listVersions).toHaveBeenCalledTimes(1);
    });

    it('activates a newer version and rolls back to an older one', async () => {
        const { element, readToasts } = await mountWithInbound();
        activateVersion.mockResolvedValue({ name: 'inbound', version: 4, active: true });

        dig(element, 'c-rule-editor-ruleset-list', 'lightning-button.version[data-version="4"]').click();
        await settle();
        expect(draftOf(element)).toEqual(VERSION_4.ruleset);
        const activate = element.shadowRoot.querySelector('lightning-button.activate');
        expect(activate.label).toBe('Activate v4');
        activate.click();
        await settle();
        expect(activateVersion).toHaveBeenLastCalledWith({ name: 'inbound', version: 4 });
        expect(readToasts()[0].title).toBe('Version activated');

        dig(element, 'c-rule-editor-ruleset-list', 'lightning-button.version[data-version="1"]').click();
        await settle();
        expect(element.shadowRoot.querySelector('lightning-button.activate').label).toBe('Roll back to v1');

        element.shadowRoot.querySelector('lightning-button.rollback').click();
        await settle();
        expect(activateVersion).toHaveBeenLastCalledWith({ name: 'inbound', version: 2 });
        expect(readToasts()[1]).toEqual(expect.objectContaining({ title: 'Rolled back', message: 'inbound v2 is active' }));
    });

    it('starts a new ruleset as an empty draft that saves as its first version', async () => {
        const { element } = await mountWithInbound();
        const list = dig(element, 'c-rule-editor-ruleset-list');
        change(list.shadowRoot.querySelector('lightning-input.new-name'), { value: 'Bad Name' });
        await settle();
        expect(list.shadowRoot.querySelector('lightning-button.new').disabled).toBe(true);
        change(list.shadowRoot.querySelector('lightning-input.new-name'), { value: 'web-chat' });
        await settle();
        list.shadowRoot.querySelector('lightning-button.new').click();
        await settle();
        expect(draftOf(element)).toEqual({ name: 'web-chat', pools: [], rules: [], default: { type: 'queue', ownerId: '' } });
        expect(element.shadowRoot.querySelector('lightning-button.rollback').disabled).toBe(true);

        saveRuleset.mockResolvedValue({ valid: true, name: 'web-chat', version: 1, active: false });
        element.shadowRoot.querySelector('lightning-button.save').click();
        await settle();
        expect(saveRuleset.mock.calls[0][0].name).toBe('web-chat');
        expect(listVersions).toHaveBeenLastCalledWith({ name: 'web-chat' });
    });

    it('shows Apex errors in toasts through reduceErrors', async () => {
        listRulesets.mockRejectedValue({ body: { message: 'The Lead Router service refused the credentials (HTTP 401).' } });
        const element = createElement('c-routing-rule-editor', { is: RoutingRuleEditor });
        document.body.appendChild(element);
        const readToasts = toasts(element);
        await settle();
        expect(readToasts()[0]).toEqual(
            expect.objectContaining({ title: 'Could not load rulesets', message: 'The Lead Router service refused the credentials (HTTP 401).', variant: 'error' })
        );
        expect(element.shadowRoot.querySelector('.pick')).not.toBeNull();
    });

    it('shows an activation failure in a toast', async () => {
        const { element, readToasts } = await mountWithInbound();
        activateVersion.mockRejectedValue({ body: { message: 'Not found on the Lead Router service: No version 2' } });
        element.shadowRoot.querySelector('lightning-button.rollback').click();
        await settle();
        expect(readToasts()[0]).toEqual(
            expect.objectContaining({ title: 'Could not activate the version', message: 'Not found on the Lead Router service: No version 2' })
        );
        expect(element.shadowRoot.querySelector('lightning-button.rollback').disabled).toBe(false);
    });

    it('simulates pasted CSV leads against the draft and shows decisions and unreached rules', async () => {
        const { element } = await mountWithInbound();
        simulate.mockResolvedValue(SIMULATE);
        const sim = dig(element, 'c-rule-editor-simulation');
        change(sim.shadowRoot.querySelector('lightning-textarea.leads'), {
            value: 'Id,Country,NumberOfEmployees,Company\n00Q000000000001EAA,FR,2500,"Globex, Inc."\n00Q000000000002EAA,US,10,Initech\nnot-an-id,,,'
        });
        sim.shadowRoot.querySelector('lightning-button.run').click();
        await settle();

        const call = simulate.mock.calls[0][0];
        expect(call.name).toBe('inbound');
        expect(JSON.parse(call.leadsJson)).toEqual([
            { Id: '00Q000000000001EAA', Country: 'FR', NumberOfEmployees: 2500, Company: 'Globex, Inc.' },
            { Id: '00Q000000000002EAA', Country: 'US', NumberOfEmployees: 10, Company: 'Initech' },
            { Id: 'not-an-id' }
        ]);
        expect(JSON.parse(call.draftJson)).toEqual(VERSION_3.ruleset);

        const rows = sim.shadowRoot.querySelector('lightning-datatable.decisions').data;
        expect(rows.map((r) => [r.leadId, r.ownerId, r.ruleId])).toEqual([
            ['00Q000000000001EAA', '005000000000001AAA', 'ent-emea'],
            ['00Q000000000002EAA', '00G000000000002EAA', '(default)'],
            ['not-an-id', '', '']
        ]);
        expect(rows[2].reason).toBe('Error: leads[2].Id: must be a 15 or 18 character Salesforce id');
        expect(sim.shadowRoot.querySelector('.never-reached').textContent).toBe('Rules no lead reached: legacy');
        expect(sim.shadowRoot.querySelector('.never-matched').textContent).toBe('Rules that matched no lead: strategic, catch-all-web, legacy');
        expect(sim.shadowRoot.querySelector('.pools-never-reached').textContent).toBe('Pools no lead reached: none');
        expect(sim.shadowRoot.querySelector('lightning-datatable.coverage').data).toEqual(SIMULATE.coverage.rules);
    });

    it('reports unreadable pasted leads without calling the service, and simulation errors in a toast', async () => {
        const { element, readToasts } = await mountWithInbound();
        const sim = dig(element, 'c-rule-editor-simulation');
        change(sim.shadowRoot.querySelector('lightning-textarea.leads'), { value: '[{"Id": ' });
        sim.shadowRoot.querySelector('lightning-button.run').click();
        await settle();
        expect(simulate).not.toHaveBeenCalled();
        expect(sim.shadowRoot.querySelector('.parse-error').textContent).toMatch(/^The JSON is not valid/);

        simulate.mockRejectedValue({ body: { message: 'The Lead Router service did not answer within 10 seconds. Try again later.' } });
        change(sim.shadowRoot.querySelector('lightning-textarea.leads'), { value: '[{"Id": "00Q000000000001EAA"}]' });
        sim.shadowRoot.querySelector('lightning-button.run').click();
        await settle();
        expect(readToasts()[0]).toEqual(expect.objectContaining({ title: 'Simulation failed', variant: 'error' }));
        expect(sim.shadowRoot.querySelector('lightning-datatable.decisions')).toBeNull();
    });

    it('loads simulation leads from a Lead list view', async () => {
        const { element } = await mountWithInbound();
        const sim = dig(element, 'c-rule-editor-simulation');
        getListUi.emit({ lists: [{ apiName: 'AllOpenLeads', label: 'All Open Leads' }] });
        await settle();
        const picker = sim.shadowRoot.querySelector('lightning-combobox.list-view');
        expect(picker.options).toEqual([{ label: 'All Open Leads', value: 'AllOpenLeads' }]);
        change(picker, { value: 'AllOpenLeads' });
        getListUi.emit({ records: { records: [{ id: '00Q000000000001EAA' }, { id: '00Q000000000002EAA' }] } });
        await settle();
        leadsForSimulation.mockResolvedValue([{ Id: '00Q000000000001EAA', Country: 'FR' }, { Id: '00Q000000000002EAA', Country: 'US' }]);
        const load = sim.shadowRoot.querySelector('lightning-button.load-list-view');
        expect(load.label).toBe('Load 2 leads');
        load.click();
        await settle();
        expect(leadsForSimulation).toHaveBeenCalledWith({ leadIds: ['00Q000000000001EAA', '00Q000000000002EAA'] });
        expect(JSON.parse(sim.shadowRoot.querySelector('lightning-textarea.leads').value)).toHaveLength(2);
    });

    it('shows the difference between two versions', async () => {
        const { element } = await mountWithInbound();
        const diff = dig(element, 'c-rule-editor-version-diff');
        expect(diff.shadowRoot.querySelector('lightning-button.compare').disabled).toBe(true);
        change(diff.shadowRoot.querySelector('lightning-combobox.from'), { value: '3' });
        change(diff.shadowRoot.querySelector('lightning-combobox.to'), { value: '4' });
        await settle();
        diff.shadowRoot.querySelector('lightning-button.compare').click();
        await settle();
        expect(getVersion).toHaveBeenCalledWith({ name: 'inbound', version: 4 });
        const removed = Array.from(diff.shadowRoot.querySelectorAll('.diff-line.removed')).map((l) => l.textContent.replace(/\s+/g, ' ').trim());
        const added = Array.from(diff.shadowRoot.querySelectorAll('.diff-line.added')).map((l) => l.textContent.replace(/\s+/g, ' ').trim());
        expect(removed).toEqual(['- "value": 1000']);
        expect(added).toEqual(expect.arrayContaining(['+ "value": 500', '+ "ownerId": "005000000000003AAA"']));
        expect(diff.shadowRoot.querySelector('.change-count').textContent).toBe(`${removed.length + added.length} changed lines`);
    });

    it('applies raw JSON to the draft and rejects broken JSON', async () => {
        const { element } = await mountWithInbound();
        const textarea = element.shadowRoot.querySelector('lightning-textarea.json');
        change(textarea, { value: '{"name": "inbound", ' });
        element.shadowRoot.querySelector('lightning-button.apply-json').click();
        await settle();
        expect(element.shadowRoot.querySelector('.json-error').textContent).toMatch(/^The JSON is not valid/);

        const edited = { ...VERSION_3.ruleset, rules: [] };
        change(element.shadowRoot.querySelector('lightning-textarea.json'), { value: JSON.stringify(edited) });
        element.shadowRoot.querySelector('lightning-button.apply-json').click();
        await settle();
        expect(element.shadowRoot.querySelector('.json-error')).toBeNull();
        expect(digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule')).toHaveLength(0);
    });
    it('runs a what-if on the edited draft before save and shows its summary by the save buttons until the draft changes', async () => {
        const { element } = await mountWithInbound();
        expect(element.shadowRoot.querySelector('.what-if-summary')).toBeNull();
        const rules = digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule');
        rules[0].shadowRoot.querySelector('lightning-button-icon.move-down').click();
        await settle();
        const edited = draftOf(element);

        whatIf.mockResolvedValue({ ...WHAT_IF, valid: true });
        const panel = element.shadowRoot.querySelector('c-routing-rule-editor-what-if');
        expect(panel.rulesetName).toBe('inbound');
        panel.shadowRoot.querySelector('lightning-button.run').click();
        await settle();
        expect(whatIf).toHaveBeenCalledWith({ name: 'inbound', draftJson: JSON.stringify(edited), days: 7 });
        expect(element.shadowRoot.querySelector('.what-if-summary').textContent).toBe('What-if over the last 7 days: 7 of 12 leads would change owner.');
        expect(saveRuleset).not.toHaveBeenCalled();

        // Editing the draft again makes the summary stale: it goes away.
        const moved = digAll(element, 'c-rule-editor-rule-list', 'c-rule-editor-rule');
        moved[1].shadowRoot.querySelector('lightning-button-icon.move-up').click();
        await settle();
        expect(element.shadowRoot.querySelector('.what-if-summary')).toBeNull();
    });
});
