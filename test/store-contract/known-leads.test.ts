/**
 * The known-leads filter of the SQLite store (known-leads.ts): "no" must be exact (a lead with a decision that the
 * filter denies would be routed twice), "maybe" rare for leads never seen.
 */
import { KnownLeads } from '../../service/src/adapters/store/sqlite/known-leads';

const leadId = (i: number) => `00Q5g00000${i.toString(36).toUpperCase().padStart(8, '0')}`;

describe('KnownLeads', () => {
  test('off until filled: every lead may be known', () => {
    const filter = new KnownLeads(() => []);
    filter.add(leadId(1));
    expect(filter.active).toBe(false);
    expect(filter.mayHave(leadId(2))).toBe(true);
  });

  test('no false "no" over 200,000 leads (four layers), from the load and from later adds; under 1% false "maybe"', () => {
    const filter = new KnownLeads(function* () {
      for (let i = 0; i < 100_000; i++) yield leadId(i);
    });
    filter.rebuild();
    for (let i = 100_000; i < 200_000; i++) filter.add(leadId(i));
    let denied = 0;
    for (let i = 0; i < 200_000; i++) if (!filter.mayHave(leadId(i))) denied++;
    expect(denied).toBe(0);
    let maybe = 0;
    for (let i = 1_000_000; i < 1_100_000; i++) if (filter.mayHave(leadId(i))) maybe++;
    expect(maybe / 100_000).toBeLessThan(0.01);
    expect(filter.mayHave('00Q000000000000AAA')).toBe(false);
  });

  test('a rebuild reads the tables again and forgets nothing they hold', () => {
    const rows = [leadId(1)];
    const filter = new KnownLeads(() => rows);
    filter.rebuild();
    expect(filter.mayHave(leadId(2))).toBe(false);
    rows.push(leadId(2)); // another connection's commit
    filter.refresh();
    expect(filter.mayHave(leadId(1))).toBe(true);
    expect(filter.mayHave(leadId(2))).toBe(true);
  });
});
