/**
 * The draw in chat: 抽取 posts the commitment, then the result with
 * the seed and the full list (xlsx) to the group chats, and each officer's
 * tasks privately; `抽取 <计划编号> 待公开值` posts only the commitment and
 * 开奖 draws later with the public value read out in the meeting; 核验 recomputes a draw; 作废抽取 (联席办) voids one;
 * 抽取记录, 我的任务, 任务 and 联合检查 show what was drawn.
 */
import { Refusal } from '../../src/services/context';
import { beijingDate, beijingTime } from '../../src/domain/calendar';
import { DRAW_RULES_VERSION, outlookLines, type AssignedOfficer, type DrawAnnouncement, type TeamOutlook } from '../../src/domain/draw';
import { unitName } from '../../src/domain/organisation';
import { formatSampling } from '../../src/domain/plan';
import { compareTaskNumbers, parseTaskNumber } from '../../src/domain/task';
import { POOL_LABELS } from '../../src/domain/pools';
import type { DrawOutcome, RevealOutcome } from '../../src/services/draws';
import type { TaskDoc } from '../../src/domain/records/task';
import type { Announcement } from '../delivery/announcer';
import { markdownSafe, text } from '../types';
import { longList } from './format';
import type { Command, CommandContext } from './types';
import { statusText } from './results';

/** How many tasks a chat message lists before pointing to the file. */
const LIST_IN_CHAT = 20;

const thisYear = (ctx: CommandContext) => Number(beijingDate(ctx.services.clock()).slice(0, 4));
const yearArg = (args: string, ctx: CommandContext) => (/^\d{4}$/.test(args.trim()) ? Number(args.trim()) : thisYear(ctx));

const officerText = (o: AssignedOfficer) => `${o.name}（${o.inspectorNo}${o.leader ? '，组长' : ''}${o.expert ? '，专家' : ''}）`;
const taskOfficers = (t: TaskDoc) => t.parts.flatMap((p) => p.officers).map(officerText).join('、');
const jointNote = (t: TaskDoc) => (t.departments.length > 1 ? `｜联合检查：${unitName(t.lead)}牵头，${t.departments.filter((d) => d !== t.lead).map(unitName).join('、')}参加` : '');

export function taskLine(t: TaskDoc, i: number): string {
  return `${i + 1}. ${t.taskNo}｜${t.entityName || t.creditCode}｜${t.creditCode}｜${t.window.from}至${t.window.to}｜${taskOfficers(t)}${jointNote(t)}`;
}

/** The commitment, posted before the result (docs/draw.md §1). */
export function commitmentMarkdown(a: DrawAnnouncement, lead = '即将抽取，先公布以下承诺：', outlook?: TeamOutlook): string {
  return [
    `计划 ${a.planNo}（${POOL_LABELS[a.pool]}）${lead}`,
    `- 对象范围：${a.filter}`,
    `- 抽取规则：${formatSampling(a.sampling)}`,
    `- 主体总数 n = ${a.n}，抽取数 k = ${a.k}`,
    `- 快照摘要：${a.snapshotDigest}`,
    `- 种子承诺值：${a.seedCommitment}`,
    `- 人员名录摘要：${a.rosterDigest}`,
    `- 规则版本：${a.rulesVersion}`,
    ...(a.announcedAt ? [`- 公布时间：${beijingTime(new Date(a.announcedAt))}（北京时间）`] : []),
    `- 公布摘要：${a.announcementDigest}（以上各项的 SHA-256，见 docs/draw.md §1）`,
    '种子随抽取结果公布，任何人可核对其 SHA-256 是否等于承诺值；导出的公开记录若有任何一项被改动，公布摘要即对不上。',
    ...(outlook ? ['检查人员（按人员名录）：', ...outlookLines(outlook)] : []),
  ].join('\n');
}

