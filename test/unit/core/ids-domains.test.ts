import { emailOrWebsiteDomain, isPublicMailDomain, normalizeWebsiteDomain, ownerTypeOf, toId18 } from '../../../service/src/core';
import { lead } from './fixtures';

describe('toId18', () => {
  test.each([
    // chunk "001A0" has an upper-case letter at position 3 -> 8 -> I; "00000" -> A; "6Vm9r" -> V at 1 -> 2 -> C
    ['001A0000006Vm9r', '001A0000006Vm9rIAC'],
    ['005000000000001', '005000000000001AAA'],
    // "00G00": G at position 2 -> 4 -> E
    ['00G000000000001', '00G000000000001EAA'],
    // every letter upper case: 31 -> "5" in each chunk
    ['ABCDEFGHIJKLMNO', 'ABCDEFGHIJKLMNO555'],
    ['abcdefghijklmno', 'abcdefghijklmnoAAA'],
  ])('%s -> %s', (id15, id18) => {
    expect(toId18(id15)).toBe(id18);
    expect(toId18(id18)).toBe(id18);
  });

  test('an 18-character id with a wrong checksum is rejected', () => {
    expect(toId18('001A0000006Vm9rIAD')).toBeNull();
    expect(toId18('005000000000001EAA')).toBeNull();
  });

  test('the checksum suffix is accepted in any case and returned upper case', () => {
    expect(toId18('001A0000006Vm9riac')).toBe('001A0000006Vm9rIAC');
  });

  test.each(['', '00Q', '00Q00000000001', '00Q0000000000011', '00Q00000000000!', '00Q000000000001AAAA', 'x'.repeat(18)])(
    'malformed %p -> null',
    (id) => {
      expect(toId18(id)).toBeNull();
    },
  );

  test('15 and 18 character forms of one lead are the same id', () => {
    expect(toId18('00Q000000000001')).toBe(toId18('00Q000000000001EAA'));
  });

  test('ownerTypeOf: 00G is a Queue, 005 a User', () => {
    expect(ownerTypeOf('00G000000000001EAA')).toBe('Queue');
    expect(ownerTypeOf('005000000000001AAA')).toBe('User');
  });
});

describe('domains', () => {
  test.each([
    ['https://www.Acme.com/about?x=1', 'acme.com'],
    ['acme.com', 'acme.com'],
    ['  WWW.acme.co.uk.  ', 'acme.co.uk'],
    ['http://user@sub.acme.com:8080/x', 'sub.acme.com'],
    ['not a domain', null],
    ['', null],
    ['localhost', null],
  ])('normalizeWebsiteDomain(%p) = %p', (w, d) => {
    expect(normalizeWebsiteDomain(w)).toBe(d);
  });

  test('e-mail domain first, lower case, without www.', () => {
    expect(emailOrWebsiteDomain(lead({ Email: ' Jane@WWW.Acme.com ', Website: 'other.com' }))).toBe('acme.com');
  });

  test('website when the e-mail is missing or public', () => {
    expect(emailOrWebsiteDomain(lead({ Website: 'https://www.acme.com' }))).toBe('acme.com');
    expect(emailOrWebsiteDomain(lead({ Email: 'jane@gmail.com', Website: 'acme.com' }))).toBe('acme.com');
  });

  test('public mail domains never match', () => {
    for (const d of ['gmail.com', 'yahoo.com', 'yahoo.co.uk', 'hotmail.fr', 'outlook.com', 'live.com', 'icloud.com', 'aol.com', 'proton.me', 'protonmail.com', 'gmx.de']) {
      expect(isPublicMailDomain(d)).toBe(true);
      expect(emailOrWebsiteDomain(lead({ Email: `x@${d}` }))).toBeNull();
    }
    expect(isPublicMailDomain('acme.com')).toBe(false);
  });

  test('no usable e-mail or website -> null', () => {
    expect(emailOrWebsiteDomain(lead({ Email: 'no-at-sign', Website: 42 }))).toBeNull();
    expect(emailOrWebsiteDomain(lead({}))).toBeNull();
  });
});
