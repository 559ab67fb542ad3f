/** Lookup commands over the registers (两库一清单): query a pool, look an entity up, list a department's inspectors and items. */
import { Refusal } from '../../src/services/context';
import { beijingDate } from '../../src/domain/calendar';
import { isActiveOfficerOn } from '../../src/domain/inspector';
import { findUnit, unitName } from '../../src/domain/organisation';
import { POOL_ALIASES, POOL_LABELS, type RiskClass } from '../../src/domain/pools';
import { MAX_FILE_ROWS, VALUE_FIELD_LABELS, type ValueField } from '../../src/services/lookup';
import type { EntityFilter } from '../../src/domain/records/entity';
import { keyValues } from './args';
import { entityCard, entityLine, inspectorLine, itemLine, LIST_FILE_ROWS, longList } from './format';
import { historyLines } from './results';
import { arrangementOf } from './cJoint';
import type { Command } from './types';
import { text } from '../types';

const FILTER_KEYS: Record<string, keyof EntityFilter> = {
  库: 'pool', 行业: 'industry', 乡镇: 'township', 风险: 'riskClass', 风险等级: 'riskClass',
  信用风险: 'riskClass', 关键词: 'keyword', 名称: 'keyword', 部门: 'department', 监管部门: 'department',
  标签: 'sectorTag', 领域: 'sectorTag', 领域标签: 'sectorTag',
};
/** Rows 查询 keeps for 更多 (its file holds up to MAX_FILE_ROWS). */
const QUERY_KEPT_ROWS = 200;
const QUERY_EXAMPLE = '例如：查询 A类 乡镇=陈营镇 行业=制造业 风险=高 关键词=食品';

export const queryPool: Command = {
  names: ['查询', '查库', '库查询'],
  usage: `查询 [A类|B类|C类] [乡镇=…] [行业=…] [风险=低|一般|较高|高] [标签=…] [关键词=…] [部门=…] — 统计检查对象库并列出前几户；可选的值见“取值 行业”`,
  async run(args, ctx) {
    const { pairs, words } = keyValues(args);
    const filter: EntityFilter = {};
    const readAs: string[] = [];
    for (const w of words) {
      const pool = POOL_ALIASES[w.toUpperCase()] ?? POOL_ALIASES[w];
      if (!pool) throw new Refusal(`看不懂“${w}”。${QUERY_EXAMPLE}`);
      filter.pool = pool;
    }
    for (const [k, v] of pairs) {
      const field = FILTER_KEYS[k];
      if (!field) throw new Refusal(`不支持的条件“${k}”，可用：库、乡镇、行业、风险、标签、关键词、部门。${QUERY_EXAMPLE}`);
      if (!v) throw new Refusal(`条件“${k}”没有填写值。${QUERY_EXAMPLE}`);
      if (field === 'pool') {
        const pool = POOL_ALIASES[v.toUpperCase()] ?? POOL_ALIASES[v];
        if (!pool) throw new Refusal(`库“${v}”无效，请用 A类、B类 或 C类（R1）`, 'R1');
        filter.pool = pool;
      } else if (field === 'riskClass' || field === 'industry' || field === 'township' || field === 'sectorTag') {
        // Forgiving: a unique prefix or contained word is read as the value it names, and said so.
        const r = await ctx.services.registry.resolve(ctx.caller, field === 'sectorTag' ? 'sectorTags' : field, v);
        if (r.readAs) readAs.push(r.readAs);
        if (field === 'riskClass') filter.riskClass = r.value as RiskClass;
        else filter[field] = r.value;
      } else if (field === 'department') {
        const unit = findUnit(v);
        if (!unit) throw new Refusal(`部门“${v}”不是联席会议成员单位（R19），请用如“县市管局”的名称`, 'R19');
        filter.department = unit.code;
      } else {
        filter[field] = v;
      }
    }
    const r = await ctx.services.registry.queryPool(ctx.caller, filter, QUERY_KEPT_ROWS);
    const scope = filter.pool ? POOL_LABELS[filter.pool] : '全部检查对象库';
    const conditions = describe(filter);
    const head = `${scope}${conditions ? `（${conditions}）` : ''}：共 ${r.total} 户` +
      (filter.pool ? '' : `，其中 A类 ${r.byPool.A}、B类 ${r.byPool.B}、C类 ${r.byPool.C}`);
    const note = readAs.length ? `（${readAs.join('；')}）\n` : '';
    if (r.total === 0) return [text(`${note}${head}。可放宽条件再查。`)];
    const lines = r.rows.map(entityLine);
    // More than LIST_FILE_ROWS: the whole result (up to QUERY_FILE_ROWS) also as a file, privately.
    const all = r.total > LIST_FILE_ROWS ? (await ctx.services.registry.queryPool(ctx.caller, filter, MAX_FILE_ROWS, true)).rows.map(entityLine) : lines;
    return longList(ctx, {
      title: `${scope}${conditions ? `（${conditions}）` : ''}`, head: `${note}${head}`, lines, shown: ctx.pageSize, rows: r.total, fileLines: all,
      columns: ['名称', '统一社会信用代码', '乡镇', '风险', '所属库'],
      moreNote: (shown) => `…仅显示前 ${shown} 户，发送“更多”看下一页${r.total > lines.length ? `（可看前 ${lines.length} 户）` : ''}，也可加条件缩小范围`,
    });
  },
};

