/**
 * Pure helpers for the rule editor: the ruleset format's vocabulary (contract ruleset.md), immutable list moves,
 * condition value text <-> JSON, parsing pasted leads (CSV or JSON) and a line diff between two versions.
 * No DOM, no Apex: the components stay small and these stay easy to test.
 */

/** Every condition operator of ruleset.md, with how its value is entered. */
export const OPERATORS = [
    { value: 'eq', label: 'equals', input: 'text' },
    { value: 'neq', label: 'not equal to', input: 'text' },
    { value: 'in', label: 'in list', input: 'list' },
    { value: 'notIn', label: 'not in list', input: 'list' },
    { value: 'contains', label: 'contains', input: 'text' },
    { value: 'startsWith', label: 'starts with', input: 'text' },
    { value: 'endsWith', label: 'ends with', input: 'text' },
    { value: 'gt', label: 'greater than', input: 'number' },
    { value: 'gte', label: 'greater or equal', input: 'number' },
    { value: 'lt', label: 'less than', input: 'number' },
    { value: 'lte', label: 'less or equal', input: 'number' },
    { value: 'between', label: 'between (inclusive)', input: 'range' },
    { value: 'isBlank', label: 'is blank', input: 'none' },
    { value: 'isNotBlank', label: 'is not blank', input: 'none' },
    { value: 'matches', label: 'matches regex', input: 'text' }
];

export const GROUP_KINDS = ['all', 'any', 'not'];
export const STRATEGIES = ['round_robin', 'weighted', 'least_loaded'];
export const TARGET_TYPES = ['user', 'queue', 'pool', 'accountOwner'];

export function operatorInput(op) {
    const found = OPERATORS.find((o) => o.value === op);
    return found ? found.input : 'text';
}

export function clone(value) {
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** A copy of `list` with item `index` moved by `delta` (-1 up, +1 down); out-of-range moves change nothing. */
export function moveItem(list, index, delta) {
    const target = index + delta;
    const copy = [...list];
    if (index < 0 || index >= copy.length || target < 0 || target >= copy.length) {
        return copy;
    }
    const [item] = copy.splice(index, 1);
    copy.splice(target, 0, item);
    return copy;
}

export function replaceItem(list, index, item) {
    return list.map((existing, i) => (i === index ? item : existing));
}

export function removeItem(list, index) {
    return list.filter((_, i) => i !== index);
}

function toScalar(text) {
    const trimmed = String(text).trim();
    return trimmed !== '' && !Number.isNaN(Number(trimmed)) ? Number(trimmed) : trimmed;
}

/** The text an admin types for a condition value, as the JSON the ruleset stores. */
export function textToValue(op, text) {
    const input = operatorInput(op);
    if (input === 'none') {
        return undefined;
    }
    const raw = text === undefined || text === null ? '' : String(text);
    if (input === 'list') {
        return raw
            .split(',')
            .map((part) => part.trim())
            .filter((part) => part.length > 0);
    }
    if (input === 'range') {
        return raw.split(',').map((part) => toScalar(part));
    }
    if (input === 'number') {
        return toScalar(raw);
    }
    return raw;
}

/** A stored condition value as editable text. */
export function valueToText(value) {
    if (value === undefined || value === null) {
        return '';
    }
    return Array.isArray(value) ? value.join(', ') : String(value);
}

export function isGroup(node) {
    return !!node && (Array.isArray(node.all) || Array.isArray(node.any) || (node.not !== undefined && node.not !== null));
}

export function groupKind(node) {
    return GROUP_KINDS.find((kind) => node && node[kind] !== undefined) || 'all';
}

/** The children of a group node (a `not` has exactly one). */
export function groupChildren(node) {
    const kind = groupKind(node);
    if (kind === 'not') {
        return node.not ? [node.not] : [];
    }
    return node[kind] || [];
}

/** Builds a group node of `kind` from children; `not` keeps only the first child. */
export function makeGroup(kind, children) {
    if (kind === 'not') {
        return { not: children[0] || { field: '', op: 'isNotBlank' } };
    }
    return { [kind]: children };
}

function splitCsvLine(line) {
    const cells = [];
    let current = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
        const ch = line[i];
        if (quoted) {
            if (ch === '"' && line[i + 1] === '"') {
                current += '"';
                i++;
            } else if (ch === '"') {
                quoted = false;
            } else {
                current += ch;
            }
        } else if (ch === '"') {
            quoted = true;
        } else if (ch === ',') {
            cells.push(current);
            current = '';
        } else {
            current += ch;
        }
    }
    cells.push(current);
    return cells.map((cell) => cell.trim());
}

/**
 * Leads pasted as a JSON array (or one object) or as CSV with a header row of field API names.
 * Numeric CSV cells become numbers; empty cells are left out.
 * @returns {{leads: object[], error: string|null}}
 */
export function parseLeads(text) {
    const trimmed = (text || '').trim();
    if (trimmed === '') {
        return { leads: [], error: 'Paste leads as a JSON array or as CSV with a header row.' };
    }
    if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
        try {
            const parsed = JSON.parse(trimmed);
            const leads = Array.isArray(parsed) ? parsed : [parsed];
            if (leads.some((lead) => lead === null || typeof lead !== 'object' || Array.isArray(lead))) {
                return { leads: [], error: 'Every lead must be a JSON object.' };
            }
            return { leads, error: null };
        } catch (e) {
            return { leads: [], error: 'The JSON is not valid: ' + e.message };
        }
    }
    const lines = trimmed.split(/\r?\n/).filter((line) => line.trim().length > 0);
    const header = splitCsvLine(lines[0]);
    if (lines.length < 2) {
        return { leads: [], error: 'The CSV needs a header row and at least one lead.' };
    }
    const leads = lines.slice(1).map((line) => {
        const cells = splitCsvLine(line);
        const lead = {};
        header.forEach((field, i) => {
            if (field && cells[i] !== undefined && cells[i] !== '') {
                lead[field] = toScalar(cells[i]);
            }
        });
        return lead;
    });
    return { leads, error: null };
}

/**
 * A line diff (longest common subsequence) of two texts.
 * @returns {{key: string, kind: 'same'|'added'|'removed', text: string, marker: string}[]}
 */
export function diffLines(before, after) {
    const a = (before || '').split('\n');
    const b = (after || '').split('\n');
    const lcs = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
    for (let i = a.length - 1; i >= 0; i--) {
        for (let j = b.length - 1; j >= 0; j--) {
            lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
        }
    }
    const lines = [];
    let i = 0;
    let j = 0;
    const push = (kind, text) => {
        const marker = kind === 'added' ? '+' : kind === 'removed' ? '-' : ' ';
        lines.push({ key: String(lines.length), kind, text, marker });
    };
    while (i < a.length && j < b.length) {
        if (a[i] === b[j]) {
            push('same', a[i]);
            i++;
            j++;
        } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
            push('removed', a[i]);
            i++;
        } else {
            push('added', b[j]);
            j++;
        }
    }
    while (i < a.length) push('removed', a[i++]);
    while (j < b.length) push('added', b[j++]);
    return lines;
}

/** Pretty JSON with stable indentation, as the diff compares it. */
export function pretty(value) {
    return JSON.stringify(value, null, 2);
}

/** A new empty ruleset draft named `name`. */
export function emptyRuleset(name) {
    return { name, pools: [], rules: [], default: { type: 'queue', ownerId: '' } };
}
