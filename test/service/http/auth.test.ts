import { bearerToken, createAuthGuards, safeEqual } from '../../../service/src/http/auth';

describe('constant-time token helpers', () => {
  test('safeEqual compares content of any length without throwing', () => {
    expect(safeEqual('same-token', 'same-token')).toBe(true);
    expect(safeEqual('same-token', 'same-tokeN')).toBe(false);
    // crypto.timingSafeEqual alone throws on different lengths; hashing first makes length irrelevant.
    expect(safeEqual('short', 'a much longer token value')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('é', 'e')).toBe(false);
  });

  test('bearerToken reads only well-formed Bearer headers', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer\tabc')).toBe('abc');
    expect(bearerToken('Bearer ')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('abc')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });

  test('guards refuse missing or identical tokens at construction', () => {
    expect(() => createAuthGuards({ callout: '', admin: 'admin-token-0123456789' })).toThrow(/both tokens/);
    expect(() => createAuthGuards({ callout: 'same-token-0123456789', admin: 'same-token-0123456789' })).toThrow(/must differ/);
  });
});
