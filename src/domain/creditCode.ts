/**
 * Unified social credit code (统一社会信用代码), GB 32100-2015.
 * 18 characters from a 31-character alphabet (no I, O, Z, S, V); the 18th is a
 * check character computed from the first 17 with fixed weights, modulo 31.
 */
export const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export type CreditCodeCheck =
  | { ok: true; code: string }
  | { ok: false; reason: string };

/** The check character for the first 17 characters (which must be valid). */
export function creditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CREDIT_CODE_ALPHABET.indexOf(first17[i]) * WEIGHTS[i];
  return CREDIT_CODE_ALPHABET[(31 - (sum % 31)) % 31];
}

/**
 * A code as people type or paste it, made comparable: full-width letters and digits
 * (９１３６…, Ａ) become ASCII, every space (also the full-width one) and invisible
 * format character goes, letters are upper-cased.
 */
export function normaliseCreditCode(raw: string): string {
  return raw.normalize('NFKC').replace(/[\s\p{Cf}]+/gu, '').toUpperCase();
}

/** Validates a code, normalised first (`normaliseCreditCode`). Reasons are Chinese, for users. */
export function checkCreditCode(raw: string): CreditCodeCheck {
  const code = normaliseCreditCode(raw);
  if (code.length !== 18) {
    return { ok: false, reason: `统一社会信用代码应为18位（GB 32100-2015），“${shorten(code)}”为${code.length}位` };
  }
  for (let i = 0; i < 18; i++) {
    if (!CREDIT_CODE_ALPHABET.includes(code[i])) {
      return { ok: false, reason: `统一社会信用代码第${i + 1}位“${code[i]}”不是合法字符（GB 32100-2015：数字和大写字母，不含I、O、Z、S、V）` };
    }
  }
  const expected = creditCodeCheckChar(code.slice(0, 17));
  if (code[17] !== expected) {
    return {
      ok: false,
      reason: `统一社会信用代码“${code}”校验位错误（按GB 32100-2015应为“${expected}”），请核对后重新输入`,
    };
  }
  return { ok: true, code };
}

/** True when text looks like someone meant to type a credit code (18 code characters). */
export function looksLikeCreditCode(text: string): boolean {
  return /^[0-9A-Z]{18}$/.test(normaliseCreditCode(text));
}

function shorten(s: string): string {
  return s.length > 24 ? `${s.slice(0, 24)}…` : s;
}
