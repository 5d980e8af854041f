/**
 * The rule editor: pick a ruleset and a version, edit a draft of it (rules in order, nested conditions, targets,
 * pools, default, or the raw JSON), validate it on the service (errors listed by path), simulate it, save it as a
 * new version (optionally active), activate or roll back a version, and compare two versions. Before saving, the
 * What-if tab replays recent decisions through the draft; its one-line summary stays next to the save buttons
 * until the draft changes. Child components
 * edit pieces of the draft and send the new piece up; this component owns the draft and every Apex call but the
 * simulation's, the diff's and the what-if's. Every Apex error becomes a toast through reduceErrors.
 */
import { LightningElement } from 'lwc';
import listRulesets from '@salesforce/apex/RoutingRuleEditorController.listRulesets';
import listVersions from '@salesforce/apex/RoutingRuleEditorController.listVersions';
import getVersion from '@salesforce/apex/RoutingRuleEditorController.getVersion';
import validateRuleset from '@salesforce/apex/RoutingRuleEditorController.validateRuleset';
import saveRuleset from '@salesforce/apex/RoutingRuleEditorController.saveRuleset';
import activateVersion from '@salesforce/apex/RoutingRuleEditorController.activateVersion';
import { errorToast, successToast } from 'c/reduceErrors';
import { clone, pretty, emptyRuleset } from 'c/rulesetModel';

function listOf(answer, key) {
    if (Array.isArray(answer)) {
        return answer;
    }
    return (answer && (answer[key] || answer.items)) || [];
}

export default class RoutingRuleEditor extends LightningElement {
    rulesets = [];
    versions = [];
    selectedName;
    selectedVersion;
    draft = null;
    jsonText = '';
    jsonError = null;
    validation = null;
    isBusy = false;
    /** The what-if summary of the current draft (cleared when the draft changes). */
    whatIfSummary = null;

    connectedCallback() {
        this.loadRulesets();
    }

    // ---- derived state ----

    get hasDraft() {
        return this.draft !== null;
    }

    get poolIds() {
        return ((this.draft && this.draft.pools) || []).map((pool) => pool.id);
    }

    get activeVersion() {
        const found = this.versions.find((v) => v.active);
        return found ? found.version : null;
    }

    /** A stored version other than the active one is selected. */
    get canActivate() {
        return this.selectedVersion !== undefined && this.selectedVersion !== this.activeVersion;
    }

    get activateLabel() {
        if (this.activeVersion !== null && this.selectedVersion < this.activeVersion) {
            return `Roll back to v${this.selectedVersion}`;
        }
        return `Activate v${this.selectedVersion}`;
    }

    /** The newest version older than the active one: what "Roll back" goes to. */
    get previousVersion() {
        const older = this.versions.filter((v) => this.activeVersion !== null && v.version < this.activeVersion).map((v) => v.version);
        return older.length > 0 ? Math.max(...older) : null;
    }

    get isRollbackDisabled() {
        return this.isBusy || this.previousVersion === null;
    }

    get rollbackLabel() {
        return this.previousVersion === null ? 'Roll back' : `Roll back to v${this.previousVersion}`;
    }

    get hasErrors() {
        return !!this.validation && this.validation.valid === false;
    }

    get isValid() {
        return !!this.validation && this.validation.valid === true;
    }

    get errorDetails() {
        const details = (this.validation && this.validation.details) || [];
        return details.map((d, index) => ({ key: String(index), path: d.path || '(ruleset)', message: d.message }));
    }

    get defaultTarget() {
        return (this.draft && this.draft.default) || { type: 'queue', ownerId: '' };
    }

    // ---- loading ----

    async loadRulesets() {
        try {
            this.rulesets = listOf(await listRulesets(), 'rulesets');
        } catch (error) {
            this.dispatchEvent(errorToast('Could not load rulesets', error));
        }
    }

    async loadVersions(name) {
        this.versions = listOf(await listVersions({ name }), 'versions')
            .slice()
            .sort((a, b) => b.version - a.version);
    }