export function resultMarkdown(o: DrawOutcome): string {
  const r = o.draw.record;
  const joined = o.tasks.filter((t) => t.joined).length;
  const lines = [
    `抽取编号 ${o.draw.drawNo}（计划 ${r.planNo}，${POOL_LABELS[r.pool]}）：${r.n} 户中抽中 ${r.k} 户。`,
    `- 种子：${r.seed}`,
    ...(r.publicValue ? [`- 公开值：${r.publicValue}`] : []),
    `- 有效种子：${r.effectiveSeed}`,
    `- 检查任务 ${o.tasks.length} 个${joined ? `，其中 ${joined} 个与其他部门的抽取合并为联合检查（一次上门、一张表）` : ''}`,
    ...o.tasks.slice(0, LIST_IN_CHAT).map((t, i) => markdownSafe(taskLine(t.task, i))),
    ...(o.tasks.length > LIST_IN_CHAT ? [`……共 ${o.tasks.length} 个，完整名单见附件`] : []),
    `核验：发送“核验 ${o.draw.drawNo}”，或导出公开记录后运行 npm run cli -- draw verify <文件>（规则见 docs/draw.md，${DRAW_RULES_VERSION}）。`,
  ];
  return lines.join('\n');
}

/** The full list, one row per task, for the group chat's file. */
export async function drawWorkbook(o: DrawOutcome): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs'); // loaded when first needed: keeps start-up fast
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('抽取结果');
  ws.columns = [
    { header: '序号', width: 6 }, { header: '任务编号', width: 26 }, { header: '统一社会信用代码', width: 22 }, { header: '主体名称', width: 30 },
    { header: '乡镇', width: 10 }, { header: '地址', width: 30 }, { header: '检查期', width: 24 }, { header: '牵头部门', width: 14 },
    { header: '参加部门', width: 24 }, { header: '检查事项', width: 40 }, { header: '检查人员', width: 50 }, { header: '备注', width: 24 },
  ];
  o.tasks.forEach(({ task, joined }, i) => {
    const e = o.entities.get(task.creditCode);
    ws.addRow([
      i + 1, task.taskNo, task.creditCode, task.entityName || e?.name || '', e?.township ?? '', e?.address ?? '',
      `${task.window.from}至${task.window.to}`, unitName(task.lead), task.departments.map(unitName).join('、'),
      task.items.map((k) => o.itemNames.get(k) ?? k).join('、'), taskOfficers(task), joined ? '并入已有任务，联合检查' : '',
    ]);
  });
  ws.getRow(1).font = { bold: true };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function announceAll(ctx: CommandContext, departments: string[], a: Announcement): Promise<string[]> {
  const reached: string[] = [];
  for (const d of departments) {
    const ch = await ctx.announcer!.channelsOf(d);
    if (ch.wecom || ch.dingtalk) {
      await ctx.announcer!.announce(d, a);
      reached.push(d);
    }
  }
  return reached;
}

/** `抽取 <计划编号> 待公开值`: the two-step form (docs/draw.md §7.2). */
const TWO_STEP_WORDS = ['待公开值', '两步', '公开值待定'];

/** Where the announcements went, for the reply. */
function reachedText(ctx: CommandContext, departments: string[], reached: string[], what: string): string {
  if (!ctx.announcer) return '本环境没有配置群机器人，公告未发到工作群，内容如下，请转发。';
  const missing = departments.filter((d) => !reached.includes(d));
  return [
    reached.length ? `${what}已发到${reached.map(unitName).join('、')}的工作群` : '',
    missing.length ? `${missing.map(unitName).join('、')}未配置群机器人，公告未发出，请转发以上内容` : '',
  ].filter(Boolean).join('；') + '。';
}

