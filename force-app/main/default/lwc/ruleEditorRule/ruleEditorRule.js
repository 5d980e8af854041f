/** One rule: id, name, active, its condition tree ("always" when `when` is omitted) and its target. */
import { LightningElement, api } from 'lwc';
import { isGroup } from 'c/rulesetModel';

export default class RuleEditorRule extends LightningElement {
    @api rule = {};
    @api index = 0;
    @api isFirst = false;
    @api isLast = false;
    @api poolIds = [];

    get title() {
        return `${this.index + 1}. ${this.rule.name || this.rule.id || '(new rule)'}`;
    }

    get isActive() {
        return this.rule.active !== false;
    }

    get hasWhen() {
        return this.rule.when !== undefined && this.rule.when !== null;
    }

    /** A top-level leaf is shown as a one-condition AND group; saved as such only once edited. */
    get whenGroup() {
        return isGroup(this.rule.when) ? this.rule.when : { all: [this.rule.when] };
    }

    emit(rule) {
        this.dispatchEvent(new CustomEvent('rulechange', { detail: { index: this.index, rule } }));
    }

    handleField(event) {
        const field = event.target.dataset.field;
        const next = { ...this.rule };
        if (field === 'active') {
            next.active = event.detail.checked;
        } else if (event.detail.value === '' && field === 'name') {
            delete next.name;
        } else {
            next[field] = event.detail.value;
        }
        this.emit(next);
    }

    handleAddConditions() {
        this.emit({ ...this.rule, when: { all: [] } });
    }

    handleAlways() {
        const next = { ...this.rule };
        delete next.when;
        this.emit(next);
    }

    handleWhen(event) {
        event.stopPropagation();
        this.emit({ ...this.rule, when: event.detail.node });
    }

    handleTarget(event) {
        event.stopPropagation();
        this.emit({ ...this.rule, assign: event.detail.target });
    }

    handleMove(event) {
        const delta = Number(event.currentTarget.dataset.delta);
        this.dispatchEvent(new CustomEvent('move', { detail: { index: this.index, delta } }));
    }

    handleRemove() {
        this.dispatchEvent(new CustomEvent('remove', { detail: { index: this.index } }));
    }
}
