import {
    OPERATORS,
    moveItem,
    textToValue,
    valueToText,
    groupKind,
    groupChildren,
    makeGroup,
    isGroup,
    parseLeads,
    diffLines,
    emptyRuleset
} from 'c/rulesetModel';

describe('c/rulesetModel', () => {
    it('knows every operator of ruleset.md', () => {
        expect(OPERATORS.map((o) => o.value).sort()).toEqual(
            ['between', 'contains', 'endsWith', 'eq', 'gt', 'gte', 'in', 'isBlank', 'isNotBlank', 'lt', 'lte', 'matches', 'neq', 'notIn', 'startsWith'].sort()
        );
    });

    it('moves items up and down and ignores moves off the ends', () => {
        expect(moveItem(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
        expect(moveItem(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
        expect(moveItem(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
        expect(moveItem(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c']);
    });

    it('converts condition values by operator', () => {
        expect(textToValue('in', ' FR, DE ,, France')).toEqual(['FR', 'DE', 'France']);
        expect(textToValue('gte', '1000')).toBe(1000);
        expect(textToValue('gte', '1,000')).toBe('1,000');
        expect(textToValue('between', '10, 20')).toEqual([10, 20]);
        expect(textToValue('isBlank', 'x')).toBeUndefined();
        expect(textToValue('eq', '007')).toBe('007');
        expect(valueToText(['a', 'b'])).toBe('a, b');
        expect(valueToText(undefined)).toBe('');
    });

    it('reads and builds condition groups', () => {
        expect(groupKind({ any: [] })).toBe('any');
        expect(groupChildren({ not: { field: 'A', op: 'isBlank' } })).toEqual([{ field: 'A', op: 'isBlank' }]);
        expect(makeGroup('not', [{ field: 'A', op: 'isBlank' }, { field: 'B', op: 'isBlank' }])).toEqual({ not: { field: 'A', op: 'isBlank' } });
        expect(makeGroup('any', [])).toEqual({ any: [] });
        expect(isGroup({ field: 'A', op: 'eq', value: 1 })).toBe(false);
        expect(isGroup({ all: [] })).toBe(true);
    });

    it('parses leads pasted as JSON or CSV', () => {
        expect(parseLeads('{"Id": "00Q000000000001EAA"}')).toEqual({ leads: [{ Id: '00Q000000000001EAA' }], error: null });
        expect(parseLeads('Id,Company,NumberOfEmployees\r\n00Q1,"Acme ""Labs"", Inc",12\n00Q2,,\n')).toEqual({
            leads: [{ Id: '00Q1', Company: 'Acme "Labs", Inc', NumberOfEmployees: 12 }, { Id: '00Q2' }],
            error: null
        });
        expect(parseLeads('').error).toMatch(/Paste leads/);
        expect(parseLeads('Id,Country').error).toMatch(/header row and at least one lead/);
        expect(parseLeads('[1, 2]').error).toBe('Every lead must be a JSON object.');
        expect(parseLeads('[{').error).toMatch(/^The JSON is not valid/);
    });

    it('diffs two texts line by line', () => {
        const lines = diffLines('a\nb\nc', 'a\nc\nd');
        expect(lines.map((l) => `${l.marker}${l.text}`)).toEqual([' a', '-b', ' c', '+d']);
        expect(diffLines('x', 'x').every((l) => l.kind === 'same')).toBe(true);
    });

    it('starts an empty ruleset with a required default', () => {
        expect(emptyRuleset('web')).toEqual({ name: 'web', pools: [], rules: [], default: { type: 'queue', ownerId: '' } });
    });
});