function describe(f: EntityFilter): string {
  return [
    f.township && `乡镇=${f.township}`, f.industry && `行业=${f.industry}`, f.riskClass && `风险=${f.riskClass}`, f.sectorTag && `标签=${f.sectorTag}`,
    f.department && `部门=${unitName(f.department)}`, f.keyword && `关键词=${f.keyword}`,
  ].filter(Boolean).join('，');
}

export const lookupEntity: Command = {
  names: ['查', '主体', '查主体'],
  usage: '查 <统一社会信用代码 或 名称中的几个字> — 查看一户市场主体及其所属库',
  async run(args, ctx) {
    const r = await ctx.services.registry.lookup(ctx.caller, args, ctx.pageSize);
    if (r.kind === 'none') return [text(`没有找到“${args.trim()}”。请核对信用代码，或换个名称关键词再查。`)];
    if (r.kind === 'one') return [text([entityCard(r.entity), ...(await historyLines(r.entity.creditCode, ctx)), ...(await arrangementOf(ctx.services, r.entity.creditCode))].join('\n'))];
    const more = r.total > r.rows.length ? `\n…共 ${r.total} 户，仅显示前 ${r.rows.length} 户，请输入更完整的名称` : '';
    return [text(`名称含“${args.trim()}”的有 ${r.total} 户，请用信用代码查看详情：\n${r.rows.map(entityLine).join('\n')}${more}`)];
  },
};

function department(args: string, own: string): { code: string } {
  const name = args.trim();
  if (!name) return { code: own };
  const unit = findUnit(name);
  if (!unit) throw new Refusal(`部门“${name}”不是联席会议成员单位（R19），请用如“县市管局”的名称`, 'R19');
  return { code: unit.code };
}

export const listInspectors: Command = {
  names: ['人员', '检查人员', '执法人员'],
  usage: '人员 [部门] — 列出本单位（或指定单位）的执法检查人员（R7）',
  async run(args, ctx) {
    const d = department(args, ctx.caller.department);
    const people = await ctx.services.registry.inspectors(ctx.caller, d.code);
    if (people.length === 0) return [text(`${unitName(d.code)}尚未登记执法检查人员，请先导入人员名录`)];
    const today = beijingDate(ctx.services.clock());
    const officers = people.filter((p) => isActiveOfficerOn(p, today)).length;
    // R8: whether 联席办 has confirmed this year's joint inspector pool, and when.
    const year = Number(today.slice(0, 4));
    const confirmed = await ctx.services.march.jointPoolConfirmed(year);
    const jointPool = confirmed
      ? `${year}年度联合检查人员库已于 ${beijingDate(confirmed.at)} 确认（R8）`
      : `${year}年度联合检查人员库尚未确认（R8，联席办应于3月31日前确认）`;
    return longList(ctx, {
      title: `${unitName(d.code)}执法检查人员`, head: `${jointPool}\n${unitName(d.code)}执法检查人员 ${people.length} 人，其中在岗且执法证有效 ${officers} 人：`,
      lines: people.map((p, i) => inspectorLine(p, i, today)), shown: ctx.pageSize * 3, columns: ['姓名', '人员类别', '执法证', '专长', '备注'],
    });
  },
};

export const listItems: Command = {
  names: ['事项', '检查事项', '清单'],
  usage: '事项 [部门] — 列出本单位（或指定单位）的检查事项清单（R9）',
  async run(args, ctx) {
    const d = department(args, ctx.caller.department);
    const items = await ctx.services.registry.items(ctx.caller, d.code);
    if (items.length === 0) return [text(`${unitName(d.code)}尚未登记检查事项。依据规则R9：清单之外无检查，请先导入事项清单`)];
    return longList(ctx, {
      title: `${unitName(d.code)}检查事项清单`, head: `${unitName(d.code)}检查事项清单 ${items.length} 项：`, lines: items.map(itemLine),
      columns: ['事项名称', '事项编码', '适用库', '权力清单编码', 'A类联合清单'],
    });
  },
};


const VALUE_FIELDS: Record<string, ValueField> = {
  行业: 'industry', 乡镇: 'township', 镇: 'township', 标签: 'sectorTags', 领域: 'sectorTags', 领域标签: 'sectorTags',
  风险: 'riskClass', 风险等级: 'riskClass', 信用风险: 'riskClass',
};

export const listValues: Command = {
  names: ['取值', '可选值'],
  usage: '取值 <行业|乡镇|标签|风险> — 查询条件可填的值及各有多少户',
  async run(args, ctx) {
    const field = VALUE_FIELDS[args.trim()];
    if (!field) throw new Refusal('请写明要看哪一项的取值：取值 行业、取值 乡镇、取值 标签 或 取值 风险');
    const values = await ctx.services.registry.values(ctx.caller, field);
    const label = VALUE_FIELD_LABELS[field];
    if (values.length === 0) return [text(`检查对象库中还没有${label}数据，请先导入主体名录`)];
    const lines = values.map((v, i) => `${i + 1}. ${v.value}${v.n !== undefined ? `（${v.n}户）` : ''}`);
    return [text(`${label}可选的值（共${values.length}个${field === 'riskClass' ? '' : '，按户数排列'}）：\n${lines.join('\n')}\n写法如：查询 ${label}=${values[0].value}；写出前几个字也可以。`)];
  },
};
