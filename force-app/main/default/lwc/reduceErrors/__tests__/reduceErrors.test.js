import { reduceErrors, errorToast, successToast } from 'c/reduceErrors';

describe('c/reduceErrors', () => {
    it('reads an Apex AuraHandledException body', () => {
        expect(reduceErrors({ body: { message: 'The Lead Router service failed (HTTP 503)' }, status: 500 })).toEqual([
            'The Lead Router service failed (HTTP 503)'
        ]);
    });

    it('reads UI API read errors, page errors and field errors', () => {
        expect(reduceErrors({ body: [{ message: 'a' }, { message: 'b' }] })).toEqual(['a', 'b']);
        expect(reduceErrors({ body: { pageErrors: [{ message: 'page' }], fieldErrors: {} } })).toEqual(['page']);
        expect(reduceErrors({ body: { pageErrors: [], fieldErrors: { OwnerId: [{ message: 'bad owner' }] } } })).toEqual(['bad owner']);
    });

    it('reads JS errors, strings and arrays, and drops empties', () => {
        expect(reduceErrors([new Error('boom'), 'plain', null, undefined, { body: { message: '' } }])).toEqual(['boom', 'plain']);
        expect(reduceErrors({ statusText: 'Gateway Timeout' })).toEqual(['Gateway Timeout']);
        expect(reduceErrors({})).toEqual(['Unknown error']);
    });

    it('builds sticky error toasts and success toasts', () => {
        const toast = errorToast('Could not save', [{ body: { message: 'one' } }, new Error('two')]);
        expect(toast.type).toBe('lightning__showtoast');
        expect(toast.detail).toEqual(expect.objectContaining({ title: 'Could not save', message: 'one, two', variant: 'error', mode: 'sticky' }));
        expect(errorToast('x', null).detail.message).toBe('Unknown error');
        expect(successToast('Saved', 'v5').detail).toEqual(expect.objectContaining({ title: 'Saved', message: 'v5', variant: 'success' }));
    });
});
