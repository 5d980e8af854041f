/** The difference between two stored versions of a ruleset, as a line diff of their JSON documents. */
import { LightningElement, api } from 'lwc';
import getVersion from '@salesforce/apex/RoutingRuleEditorController.getVersion';
import { errorToast } from 'c/reduceErrors';
import { diffLines, pretty } from 'c/rulesetModel';

const LINE_CLASSES = {
    added: 'diff-line added slds-theme_success',
    removed: 'diff-line removed slds-theme_error',
    same: 'diff-line same'
};

export default class RuleEditorVersionDiff extends LightningElement {
    @api rulesetName;
    @api versions = [];

    fromVersion;
    toVersion;
    lines = [];
    isLoading = false;

    get versionOptions() {
        return (this.versions || []).map((v) => ({ label: `v${v.version}`, value: String(v.version) }));
    }

    get isCompareDisabled() {
        return !this.fromVersion || !this.toVersion || this.fromVersion === this.toVersion;
    }

    get hasLines() {
        return this.lines.length > 0;
    }

    get changeCount() {
        return this.lines.filter((line) => line.kind !== 'same').length;
    }

    handleFrom(event) {
        this.fromVersion = event.detail.value;
    }

    handleTo(event) {
        this.toVersion = event.detail.value;
    }

    async handleCompare() {
        this.isLoading = true;
        try {
            const [before, after] = await Promise.all([
                getVersion({ name: this.rulesetName, version: Number(this.fromVersion) }),
                getVersion({ name: this.rulesetName, version: Number(this.toVersion) })
            ]);
            this.lines = diffLines(pretty(before.ruleset || before), pretty(after.ruleset || after)).map((line) => ({
                ...line,
                cssClass: LINE_CLASSES[line.kind]
            }));
        } catch (error) {
            this.lines = [];
            this.dispatchEvent(errorToast('Could not compare the versions', error));
        } finally {
            this.isLoading = false;
        }
    }
}
