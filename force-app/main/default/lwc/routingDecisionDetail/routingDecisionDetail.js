/**
 * One decision explained: which rules were tried and why each failed (the failing condition and the whole
 * condition tree with each result), which pool members were skipped and why, who was picked (or where the lead
 * fell to), and the hand-off timeline. Reads the service's Trace shape (service/src/core/types.ts).
 */
import { LightningElement, api } from 'lwc';

const OUTCOME_BADGES = {
    matched: 'slds-badge slds-theme_success',
    failed: 'slds-badge slds-theme_error',
    inactive: 'slds-badge'
};

function describeLeaf(node) {
    const value = node.value === undefined ? '' : ' ' + JSON.stringify(node.value);
    const actual = node.actual === undefined ? '' : ` (lead: ${JSON.stringify(node.actual)})`;
    return `${node.field} ${node.op}${value}${actual}`;
}

/** A timeline entry's detail (an object or null in the service's answer) as `key: value` text. */
export function detailText(detail) {
    if (detail === null || detail === undefined) {
        return '';
    }
    if (typeof detail !== 'object') {
        return String(detail);
    }
    return Object.entries(detail)
        .filter(([, value]) => value !== null && value !== undefined)
        .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`)
        .join(', ');
}

/** The condition tree as indented lines, each with its result. */
export function conditionLines(node, depth = 0, lines = []) {
    if (!node) {
        return lines;
    }
    const key = `c${lines.length}`;
    const text = node.kind === 'leaf' ? describeLeaf(node) : node.kind.toUpperCase();
    lines.push({
        key,
        text,
        result: node.result ? 'true' : 'false',
        resultClass: node.result ? 'slds-text-color_success' : 'slds-text-color_error',
        style: `padding-left: ${depth * 1.25}rem`
    });
    (node.children || []).forEach((child) => conditionLines(child, depth + 1, lines));
    return lines;
}

/** The pool trace of a target, following an accountOwner's `else`. */
export function findPool(target) {
    let current = target;
    while (current) {
        if (current.pool) {
            return current.pool;
        }
        current = current.else;
    }
    return null;
}

export default class RoutingDecisionDetail extends LightningElement {
    @api decision;

    get trace() {
        return (this.decision && this.decision.trace) || { rules: [], target: {} };
    }

    get title() {
        const d = this.decision || {};
        return `Decision ${d.decisionId || ''}`;
    }

    get summary() {
        const d = this.decision || {};
        return `${d.leadId} -> ${d.ownerId} (${d.ownerType})`;
    }

    get rulesetLabel() {
        const d = this.decision || {};
        return d.ruleset ? `${d.ruleset} v${d.rulesetVersion}` : '';
    }

    get matchedLabel() {
        return this.trace.matchedRuleId || 'no rule matched: the ruleset default decided';
    }

    get rules() {
        return (this.trace.rules || []).map((rule, index) => ({
            key: `${rule.ruleId}-${index}`,
            ruleId: rule.ruleId,
            name: rule.name || rule.ruleId,
            outcome: rule.outcome,
            badgeClass: OUTCOME_BADGES[rule.outcome] || 'slds-badge',
            failedAt: rule.failedAt,
            hasConditions: !!rule.conditions,
            conditionLines: conditionLines(rule.conditions)
        }));
    }

    get target() {
        return this.trace.target || {};
    }

    get account() {
        const account = this.target.account;
        if (!account) {
            return null;
        }
        return {
            domain: account.domain || '(none)',
            text: account.matched ? `matched, owner ${account.ownerId}` : 'no matching account'
        };
    }

    get pool() {
        const pool = findPool(this.target);
        if (!pool) {
            return null;
        }
        return {
            poolId: pool.poolId,
            strategy: pool.strategy,
            skillFilter: pool.skillFilter ? `${pool.skillFilter.field} = ${pool.skillFilter.value}` : null,
            picked: pool.picked || 'nobody',
            fellTo: pool.fellTo || null,
            members: (pool.members || []).map((member) => ({
                key: member.ownerId,
                ownerId: member.ownerId,
                status: member.ownerId === pool.picked ? 'picked' : member.eligible ? 'eligible' : `skipped: ${member.skipped}`,
                statusClass:
                    member.ownerId === pool.picked
                        ? 'slds-text-color_success'
                        : member.eligible
                          ? ''
                          : 'slds-text-color_weak',
                detail: member.detail || ''
            }))
        };
    }

    get notes() {
        return this.trace.notes || [];
    }

    get hasNotes() {
        return this.notes.length > 0;
    }

    get timeline() {
        return [...((this.decision && this.decision.timeline) || [])]
            .sort((a, b) => String(a.at).localeCompare(String(b.at)))
            .map((entry, index) => ({ key: `${entry.step}-${index}`, ...entry, detailText: detailText(entry.detail) }));
    }

    get hasTimeline() {
        return this.timeline.length > 0;
    }

    handleClose() {
        this.dispatchEvent(new CustomEvent('close'));
    }
}
