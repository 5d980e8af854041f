/**
 * The routing audit trail: decisions from the service's audit API in a datatable, filtered by lead, owner,
 * ruleset, rule and date range, paged with the service's cursors (newest first), and a detail panel with the
 * why-trace and hand-off timeline of the selected decision. On a Lead record page (recordId set) it is locked to
 * that lead.
 */
import { LightningElement, api } from 'lwc';
import listDecisions from '@salesforce/apex/RoutingAuditController.listDecisions';
import getDecision from '@salesforce/apex/RoutingAuditController.getDecision';
import { errorToast } from 'c/reduceErrors';

export const PAGE_SIZE = 25;

const COLUMNS = [
    {
        label: 'Decided',
        fieldName: 'createdAt',
        type: 'date',
        typeAttributes: { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' }
    },
    { label: 'Lead', fieldName: 'leadId' },
    { label: 'Owner', fieldName: 'ownerId' },
    { label: 'Owner type', fieldName: 'ownerType' },
    { label: 'Ruleset', fieldName: 'rulesetLabel' },
    { label: 'Rule', fieldName: 'ruleId' },
    { label: 'Pool', fieldName: 'poolId' },
    { label: 'Reason', fieldName: 'reason', wrapText: true },
    { label: 'Source', fieldName: 'source', initialWidth: 90 },
    { type: 'action', typeAttributes: { rowActions: [{ label: 'Why?', name: 'why' }] } }
];

const FILTER_NAMES = ['leadId', 'ownerId', 'ruleset', 'ruleId', 'since', 'until'];

export default class RoutingAuditTrail extends LightningElement {
    /** Set on a Lead record page: only this lead's decisions. */
    @api recordId;

    columns = COLUMNS;
    rows = [];
    filters = {};
    /** cursors[i] is the cursor that loads page i (page 0: null). */
    cursors = [null];
    pageIndex = 0;
    nextCursor = null;
    isLoading = false;
    selected = null;
    isDetailLoading = false;

    connectedCallback() {
        this.load();
    }

    get showLeadFilter() {
        return !this.recordId;
    }

    get hasRows() {
        return this.rows.length > 0;
    }

    get pageLabel() {
        return `Page ${this.pageIndex + 1}`;
    }

    get isPreviousDisabled() {
        return this.isLoading || this.pageIndex === 0;
    }

    get isNextDisabled() {
        return this.isLoading || !this.nextCursor;
    }

    handleFilterChange(event) {
        const name = event.target.dataset.name;
        if (FILTER_NAMES.includes(name)) {
            this.filters = { ...this.filters, [name]: event.detail.value };
        }
    }

    handleApply() {
        this.cursors = [null];
        this.pageIndex = 0;
        this.load();
    }

    handleClear() {
        this.filters = {};
        this.template.querySelectorAll('lightning-input').forEach((input) => {
            input.value = null;
        });
        this.handleApply();
    }

    handleNext() {
        if (!this.nextCursor) {
            return;
        }
        this.cursors = [...this.cursors.slice(0, this.pageIndex + 1), this.nextCursor];
        this.pageIndex += 1;
        this.load();
    }

    handlePrevious() {
        if (this.pageIndex === 0) {
            return;
        }
        this.pageIndex -= 1;
        this.load();
    }

    effectiveFilters() {
        const filters = {};
        FILTER_NAMES.forEach((name) => {
            const value = this.filters[name];
            if (value !== undefined && value !== null && String(value).trim() !== '') {
                filters[name] = String(value).trim();
            }
        });
        if (this.recordId) {
            filters.leadId = this.recordId;
        }
        return filters;
    }

    async load() {
        this.isLoading = true;
        try {
            const page = await listDecisions({
                filters: this.effectiveFilters(),
                cursor: this.cursors[this.pageIndex],
                pageSize: PAGE_SIZE
            });
            const items = (page && page.items) || [];
            this.rows = items.map((item) => ({
                ...item,
                rulesetLabel: item.ruleset ? `${item.ruleset} v${item.rulesetVersion}` : ''
            }));
            this.nextCursor = (page && page.nextCursor) || null;
        } catch (error) {
            this.rows = [];
            this.nextCursor = null;
            this.dispatchEvent(errorToast('Could not load routing decisions', error));
        } finally {
            this.isLoading = false;
        }
    }

    handleRowAction(event) {
        const row = event.detail.row;
        if (event.detail.action.name === 'why') {
            this.openDetail(row.decisionId);
        }
    }

    async openDetail(decisionId) {
        this.isDetailLoading = true;
        try {
            this.selected = await getDecision({ decisionId });
        } catch (error) {
            this.selected = null;
            this.dispatchEvent(errorToast('Could not load the decision', error));
        } finally {
            this.isDetailLoading = false;
        }
    }

    handleCloseDetail() {
        this.selected = null;
    }
}
