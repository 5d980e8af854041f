/** Rulesets (with active/latest versions) and the selected ruleset's version history; selection goes up as events. */
import { LightningElement, api } from 'lwc';

export default class RuleEditorRulesetList extends LightningElement {
    @api rulesets = [];
    @api versions = [];
    @api selectedName;
    @api selectedVersion;

    get rulesetItems() {
        return (this.rulesets || []).map((r) => ({
            ...r,
            key: r.name,
            label: `${r.name} (active v${r.activeVersion === null || r.activeVersion === undefined ? '-' : r.activeVersion}, latest v${r.latestVersion})`,
            variant: r.name === this.selectedName ? 'brand' : 'neutral'
        }));
    }

    get versionItems() {
        return (this.versions || []).map((v) => ({
            ...v,
            key: String(v.version),
            label: `v${v.version}${v.active ? ' (active)' : ''}`,
            meta: [v.createdAt, v.createdBy].filter((x) => !!x).join(' · '),
            variant: v.version === this.selectedVersion ? 'brand' : 'neutral'
        }));
    }

    get hasVersions() {
        return this.versionItems.length > 0;
    }

    newName = '';

    get isNewDisabled() {
        return !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(this.newName);
    }

    handleNewName(event) {
        this.newName = (event.detail.value || '').trim();
    }

    handleNew() {
        this.dispatchEvent(new CustomEvent('newruleset', { detail: { name: this.newName } }));
    }

    handleRuleset(event) {
        this.dispatchEvent(new CustomEvent('selectruleset', { detail: { name: event.currentTarget.dataset.name } }));
    }

    handleVersion(event) {
        this.dispatchEvent(
            new CustomEvent('selectversion', { detail: { version: Number(event.currentTarget.dataset.version) } })
        );
    }
}
