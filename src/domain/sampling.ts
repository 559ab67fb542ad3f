/**
 * How many entities a plan draws (R2–R4): the one definition the plan preview,
 * the plan checks and the draw all use. Ratios are integers in per-mille (‰)
 * throughout, so 2.5% is 25 and nothing is ever rounded by floating point.
 */

/** A ratio in integer per-mille (50 = 5%), or a fixed number of entities. */
export type Sampling = { ratioPermille: number } | { count: number };

/**
 * k: the plan's count, at most n; or ceil(n × permille / 1000), in integers
 * only, so no floating-point rounding can change it. Throws a RangeError on a
 * value no valid plan holds (a negative n, a fractional ratio).
 */
export function sampleSize(n: number, sampling: Sampling): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`主体总数应为非负整数：${n}`);
  if ('count' in sampling) {
    if (!Number.isSafeInteger(sampling.count) || sampling.count < 0) throw new RangeError(`抽取数量应为非负整数：${sampling.count}`);
    return Math.min(sampling.count, n);
  }
  const p = sampling.ratioPermille;
  if (!Number.isInteger(p) || p < 0 || p > 1000) throw new RangeError(`抽取比例应为0–1000之间的整数千分比：${p}`);
  const x = n * p;
  if (!Number.isSafeInteger(x)) throw new RangeError('主体总数过大');
  const rest = x % 1000;
  return (x - rest) / 1000 + (rest > 0 ? 1 : 0);
}

/** 50 → "5%", 25 → "2.5%", 1000 → "100%". */
export function formatPermille(permille: number): string {
  const whole = Math.floor(permille / 10);
  const tenth = permille % 10;
  return tenth ? `${whole}.${tenth}%` : `${whole}%`;
}

/** "比例 5%" or "抽取 20 户". */
export function formatSampling(s: Sampling): string {
  return 'count' in s ? `抽取 ${s.count} 户` : `比例 ${formatPermille(s.ratioPermille)}`;
}

/** The effective ratio of a sampling over n entities, per-mille, rounded to the nearest (integers only). */
export function effectivePermille(n: number, s: Sampling): number {
  if ('ratioPermille' in s) return s.ratioPermille;
  if (n <= 0) return 0;
  const drawn = Math.min(s.count, n);
  return Math.floor((drawn * 2000 + n) / (2 * n));
}
