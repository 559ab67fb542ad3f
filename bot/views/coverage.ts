/** One department's line of the R12 coverage table (覆盖情况, and the March reminder). */
import { unitName } from '../../src/domain/organisation';
import type { CoverageRow } from '../../src/services/coverage';

export function coverageLines(row: CoverageRow, year: number): string {
  const head = `${unitName(row.department)}：${row.covered}/${row.total} 项已有${year}年计划`;
  if (row.missing.length === 0) return `${head}，已全覆盖`;
  const names = row.missing.slice(0, 8).map((it) => `${it.name}（${it.itemCode}）`).join('、');
  return `${head}；未覆盖：${names}${row.missing.length > 8 ? ` 等${row.missing.length}项` : ''}`;
}
