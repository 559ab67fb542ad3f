/** Registry commands: query a pool, look an entity up, list a department's inspectors and items. */
import { beijingDate } from '../../src/domain/calendar';
import { findUnit, unitName } from '../../src/domain/organisation';
import { POOL_ALIASES, POOL_LABELS, RISK_ALIASES } from '../../src/domain/pools';
import type { EntityFilter } from '../../store/repos/entities';
import { keyValues } from './args';
import { entityCard, entityLine, inspectorLine, itemLine } from './format';
import { historyLines } from './results';
import type { Command } from './types';
import { text, type Reply } from '../types';

const FILTER_KEYS: Record<string, keyof EntityFilter> = {
  库: 'pool', 行业: 'industry', 乡镇: 'township', 风险: 'riskClass', 风险等级: 'riskClass',
  信用风险: 'riskClass', 关键词: 'keyword', 名称: 'keyword', 部门: 'department', 监管部门: 'department',
};
const QUERY_EXAMPLE = '例如：查询 A类 乡镇=陈营镇 行业=制造业 风险=高 关键词=食品';

export const queryPool: Command = {
  names: ['查询', '查库', '库查询'],
  usage: `查询 [A类|B类|C类] [乡镇=…] [行业=…] [风险=低|一般|较高|高] [关键词=…] [部门=…] — 统计检查对象库并列出前几户`,
  async run(args, ctx) {
    const { pairs, words } = keyValues(args);
    const filter: EntityFilter = {};
    for (const w of words) {
      const pool = POOL_ALIASES[w.toUpperCase()] ?? POOL_ALIASES[w];
      if (!pool) return [text(`看不懂“${w}”。${QUERY_EXAMPLE}`)];
      filter.pool = pool;
    }
    for (const [k, v] of pairs) {
      const field = FILTER_KEYS[k];
      if (!field) return [text(`不支持的条件“${k}”，可用：库、乡镇、行业、风险、关键词、部门。${QUERY_EXAMPLE}`)];
      if (!v) return [text(`条件“${k}”没有填写值。${QUERY_EXAMPLE}`)];
      if (field === 'pool') {
        const pool = POOL_ALIASES[v.toUpperCase()] ?? POOL_ALIASES[v];
        if (!pool) return [text(`库“${v}”无效，请用 A类、B类 或 C类（R1）`)];
        filter.pool = pool;
      } else if (field === 'riskClass') {
        const risk = RISK_ALIASES[v];
        if (!risk) return [text(`风险等级“${v}”无效，可选：低、一般、较高、高（R6）`)];
        filter.riskClass = risk;
      } else if (field === 'department') {
        const unit = findUnit(v);
        if (!unit) return [text(`部门“${v}”不是联席会议成员单位（R19），请用如“县市管局”的名称`)];
        filter.department = unit.code;
      } else {
        filter[field] = v;
      }
    }
    const r = await ctx.services.registry.queryPool(ctx.caller, filter, ctx.pageSize);
    const scope = filter.pool ? POOL_LABELS[filter.pool] : '全部检查对象库';
    const conditions = describe(filter);
    const head = `${scope}${conditions ? `（${conditions}）` : ''}：共 ${r.total} 户` +
      (filter.pool ? '' : `，其中 A类 ${r.byPool.A}、B类 ${r.byPool.B}、C类 ${r.byPool.C}`);
    if (r.total === 0) return [text(`${head}。可放宽条件再查。`)];
    const more = r.total > r.rows.length ? `\n…仅显示前 ${r.rows.length} 户，可加条件缩小范围` : '';
    return [text(`${head}\n${r.rows.map(entityLine).join('\n')}${more}`)];
  },
};

function describe(f: EntityFilter): string {
  return [
    f.township && `乡镇=${f.township}`, f.industry && `行业=${f.industry}`, f.riskClass && `风险=${f.riskClass}`,
    f.department && `部门=${unitName(f.department)}`, f.keyword && `关键词=${f.keyword}`,
  ].filter(Boolean).join('，');
}

export const lookupEntity: Command = {
  names: ['查', '主体', '查主体'],
  usage: '查 <统一社会信用代码 或 名称中的几个字> — 查看一户市场主体及其所属库',
  async run(args, ctx) {
    const r = await ctx.services.registry.lookup(ctx.caller, args, ctx.pageSize);
    if (r.kind === 'none') return [text(`没有找到“${args.trim()}”。请核对信用代码，或换个名称关键词再查。`)];
    if (r.kind === 'one') return [text([entityCard(r.entity), ...(await historyLines(r.entity.creditCode, ctx))].join('\n'))];
    const more = r.total > r.rows.length ? `\n…共 ${r.total} 户，仅显示前 ${r.rows.length} 户，请输入更完整的名称` : '';
    return [text(`名称含“${args.trim()}”的有 ${r.total} 户，请用信用代码查看详情：\n${r.rows.map(entityLine).join('\n')}${more}`)];
  },
};

function department(args: string, own: string): { code: string } | { error: Reply[] } {
  const name = args.trim();
  if (!name) return { code: own };
  const unit = findUnit(name);
  if (!unit) return { error: [text(`部门“${name}”不是联席会议成员单位（R19），请用如“县市管局”的名称`)] };
  return { code: unit.code };
}

export const listInspectors: Command = {
  names: ['人员', '检查人员', '执法人员'],
  usage: '人员 [部门] — 列出本单位（或指定单位）的执法检查人员（R7）',
  async run(args, ctx) {
    const d = department(args, ctx.caller.department);
    if ('error' in d) return d.error;
    const people = await ctx.services.registry.inspectors(ctx.caller, d.code);
    if (people.length === 0) return [text(`${unitName(d.code)}尚未登记执法检查人员，请先导入人员名录`)];
    const today = beijingDate(ctx.services.clock());
    const shown = people.slice(0, ctx.pageSize * 3);
    const officers = people.filter((p) => p.active && p.kind !== 'expert' && p.certificateNo && (p.certificateExpiry ?? '') >= today).length;
    const more = people.length > shown.length ? `\n…共 ${people.length} 人，仅显示前 ${shown.length} 人` : '';
    return [text(`${unitName(d.code)}执法检查人员 ${people.length} 人，其中在岗且执法证有效 ${officers} 人：\n${shown.map((p, i) => inspectorLine(p, i, today)).join('\n')}${more}`)];
  },
};

export const listItems: Command = {
  names: ['事项', '检查事项', '清单'],
  usage: '事项 [部门] — 列出本单位（或指定单位）的检查事项清单（R9）',
  async run(args, ctx) {
    const d = department(args, ctx.caller.department);
    if ('error' in d) return d.error;
    const items = await ctx.services.registry.items(ctx.caller, d.code);
    if (items.length === 0) return [text(`${unitName(d.code)}尚未登记检查事项。依据规则R9：清单之外无检查，请先导入事项清单`)];
    return [text(`${unitName(d.code)}检查事项清单 ${items.length} 项：\n${items.map(itemLine).join('\n')}`)];
  },
};

