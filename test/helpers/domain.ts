/** Helpers shared by the domain's unit tests. */
import { creditCodeCheckChar } from '../../src/domain/creditCode';

/** A cell of ten megabytes, for the length checks. */
export const TEN_MB = 'x'.repeat(10 * 1024 * 1024);

/** The n-th valid unified social credit code of the county (check character computed). */
export function code(n: number): string {
  const first17 = `91361129${String(n).padStart(9, '0')}`;
  return first17 + creditCodeCheckChar(first17);
}

/** The Chinese reason of a refused parse; fails the test when the parse succeeded. */
export function reasonOf(r: { ok: true } | { ok: false; reason: string }): string {
  if (r.ok) throw new Error('expected a refusal, got a value');
  return r.reason;
}
