/**
 * What-if before save: the leads the ruleset decided in the last N days replayed through the unsaved draft on the
 * service (nothing is written). Shows who gains and who loses (per owner), how traffic moves between rules, and
 * the leads that would change owner. Sends `whatif` up with a one-line summary so the editor can show it next to
 * the save buttons; an invalid draft is listed by path like a validation.
 */
import { LightningElement, api } from 'lwc';
import whatIf from '@salesforce/apex/RoutingRuleEditorController.whatIf';
import { errorToast } from 'c/reduceErrors';

const MEMBER_COLUMNS = [
    { label: 'Owner', fieldName: 'ownerId' },
    { label: 'Active version', fieldName: 'current', type: 'number' },
    { label: 'Draft', fieldName: 'draft', type: 'number' },
    { label: 'Gain / loss', fieldName: 'change', cellAttributes: { class: { fieldName: 'changeClass' } } }
];

const RULE_COLUMNS = [
    { label: 'Rule', fieldName: 'ruleId' },
    { label: 'Active version', fieldName: 'current', type: 'number' },
    { label: 'Draft', fieldName: 'draft', type: 'number' },
    { label: 'Shift', fieldName: 'change' }
];

const CHANGE_COLUMNS = [
    { label: 'Lead', fieldName: 'leadId' },
    { label: 'Owner now', fieldName: 'oldOwnerId' },
    { label: 'Owner with the draft', fieldName: 'newOwnerId' },
    { label: 'Rule now', fieldName: 'oldRuleId' },
    { label: 'Rule with the draft', fieldName: 'newRuleId' }
];

const signed = (n) => (n > 0 ? `+${n}` : String(n));

function summaryOf(answer) {
    return `What-if over the last ${answer.window ? answer.window.days : '?'} days: ${answer.leadsChangingOwner} of ${answer.leads} leads would change owner.`;
}

export default class RoutingRuleEditorWhatIf extends LightningElement {
    @api rulesetName;
    @api draft;

    days = 7;
    result = null;
    invalid = null;
    isRunning = false;
    memberColumns = MEMBER_COLUMNS;
    ruleColumns = RULE_COLUMNS;
    changeColumns = CHANGE_COLUMNS;

    get isRunDisabled() {
        return this.isRunning || !this.draft || !this.rulesetName;
    }

    get summary() {
        return this.result ? summaryOf(this.result) : '';
    }

    get baselineText() {
        if (!this.result) {
            return '';
        }
        return `Replayed against active version ${this.result.currentVersion}; the active version replayed gives the recorded owner for ${this.result.baselineMatchesRecorded} of ${this.result.leads} leads.`;
    }

    get memberRows() {
        return ((this.result && this.result.members) || []).map((m) => ({
            ...m,
            change: signed(m.delta),
            changeClass: m.delta > 0 ? 'slds-text-color_success gain' : m.delta < 0 ? 'slds-text-color_error loss' : ''
        }));
    }

    get ruleRows() {
        return ((this.result && this.result.rules) || []).map((r) => ({ ...r, change: signed(r.delta) }));
    }

    get hasChanges() {
        return !!this.result && (this.result.changes || []).length > 0;
    }

    get changeRows() {
        return ((this.result && this.result.changes) || []).map((c) => ({
            ...c,
            oldRuleId: c.oldRuleId || '(default)',
            newRuleId: c.newRuleId || '(default)'
        }));
    }

    get truncatedText() {
        if (!this.result || !this.result.changesTruncated) {
            return '';
        }
        return `Only the first ${this.result.changes.length} of ${this.result.leadsChangingOwner} changed leads are listed.`;
    }

    get invalidDetails() {
        return ((this.invalid && this.invalid.details) || []).map((d, index) => ({ key: String(index), path: d.path || '(ruleset)', message: d.message }));
    }

    handleDays(event) {
        const value = Number(event.detail.value);
        this.days = Number.isInteger(value) ? value : this.days;
    }

    async handleRun() {
        this.isRunning = true;
        this.invalid = null;
        try {
            const answer = await whatIf({ name: this.rulesetName, draftJson: JSON.stringify(this.draft), days: this.days });
            if (answer.valid === false) {
                this.result = null;
                this.invalid = answer;
                return;
            }
            this.result = answer;
            this.dispatchEvent(new CustomEvent('whatif', { detail: { summary: summaryOf(answer), leadsChangingOwner: answer.leadsChangingOwner } }));
        } catch (error) {
            this.result = null;
            this.dispatchEvent(errorToast('What-if failed', error));
        } finally {
            this.isRunning = false;
        }
    }
}
