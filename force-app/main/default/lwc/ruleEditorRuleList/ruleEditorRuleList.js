/** The rules in evaluation order: add, remove, move up/down; emits `change` with the new list. */
import { LightningElement, api } from 'lwc';
import { moveItem, replaceItem, removeItem } from 'c/rulesetModel';

export default class RuleEditorRuleList extends LightningElement {
    @api rules = [];
    @api poolIds = [];

    get items() {
        const rules = this.rules || [];
        return rules.map((rule, index) => ({
            key: `${index}-${rule.id}`,
            rule,
            index,
            isFirst: index === 0,
            isLast: index === rules.length - 1
        }));
    }

    emit(rules) {
        this.dispatchEvent(new CustomEvent('change', { detail: { rules } }));
    }

    handleAdd() {
        const rules = this.rules || [];
        this.emit([...rules, { id: `rule-${rules.length + 1}`, when: { all: [] }, assign: { type: 'queue', ownerId: '' } }]);
    }

    handleRuleChange(event) {
        event.stopPropagation();
        this.emit(replaceItem(this.rules, event.detail.index, event.detail.rule));
    }

    handleMove(event) {
        this.emit(moveItem(this.rules, event.detail.index, event.detail.delta));
    }

    handleRemove(event) {
        this.emit(removeItem(this.rules, event.detail.index));
    }
}
