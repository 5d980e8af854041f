/** An assignment target (ruleset.md): user, queue, pool (with skillField) or accountOwner with its `else`. */
import { LightningElement, api } from 'lwc';
import { TARGET_TYPES } from 'c/rulesetModel';

export default class RuleEditorTarget extends LightningElement {
    @api target = {};
    @api poolIds = [];
    @api label = 'Assign to';
    /** accountOwner's `else` cannot itself be an accountOwner (one level is enough for the editor). */
    @api allowAccountOwner = false;

    get typeOptions() {
        return TARGET_TYPES.filter((t) => this.allowAccountOwner || t !== 'accountOwner').map((t) => ({ label: t, value: t }));
    }

    get poolOptions() {
        return (this.poolIds || []).map((id) => ({ label: id, value: id }));
    }

    get type() {
        return (this.target && this.target.type) || 'queue';
    }

    get isOwner() {
        return this.type === 'user' || this.type === 'queue';
    }

    get isPool() {
        return this.type === 'pool';
    }

    get isAccountOwner() {
        return this.type === 'accountOwner';
    }

    get elseTarget() {
        return (this.target && this.target.else) || { type: 'queue', ownerId: '' };
    }

    emit(target) {
        this.dispatchEvent(new CustomEvent('change', { detail: { target } }));
    }

    handleType(event) {
        const type = event.detail.value;
        if (type === 'pool') {
            this.emit({ type, pool: (this.poolIds || [])[0] || '' });
        } else if (type === 'accountOwner') {
            this.emit({ type, else: { type: 'queue', ownerId: '' } });
        } else {
            this.emit({ type, ownerId: (this.target && this.target.ownerId) || '' });
        }
    }

    handleField(event) {
        const field = event.target.dataset.field;
        const value = event.detail.value;
        const next = { ...this.target };
        if (value === '' && field === 'skillField') {
            delete next.skillField;
        } else {
            next[field] = value;
        }
        this.emit(next);
    }

    handleElse(event) {
        event.stopPropagation();
        this.emit({ ...this.target, else: event.detail.target });
    }
}
