/**
 * What-if: leads pasted as CSV or JSON (or loaded from a Lead list view) run through the draft (or the active
 * version) on the service, which moves no counter. Shows each lead's decision and the coverage: rules no lead
 * reached, rules that matched no lead, pools no lead reached.
 */
import { LightningElement, api, wire } from 'lwc';
import { getListUi } from 'lightning/uiListApi';
import simulate from '@salesforce/apex/RoutingRuleEditorController.simulate';
import leadsForSimulation from '@salesforce/apex/RoutingRuleEditorController.leadsForSimulation';
import { errorToast } from 'c/reduceErrors';
import { parseLeads } from 'c/rulesetModel';

const DECISION_COLUMNS = [
    { label: '#', fieldName: 'position', type: 'number', initialWidth: 60 },
    { label: 'Lead', fieldName: 'leadId' },
    { label: 'Owner', fieldName: 'ownerId' },
    { label: 'Rule', fieldName: 'ruleId' },
    { label: 'Pool', fieldName: 'poolId' },
    { label: 'Reason or error', fieldName: 'reason', wrapText: true }
];

const COVERAGE_COLUMNS = [
    { label: 'Rule', fieldName: 'ruleId' },
    { label: 'Leads reaching it', fieldName: 'reached', type: 'number' },
    { label: 'Leads it matched', fieldName: 'matched', type: 'number' }
];

export default class RuleEditorSimulation extends LightningElement {
    @api rulesetName;
    /** The unsaved draft to simulate; when null the service uses the active version. */
    @api draft;

    leadsText = '';
    parseError = null;
    result = null;
    isRunning = false;
    decisionColumns = DECISION_COLUMNS;
    coverageColumns = COVERAGE_COLUMNS;
    listViewOptions = [];
    listViewApiName;
    listViewLeadIds = [];

    @wire(getListUi, { objectApiName: 'Lead' })
    wiredListViews({ data }) {
        if (data && Array.isArray(data.lists)) {
            this.listViewOptions = data.lists.map((list) => ({ label: list.label, value: list.apiName }));
        }
    }

    @wire(getListUi, { objectApiName: 'Lead', listViewApiName: '$listViewApiName', pageSize: 200 })
    wiredListViewRecords({ data, error }) {
        if (data && data.records && Array.isArray(data.records.records)) {
            this.listViewLeadIds = data.records.records.map((record) => record.id);
        } else if (error) {
            this.listViewLeadIds = [];
            this.dispatchEvent(errorToast('Could not read the list view', error));
        }
    }

    get hasListViews() {
        return this.listViewOptions.length > 0;
    }

    get isLoadDisabled() {
        return this.listViewLeadIds.length === 0;
    }

    get loadLabel() {
        return `Load ${this.listViewLeadIds.length} leads`;
    }

    get decisionRows() {
        if (!this.result) {
            return [];
        }
        return (this.result.decisions || []).map((decision, index) => ({
            key: String(index),
            position: index + 1,
            leadId: typeof decision.leadId === 'string' ? decision.leadId : '',
            ownerId: decision.ownerId || '',
            ruleId: decision.error ? '' : decision.ruleId || '(default)',
            poolId: decision.poolId || '',
            reason: decision.error ? `Error: ${decision.error.message}` : decision.reason
        }));
    }

    get coverage() {
        return (this.result && this.result.coverage) || { rules: [], pools: [], rulesNeverMatched: [], poolsNeverReached: [] };
    }

    get coverageRows() {
        return this.coverage.rules || [];
    }

    get rulesNeverReached() {
        return (this.coverage.rules || []).filter((rule) => rule.reached === 0).map((rule) => rule.ruleId);
    }

    get rulesNeverReachedText() {
        return this.rulesNeverReached.length > 0 ? this.rulesNeverReached.join(', ') : 'none';
    }

    get rulesNeverMatchedText() {
        const list = this.coverage.rulesNeverMatched || [];
        return list.length > 0 ? list.join(', ') : 'none';
    }

    get poolsNeverReachedText() {
        const list = this.coverage.poolsNeverReached || [];
        return list.length > 0 ? list.join(', ') : 'none';
    }

    handleLeadsText(event) {
        this.leadsText = event.detail.value;
    }

    handleListView(event) {
        this.listViewApiName = event.detail.value;
    }

    async handleLoadListView() {
        try {
            const leads = await leadsForSimulation({ leadIds: this.listViewLeadIds });
            this.leadsText = JSON.stringify(leads, null, 2);
        } catch (error) {
            this.dispatchEvent(errorToast('Could not load the leads', error));
        }
    }

    async handleSimulate() {
        const parsed = parseLeads(this.leadsText);
        this.parseError = parsed.error;
        if (parsed.error) {
            return;
        }
        this.isRunning = true;
        try {
            this.result = await simulate({
                name: this.rulesetName,
                leadsJson: JSON.stringify(parsed.leads),
                draftJson: this.draft ? JSON.stringify(this.draft) : null
            });
        } catch (error) {
            this.result = null;
            this.dispatchEvent(errorToast('Simulation failed', error));
        } finally {
            this.isRunning = false;
        }
    }
}
