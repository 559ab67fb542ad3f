import { checkCreditCode, creditCodeCheckChar, CREDIT_CODE_ALPHABET } from '../../src/domain/creditCode';

describe('GB 32100-2015 credit code check character (R1)', () => {
  it('accepts published valid codes', () => {
    // Example codes printed in public registrations (check characters verified by hand).
    for (const code of ['91350100M000100Y43', '91110000802100433B', '914403001922038216']) {
      expect(checkCreditCode(code)).toEqual({ ok: true, code });
    }
  });

  it('normalises case and whitespace', () => {
    expect(checkCreditCode(' 91350100m000100y43 ')).toEqual({ ok: true, code: '91350100M000100Y43' });
  });

  it('refuses a wrong check character and says which one is expected', () => {
    const r = checkCreditCode('91350100M000100Y44');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('应为“3”');
  });

  it('refuses wrong length and forbidden letters', () => {
    const short = checkCreditCode('9135010');
    expect(short.ok).toBe(false);
    const forbidden = checkCreditCode('91350100M000100I43');
    expect(forbidden.ok).toBe(false);
    if (!forbidden.ok) expect(forbidden.reason).toContain('第16位');
  });

  it('every single-character change of a valid code is caught', () => {
    const code = '91350100M000100Y43';
    for (let pos = 0; pos < 18; pos++) {
      for (const c of CREDIT_CODE_ALPHABET) {
        if (c === code[pos]) continue;
        const mutated = code.slice(0, pos) + c + code.slice(pos + 1);
        expect(checkCreditCode(mutated).ok).toBe(false);
      }
    }
  });

  it('computes the check character from the first 17', () => {
    expect(creditCodeCheckChar('91350100M000100Y4')).toBe('3');
  });
});
