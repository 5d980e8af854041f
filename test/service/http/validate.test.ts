import { z } from 'zod';
import { BadRequestError } from '../../../service/src/http/errors';
import { formatPath, parseOrThrow } from '../../../service/src/http/validate';

const batch = z.strictObject({
  ruleset: z.string().optional(),
  leads: z.array(z.looseObject({ Id: z.string().length(18) })).max(200),
});

function detailsOf(fn: () => unknown): Array<{ path: string; message: string }> {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequestError);
    const e = err as BadRequestError;
    expect(e.status).toBe(400);
    expect(e.code).toBe('validation_failed');
    return e.details;
  }
  throw new Error('expected a BadRequestError');
}

describe('parseOrThrow', () => {
  test('returns typed data when valid', () => {
    const data = parseOrThrow(batch, { leads: [{ Id: '00Q000000000001EAA', Email: 'x@y.z' }] }, 'body');
    expect(data.leads[0]!.Id).toBe('00Q000000000001EAA');
  });

  test('maps issues to readable paths: leads[3].Id, unknown keys named one by one, empty path -> the part', () => {
    const leads = [{ Id: '00Q000000000001EAA' }, { Id: '00Q000000000002EAA' }, { Id: '00Q000000000003EAA' }, { Id: 'short' }];
    const details = detailsOf(() => parseOrThrow(batch, { leads, extra: 1, other: 2 }, 'body'));
    expect(details.map((d) => d.path).sort()).toEqual(['extra', 'leads[3].Id', 'other']);
    expect(details.find((d) => d.path === 'extra')!.message).toBe('Unknown key');
    expect(detailsOf(() => parseOrThrow(batch, 'nope', 'body'))[0]!.path).toBe('body');
    expect(detailsOf(() => parseOrThrow(z.object({ limit: z.number() }), {}, 'query'))[0]!.path).toBe('limit');
  });

  test('formatPath quotes keys that are not identifiers', () => {
    expect(formatPath(['lead', 'Custom__c'], 'body')).toBe('lead.Custom__c');
    expect(formatPath(['lead', 'a.b'], 'body')).toBe('lead["a.b"]');
    expect(formatPath([0, 'Id'], 'body')).toBe('[0].Id');
    expect(formatPath([], 'params')).toBe('params');
  });
});