/** The result with the seed and the list to the group chats, each officer's tasks privately: shared by 抽取 and 开奖. */
async function publishResult(ctx: CommandContext, o: DrawOutcome): Promise<{ result: string; reached: string[] }> {
  const result = resultMarkdown(o);
  const file = { name: `${o.draw.drawNo}抽取结果.xlsx`, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', data: await drawWorkbook(o) };
  const reached = ctx.announcer ? await announceAll(ctx, o.announceTo, { title: `抽取结果 ${o.draw.drawNo}`, markdown: result, file }) : [];
  for (const { userId, tasks } of o.officerUsers) {
    ctx.notify(userId, text(`您有新的检查任务（抽取编号 ${o.draw.drawNo}）：\n${tasks.map((t, i) => taskLine(t, i)).join('\n')}\n发送“我的任务”查看全部。`));
  }
  return { result, reached };
}

export const drawPlan: Command = {
  names: ['抽取'],
  usage: '抽取 <计划编号> [公开值|待公开值] — 对已审批的计划抽取主体和检查人员，先公布承诺再公布结果；会上抽取请用“待公开值”两步进行，再“开奖”（R2、R3、R10、R13）',
  roles: ['official', 'leader', 'office'],
  async run(args, ctx) {
    const [planNo, ...rest] = args.split(/\s+/).filter(Boolean);
    if (!planNo) throw new Refusal('请写明计划编号，例如：抽取 JH2026-0001。会上抽取建议两步进行：先“抽取 JH2026-0001 待公开值”公布承诺，会上读出公开值后再“开奖 <抽取编号> <公开值>”');
    if (rest.length === 1 && TWO_STEP_WORDS.includes(rest[0])) return commitOnly(planNo, ctx);
    const o = await ctx.services.draws.draw(ctx.caller, planNo, rest.join(' ') || undefined);
    const title = `抽取承诺 ${o.plan.planNo}`;
    const commitment = commitmentMarkdown(o.announcement, undefined, o.outlook);
    // Commitment first, everywhere; then the result with the seed and the list.
    const first = ctx.announcer ? await announceAll(ctx, o.announceTo, { title, markdown: commitment }) : [];
    const { result } = await publishResult(ctx, o);
    return [
      text(`【抽取承诺】\n${commitment}`),
      text(`【抽取结果】\n${result}`),
      text(`${reachedText(ctx, o.announceTo, first, '承诺和结果已依次')}已私信通知 ${o.officerUsers.length} 名检查人员。`),
    ];
  },
};

/** Step 1 of the two-step form: only the commitment is posted; the seed stays secret until 开奖. */
async function commitOnly(planNo: string, ctx: CommandContext) {
  const o = await ctx.services.draws.commit(ctx.caller, planNo);
  const commitment = [
    commitmentMarkdown(o.announcement, `已公布抽取承诺（抽取编号 ${o.draw.drawNo}），待会上读出公开值后开奖：`, o.outlook),
    `开奖：发送“开奖 ${o.draw.drawNo} <公开值>”，有效种子 = SHA-256(种子:公开值)。`,
  ].join('\n');
  const reached = ctx.announcer ? await announceAll(ctx, o.announceTo, { title: `抽取承诺 ${o.plan.planNo}`, markdown: commitment }) : [];
  return [
    text(`【抽取承诺】\n${commitment}`),
    text(`${reachedText(ctx, o.announceTo, reached, '承诺')}尚未抽取任何主体，种子保密。请在会上公开读出一个公开值（如现场掷骰子得到的数字）后发送：开奖 ${o.draw.drawNo} <公开值>`),
  ];
}

/** A revealed draw whose officers could not be assigned: public, like its commitment. */
function failureMarkdown(r: Extract<RevealOutcome, { ok: false }>): string {
  return [
    `抽取编号 ${r.draw.drawNo}（计划 ${r.plan.planNo}，${POOL_LABELS[r.plan.pool]}）开奖后未能完成检查人员分派，本次抽取不生成任何检查任务：`,
    `- 原因：${r.failure.message}`,
    `- 种子：${r.seed}`,
    ...(r.failure.publicValue ? [`- 公开值：${r.failure.publicValue}`] : []),
    `- 有效种子：${r.failure.effectiveSeed}`,
    `种子的 SHA-256 应等于此前公布的承诺值 ${r.draw.seedCommitment}。补充或更新执法检查人员名录后，计划 ${r.plan.planNo} 可重新抽取。`,
  ].join('\n');
}

export const revealDraw: Command = {
  names: ['开奖'],
  usage: '开奖 <抽取编号> <公开值> — 两步抽取的第二步：用会上读出的公开值抽取，公布结果和种子（R2、R3）',
  roles: ['official', 'leader', 'office'],
  async run(args, ctx) {
    const [drawNo, ...rest] = args.split(/\s+/).filter(Boolean);
    if (!drawNo) throw new Refusal('请写明抽取编号和会上读出的公开值，例如：开奖 JH2026-0001-1 0618');
    const r = await ctx.services.draws.reveal(ctx.caller, drawNo, rest.join(' '));
    if (!r.ok) {
      const msg = failureMarkdown(r);
      const reached = ctx.announcer ? await announceAll(ctx, r.announceTo, { title: `抽取未完成 ${r.draw.drawNo}`, markdown: msg }) : [];
      return [text(`【开奖未完成】\n${msg}`), text(reachedText(ctx, r.announceTo, reached, '未完成的情况和种子'))];
    }
    const o = r.outcome;
    const { result, reached } = await publishResult(ctx, o);
    return [
      text(`【抽取结果】\n${result}`),
      text(`${reachedText(ctx, o.announceTo, reached, '结果')}已私信通知 ${o.officerUsers.length} 名检查人员。`),
    ];
  },
};

export const verifyCommand: Command = {
  names: ['核验', '核验抽取'],
  usage: '核验 <抽取编号> — 用公开记录重算抽取，核对种子承诺、快照、抽中主体和检查人员',
  async run(args, ctx) {
    if (!args) throw new Refusal('请写明抽取编号，例如：核验 JH2026-0001-1');
    const { draw, result } = await ctx.services.draws.verify(args);
    const state = draw.status === 'voided' ? `（此抽取已作废：${draw.voidReason}）` : '';
    if (!draw.record) {
      const why = draw.status === 'failed' ? `开奖后未能完成分派（${draw.failure?.message ?? ''}）` : '开奖前已作废';
      return [text(`抽取 ${draw.drawNo} ${why}，没有抽取结果可重算；公开的种子${result.ok ? '与事先公布的承诺值一致' : `核对不通过：${result.first}`}。${state}`)];
    }
    return [text(result.ok
      ? `核验通过：抽取 ${draw.drawNo} 按公开记录重算，种子承诺、快照摘要、抽取数、抽中主体和检查人员全部一致（${draw.record.rulesVersion}）。${state}`
      : `核验不通过：抽取 ${draw.drawNo}，第一处不一致：${result.first}${state}`)];
  },
};

export const voidDraw: Command = {
  names: ['作废抽取'],
  usage: '作废抽取 <抽取编号> <理由> — 联席办作废一次抽取，其任务随之取消，计划可重新抽取（留痕，R20）',
  roles: ['office'],
  async run(args, ctx) {
    const [drawNo, ...reason] = args.split(/\s+/).filter(Boolean);
    if (!drawNo) throw new Refusal('请写明抽取编号和理由，例如：作废抽取 JH2026-0001-1 人员名录有误');
    const r = await ctx.services.draws.void(ctx.caller, drawNo, reason.join(' '));
    const unrevealed = r.draw.record ? '' : `作废前尚未开奖，现公布种子 ${r.draw.seed ?? '（无）'}，其 SHA-256 应等于承诺值 ${r.draw.seedCommitment}。`;
    const msg = `抽取 ${r.draw.drawNo} 已作废（理由：${r.draw.voidReason}）。${unrevealed}取消任务 ${r.cancelled.length} 个${r.kept.length ? `；${r.kept.length} 个联合任务保留其他部门的部分` : ''}。原记录保留可查；计划 ${r.draw.planNo} 可重新抽取。`;
    if (ctx.announcer) await announceAll(ctx, r.draw.departments, { title: `抽取作废 ${r.draw.drawNo}`, markdown: msg });
    const taskText = (ts: typeof r.cancelled) => ts.map((t) => `${t.taskNo}（${t.entityName || t.creditCode}）`).join('、');
    const head = `抽取 ${r.draw.drawNo}（计划 ${r.draw.planNo}）已由联席办${ctx.caller.name}作废，理由：${r.draw.voidReason}。`;
    for (const { inspectorNo: no, userId } of r.officerUsers) {
      const mine = (ts: typeof r.cancelled) => ts.filter((t) => t.parts.some((p) => p.drawNo === r.draw.drawNo && p.officers.some((o) => o.inspectorNo === no)));
      const [gone, left] = [mine(r.cancelled), mine(r.kept)];
      if (gone.length + left.length === 0) continue;
      ctx.notify(userId, text(`${head}${gone.length ? `您的以下检查任务已取消，请勿上门：${taskText(gone)}。` : ''}${left.length ? `您不再参加以下联合检查（其他部门照常检查）：${taskText(left)}。` : ''}`));
    }
    for (const userId of r.departmentUsers) {
      ctx.notify(userId, text(`${head}${r.cancelled.length ? `取消任务 ${r.cancelled.length} 个：${taskText(r.cancelled.slice(0, 10))}${r.cancelled.length > 10 ? ' 等' : ''}；` : ''}${r.kept.length ? `${r.kept.length} 个联合检查任务保留其他部门的部分；` : ''}计划 ${r.draw.planNo} 可重新抽取（抽取记录 ${r.draw.planNo} 可查）。`));
    }
    return [text(msg)];
  },
};

export const drawHistory: Command = {
  names: ['抽取记录'],
  usage: '抽取记录 <计划编号> — 计划的每次抽取（含已作废的）及其任务',
  async run(args, ctx) {
    if (!args) throw new Refusal('请写明计划编号，例如：抽取记录 JH2026-0001');
    const { plan, draws } = await ctx.services.draws.history(args);
    if (draws.length === 0) return [text(`计划 ${plan.planNo} 尚未抽取。`)];
    const lines = draws.map(({ draw: d, tasks }) => {
      const state = d.status === 'voided'
        ? `已作废（${beijingDate(d.voidedAt ?? d.createdAt)} ${d.voidedBy}：${d.voidReason}）${d.record ? '' : '，作废前未开奖'}`
        : d.status === 'committed'
          ? `已公布承诺，待开奖（开奖 ${d.drawNo} <公开值>）`
          : d.status === 'failed'
            ? `开奖未完成，无任务（${d.failure?.message ?? ''}）`
            : '有效';
      const drawn = d.status === 'committed' || (!d.record && d.status !== 'failed') ? `n = ${d.n}，k = ${d.k}` : `${d.n} 户中抽中 ${d.k} 户`;
      const seed = !d.record && d.seed ? `\n   种子 ${d.seed}${d.failure?.publicValue ? `｜公开值 ${d.failure.publicValue}` : ''}` : '';
      return `${d.drawNo}｜${beijingDate(d.createdAt)} ${d.createdBy}｜${drawn}｜任务 ${tasks.length} 个｜${state}${d.supersedes ? `｜替代 ${d.supersedes}` : ''}\n   种子承诺值 ${d.seedCommitment}${seed}`;
    });
    return longList(ctx, {
      title: `计划 ${plan.planNo} 的抽取记录`, head: `计划 ${plan.planNo} 的抽取记录：`, lines, foot: '发送“核验 <抽取编号>”重算核对。',
      columns: ['抽取编号', '时间', '抽取', '任务', '状态'],
    });
  },
};

export const myTasks: Command = {
  names: ['我的任务', '检查任务'],
  usage: '我的任务 [年度] — 检查人员看本人的检查任务，其他人看本单位的（不写年度：尚未结束的全部任务）',
  async run(args, ctx) {
    const year = /^\d{4}$/.test(args.trim()) ? Number(args.trim()) : undefined;
    const { mode, tasks: found } = await ctx.services.tasks.mine(ctx.caller, year);
    const tasks = [...found].sort((a, b) => compareTaskNumbers(a.taskNo, b.taskNo));
    const whose = mode === 'officer' ? '您' : unitName(ctx.caller.department);
    const when = year ? `${year}年` : '尚未结束的';
    if (tasks.length === 0) return [text(`${whose}暂无${when}检查任务。`)];
    const states = await ctx.services.results.statuses(tasks);
    return longList(ctx, {
      title: `${whose}${when}检查任务`, head: `${whose}${when}检查任务（${tasks.length} 个）：`,
      lines: tasks.map((t, i) => `${taskLine(t, i)}｜${statusText(states.get(t.taskNo))}`), shown: Math.max(ctx.pageSize, LIST_IN_CHAT),
      columns: ['任务编号', '主体', '统一社会信用代码', '检查期', '检查人员', '状态'], foot: '发送“任务 <任务编号>”查看检查事项，“录入结果 <任务编号>”录入检查结果。',
    });
  },
};

export const showTask: Command = {
  names: ['任务'],
  usage: '任务 <任务编号> — 一次检查的主体、时段、人员和全部检查事项（一张表）',
  async run(args, ctx) {
    if (!args) throw new Refusal('请写明任务编号，例如：任务 12（本单位今年的第12号），或 任务 县市管局抽查〔2026〕12号');
    // "任务 12", ASCII brackets, spaces and full-width digits all name the same task.
    const t = await ctx.services.tasks.task(parseTaskNumber(args, { department: ctx.caller.department, year: thisYear(ctx) }) ?? args);
    const names = await ctx.services.tasks.itemNames(t.items);
    const lines = [
      `${t.taskNo}${t.status === 'cancelled' ? `（已取消：${t.cancelReason}）` : ''}`,
      `主体：${t.entityName}（${t.creditCode}）`,
      `检查期：${t.window.from} 至 ${t.window.to}`,
      `牵头：${unitName(t.lead)}${t.departments.length > 1 ? `；参加：${t.departments.filter((d) => d !== t.lead).map(unitName).join('、')}` : ''}`,
      `检查人员：${taskOfficers(t)}`,
      `检查事项：${t.items.map((k) => names.get(k) ?? k).join('、')}`,
      `来自抽取：${t.drawNos.join('、')}`,
    ];
    if (t.status !== 'cancelled') lines.push(`状态：${statusText((await ctx.services.results.statuses([t])).get(t.taskNo))}`);
    return [text(lines.join('\n'))];
  },
};

export const jointInspections: Command = {
  names: ['联合检查'],
  usage: '联合检查 [年度] — 联席办查看多部门合并为一次上门的检查及减少的上门次数（一集中）',
  roles: ['office', 'justice', 'admin'],
  async run(args, ctx) {
    const year = yearArg(args, ctx);
    const r = await ctx.services.tasks.joint(ctx.caller, year);
    const head = `${year}年检查任务 ${r.open} 个，其中联合检查 ${r.tasks.length} 个，减少上门 ${r.visitsSaved} 次（进一次门、查多项事）。\n`
      + '计法：几个部门一次上门共同检查，本应各去一次，每个联合检查任务减少“参加部门数 − 1”次。';
    if (r.tasks.length === 0) return [text(head)];
    const tasks = [...r.tasks].sort((a, b) => compareTaskNumbers(a.taskNo, b.taskNo));
    return longList(ctx, {
      title: `${year}年联合检查`, head, lines: tasks.map(taskLine), shown: LIST_IN_CHAT,
      columns: ['任务编号', '主体', '统一社会信用代码', '检查期', '检查人员'],
    });
  },
};

export const drawCommands: Command[] = [drawPlan, revealDraw, verifyCommand, voidDraw, drawHistory, myTasks, showTask, jointInspections];
