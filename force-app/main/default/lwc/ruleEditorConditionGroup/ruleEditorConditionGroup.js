/**
 * A condition group ({all}, {any} or {not}) with its leaves and nested groups, edited in place; nested groups are
 * this same component. Every edit emits `change` with the whole new group node, so the parent stays the owner.
 */
import { LightningElement, api } from 'lwc';
import {
    OPERATORS,
    GROUP_KINDS,
    operatorInput,
    textToValue,
    valueToText,
    isGroup,
    groupKind,
    groupChildren,
    makeGroup,
    replaceItem,
    removeItem
} from 'c/rulesetModel';

const OPERATOR_OPTIONS = OPERATORS.map((o) => ({ label: o.label, value: o.value }));
const KIND_LABELS = { all: 'All of (AND)', any: 'Any of (OR)', not: 'Not' };

export default class RuleEditorConditionGroup extends LightningElement {
    @api node = { all: [] };
    @api depth = 0;

    operatorOptions = OPERATOR_OPTIONS;
    kindOptions = GROUP_KINDS.map((k) => ({ label: KIND_LABELS[k], value: k }));

    get kind() {
        return groupKind(this.node);
    }

    get isNested() {
        return this.depth > 0;
    }

    get childDepth() {
        return this.depth + 1;
    }

    get canAdd() {
        return this.kind !== 'not' || groupChildren(this.node).length === 0;
    }

    get boxClass() {
        return `slds-box slds-box_x-small slds-m-bottom_x-small ${this.depth % 2 === 0 ? '' : 'slds-theme_shade'}`;
    }

    get items() {
        return groupChildren(this.node).map((child, index) => {
            const group = isGroup(child);
            const input = group ? 'none' : operatorInput(child.op);
            return {
                key: `${this.depth}-${index}`,
                index,
                isGroup: group,
                node: child,
                field: child.field,
                op: child.op,
                valueText: valueToText(child.value),
                hasValue: input !== 'none',
                valueLabel: input === 'list' ? 'Values (comma separated)' : input === 'range' ? 'Low, high' : 'Value'
            };
        });
    }

    emit(node) {
        this.dispatchEvent(new CustomEvent('change', { detail: { node } }));
    }

    setChildren(children) {
        this.emit(makeGroup(this.kind, children));
    }

    handleKind(event) {
        this.emit(makeGroup(event.detail.value, groupChildren(this.node)));
    }

    handleAddLeaf() {
        this.setChildren([...groupChildren(this.node), { field: '', op: 'eq', value: '' }]);
    }

    handleAddGroup() {
        this.setChildren([...groupChildren(this.node), { all: [] }]);
    }

    handleRemove(event) {
        this.setChildren(removeItem(groupChildren(this.node), Number(event.currentTarget.dataset.index)));
    }

    handleLeafChange(event) {
        const index = Number(event.target.dataset.index);
        const part = event.target.dataset.part;
        const children = groupChildren(this.node);
        const leaf = { ...children[index] };
        const value = event.detail.value;
        if (part === 'field') {
            leaf.field = value;
        } else if (part === 'op') {
            const previousText = valueToText(leaf.value);
            leaf.op = value;
            const converted = textToValue(value, previousText);
            if (converted === undefined) {
                delete leaf.value;
            } else {
                leaf.value = converted;
            }
        } else {
            leaf.value = textToValue(leaf.op, value);
        }
        this.setChildren(replaceItem(children, index, leaf));
    }

    handleNestedChange(event) {
        event.stopPropagation();
        const index = Number(event.target.dataset.index);
        this.setChildren(replaceItem(groupChildren(this.node), index, event.detail.node));
    }
}
