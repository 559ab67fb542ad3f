/**
 * Publication in chat (一公开, R15): `公示 <任务编号>` (where the county publishes by hand),
 * `公示情况 [年度]` (each department's on-time rate, the late ones listed) and
 * `更正 <任务编号> <理由>` (a correction of a published notice at the entity's objection:
 * the corrected content is entered and reviewed like 更正结果, and the notice shows both
 * versions and the reason).
 */
import { beijingDate } from '../../src/domain/calendar';
import { unitName } from '../../src/domain/organisation';
import { PUBLICATION_WORKING_DAYS, TIMELINESS_TEXT } from '../../src/domain/publication';
import { hasAny, Refusal } from '../../src/services/context';
import { text } from '../types';
import { correctResult } from './results';
import type { Command } from './types';

export const publish: Command = {
  names: ['公示'],
  usage: `公示 <任务编号> — 公示已审核的检查结果（R15：检查完成后${PUBLICATION_WORKING_DAYS}个工作日内）`,
  roles: ['official', 'leader'],
  async run(args, ctx) {
    if (!args.trim()) throw new Refusal('请写明任务编号，例如：公示 县市管局抽查〔2026〕12号');
    const o = await ctx.services.publication.publish(ctx.caller, args.trim());
    const due = o.deadline ? `，公示期限 ${o.deadline}${o.late ? '（已逾期，R15）' : '（按期）'}` : '';
    return [text(`${o.publication.taskNo}（${o.publication.entityName}）的检查结果已于 ${beijingDate(o.publication.publishedAt)} 公示${due}。公众可在公示网站“抽查结果公告”中查看。`)];
  },
};

export const publicationReport: Command = {
  names: ['公示情况'],
  usage: `公示情况 [年度] — 各部门检查结果按期公示情况（R15：${PUBLICATION_WORKING_DAYS}个工作日内）`,
  roles: ['official', 'leader', 'office', 'justice', 'admin'],
  async run(args, ctx) {
    const t = beijingDate(ctx.services.clock());
    const a = args.trim();
    if (a && !/^\d{4}$/.test(a)) throw new Refusal(`年度应为四位数字，例如：公示情况 ${t.slice(0, 4)}`);
    const year = a ? Number(a) : Number(t.slice(0, 4));
    const all = hasAny(ctx.caller, ['office', 'justice', 'admin']);
    const { rates, late, unknown } = await ctx.services.publication.report(year);
    const mine = all ? rates : rates.filter((r) => r.department === ctx.caller.department);
    const mode = ctx.services.publication.mode === 'manual' ? '部门发送“公示 <任务编号>”后公示' : '审核通过即自动公示';
    const lines = [`${year}年度检查结果公示情况（R15：检查完成后${PUBLICATION_WORKING_DAYS}个工作日内公示；本县${mode}）：`];
    if (mine.length === 0) lines.push(all ? '尚无检查已结束的任务。' : `${unitName(ctx.caller.department)}尚无检查已结束的任务。`);
    for (const r of mine) {
      const rate = r.rate === undefined ? '尚无到期' : `按期率 ${r.rate}%`;
      lines.push(`${unitName(r.department)}：${rate}（按期 ${r.onTime}，逾期公示 ${r.late}，逾期未公示 ${r.overdue}，待公示 ${r.waiting}）`);
    }
    const shownLate = late.filter((r) => all || r.department === ctx.caller.department);
    if (shownLate.length) {
      lines.push('逾期：', ...shownLate.slice(0, 20).map((r, i) => `${i + 1}. ${r.taskNo}｜${r.entityName}｜期限 ${r.deadline}｜${r.publishedOn ? `${r.publishedOn} ${TIMELINESS_TEXT[r.state]}` : TIMELINESS_TEXT[r.state]}`));
      if (shownLate.length > 20) lines.push(`……另有 ${shownLate.length - 20} 个`);
    }
    if (unknown.length) lines.push(`另有 ${unknown.length} 个任务的公示期限所在年度尚未录入节假日安排，暂无法计算（请管理员更新 config/holidays.json）。`);
    return [text(lines.join('\n'))];
  },
};

export const correctPublication: Command = {
  names: ['更正'],
  usage: '更正 <任务编号> <理由> — 企业对已公示的检查结果提出异议、经核实有误时更正公示，原公示内容和理由保留可查',
  roles: ['official', 'leader'],
  async run(args, ctx) {
    const m = /^(\S+)\s*(.*)$/.exec(args.trim());
    if (!m) throw new Refusal('请写明任务编号和更正理由，例如：更正 县市管局抽查〔2026〕12号 企业提出异议，经核实检查结果录入有误');
    const r = await ctx.services.publication.correct(ctx.caller, m[1], m[2]);
    const replies = await correctResult.run(`${r.taskNo} ${m[2].trim()}`, ctx);
    return [text(`已受理 ${r.taskNo} 的公示更正（理由：${m[2].trim()}）。请录入更正后的内容，经部门领导审核后公示网站同时显示更正前后的内容和理由。`), ...replies];
  },
};

export const publicityCommands: Command[] = [publish, publicationReport, correctPublication];