    async handleSelectRuleset(event) {
        const name = event.detail.name;
        this.selectedName = name;
        try {
            await this.loadVersions(name);
            const current = this.versions.find((v) => v.active) || this.versions[0];
            if (current) {
                await this.openVersion(current.version);
            }
        } catch (error) {
            this.dispatchEvent(errorToast(`Could not load ruleset ${name}`, error));
        }
    }

    /** A new ruleset starts as an empty draft; saving it creates version 1. */
    handleNewRuleset(event) {
        this.selectedName = event.detail.name;
        this.versions = [];
        this.selectedVersion = undefined;
        this.validation = null;
        this.setDraft(emptyRuleset(event.detail.name));
    }

    async handleSelectVersion(event) {
        try {
            await this.openVersion(event.detail.version);
        } catch (error) {
            this.dispatchEvent(errorToast('Could not load the version', error));
        }
    }

    async openVersion(version) {
        const answer = await getVersion({ name: this.selectedName, version });
        this.selectedVersion = version;
        this.setDraft(clone(answer.ruleset || answer));
        this.validation = null;
    }

    setDraft(draft) {
        this.draft = draft;
        this.whatIfSummary = null;
        this.jsonText = pretty(draft);
        this.jsonError = null;
    }

    // ---- editing ----

    handleRulesChange(event) {
        this.setDraft({ ...this.draft, rules: event.detail.rules });
    }

    handlePoolsChange(event) {
        this.setDraft({ ...this.draft, pools: event.detail.pools });
    }

    handleDefaultChange(event) {
        this.setDraft({ ...this.draft, default: event.detail.target });
    }

    handleDescription(event) {
        const next = { ...this.draft };
        if (event.detail.value) {
            next.description = event.detail.value;
        } else {
            delete next.description;
        }
        this.setDraft(next);
    }

    handleJsonText(event) {
        this.jsonText = event.detail.value;
    }

    handleApplyJson() {
        try {
            const parsed = JSON.parse(this.jsonText);
            if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
                throw new Error('a ruleset is a JSON object');
            }
            this.setDraft(parsed);
        } catch (e) {
            this.jsonError = `The JSON is not valid: ${e.message}`;
        }
    }

    handleWhatIf(event) {
        this.whatIfSummary = event.detail.summary;
    }

    // ---- service actions ----

    async handleValidate() {
        await this.run('Validation failed', async () => {
            this.validation = await validateRuleset({ rulesetJson: JSON.stringify(this.draft) });
        });
    }

    handleSave() {
        return this.save(false);
    }

    handleSaveActivate() {
        return this.save(true);
    }

    async save(activate) {
        await this.run('Could not save the ruleset', async () => {
            const answer = await saveRuleset({ name: this.selectedName, rulesetJson: JSON.stringify(this.draft), activate });
            this.validation = answer;
            if (answer.valid === false) {
                return;
            }
            this.dispatchEvent(
                successToast('Ruleset saved', `${this.selectedName} v${answer.version}${answer.active ? ' is active' : ' saved (not active)'}`)
            );
            await this.loadVersions(this.selectedName);
            this.selectedVersion = answer.version;
            await this.loadRulesets();
        });
    }

    handleActivate() {
        return this.activate(this.selectedVersion, 'Version activated');
    }

    handleRollback() {
        return this.activate(this.previousVersion, 'Rolled back');
    }

    async activate(version, title) {
        await this.run('Could not activate the version', async () => {
            await activateVersion({ name: this.selectedName, version });
            this.dispatchEvent(successToast(title, `${this.selectedName} v${version} is active`));
            await this.loadVersions(this.selectedName);
            await this.loadRulesets();
        });
    }

    async run(failureTitle, work) {
        this.isBusy = true;
        try {
            await work();
        } catch (error) {
            this.dispatchEvent(errorToast(failureTitle, error));
        } finally {
            this.isBusy = false;
        }
    }
}
