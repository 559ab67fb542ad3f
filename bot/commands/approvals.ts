/**
 * Approvals in chat: a card to each decider of the current step, one tap to
 * approve or return (同意/退回 with a comment by typing), 待办 for what waits
 * for me, and the requester told at every step. Plans and filings use these.
 */
import { unitName } from '../../src/domain/organisation';
import { currentDecider, roundOf, type Step } from '../../src/domain/approval';
import type { ApprovalChange, AlreadyDecided } from '../../src/services/approvals';
import type { ApprovalDoc } from '../../src/domain/records/approval';
import { Refusal } from '../../src/services/context';
import { text, type Reply } from '../types';
import { day, longList } from './format';
import { approvalCard, KIND_LABELS, OUTCOME_LABELS } from '../cards/approval';
import type { CardAction, Command, CommandContext } from './types';
import { DECISION_WORDS, STATUS_WORDS } from '../../src/domain/status';

/** One step's line: outcome, who and when (Beijing date), comment. */
function stepLine(s: Step, i: number): string {
  const who = s.by ? `，${s.byName ?? s.by}（${s.by}）${day(s.at)}` : '';
  return `${i + 1}. ${s.label}：${OUTCOME_LABELS[s.outcome]}${who}${s.comment ? `，意见：${s.comment}` : ''}`;
}

/** The request's history, one line per step; after a return and resubmission, every round with its comments (R20). */
export function approvalHistory(a: ApprovalDoc): string[] {
  const status = a.status === 'pending' ? `${STATUS_WORDS.pending}（待${currentDecider(a)}）` : STATUS_WORDS[a.status];
  const earlier = a.earlier ?? [];
  if (earlier.length === 0) return [`状态：${status}`, ...a.steps.map(stepLine)];
  const rounds = [...new Set(earlier.map((s) => s.round))].sort((x, y) => x - y);
  const lines = [`状态：${status}`];
  for (const r of rounds) {
    // Steps never reached (after a return) are left out: only what was decided.
    const steps = earlier.filter((s) => s.round === r && s.outcome !== 'waiting' && s.outcome !== 'pending');
    lines.push(`第${r}轮：`, ...steps.map(stepLine));
  }
  lines.push(`第${roundOf(a)}轮（本轮）：`, ...a.steps.map(stepLine));
  return lines;
}

/** Tells the deciders of the current step (a card each) and the requester what happened. */
export function announceChange(change: ApprovalChange, ctx: CommandContext): void {
  if (change.followUp) announceChange(change.followUp, ctx);
  const a = change.approval;
  for (const u of change.deciders) ctx.notify(u.userId, { kind: 'card', card: approvalCard(a, u.userId) });
  const label = `${KIND_LABELS[a.kind]} ${a.subject}`;
  const decided = a.steps[a.current - 1] ?? a.steps.find((s) => s.outcome === 'rejected');
  if (change.event === 'submitted') return;
  if (change.event === 'advanced') {
    ctx.notify(a.requestedBy, text(`您的${label} 已通过“${decided?.label}”（${ctx.caller.name}），已送${currentDecider(a)}。`));
  } else if (change.event === 'approved') {
    ctx.notify(a.requestedBy, text(`您的${label} 已全部审批通过（最后一步：${ctx.caller.name}）。`));
  } else {
    const rejected = a.steps.find((s) => s.outcome === 'rejected');
    ctx.notify(a.requestedBy, text(`您的${label} 在“${rejected?.label}”被退回（${ctx.caller.name}）${rejected?.comment ? `，理由：${rejected.comment}` : ''}。${a.kind === 'plan' ? `发送“修改计划 ${a.subject}”修改后重新提交。` : a.kind === 'filing' ? `发送“修改备案 ${a.subject}”修改后重新提交。` : a.kind === 'circular' ? `发送“修改通报 ${a.subject}”修改后重新提交。` : a.kind === 'cjoint' ? (change.followUp ? '部门意见不一致，已送联席办裁定。' : '该安排未生效，可重新提出。') : '可修改后重新提交。'}`));
  }
  if (change.deciders.length === 0 && a.status === 'pending') {
    ctx.notify(a.requestedBy, text(`提醒：${currentDecider(a)}暂无已登记用户，${label}无人可审批，请联系系统管理员登记。`));
  }
}

/** The sender's own reply after a decision. */
function decisionReply(change: ApprovalChange | AlreadyDecided, approve: boolean): { replies: Reply[]; outcome: string } {
  const a = change.approval;
  if (change.event === 'already') {
    const done = a.status === 'pending' ? `已由他人处理，现待${currentDecider(a)}审批` : STATUS_WORDS[a.status];
    return { replies: [text(`${KIND_LABELS[a.kind]} ${a.subject} ${done}，无需重复操作。`)], outcome: `已处理（${done}）` };
  }
  const verb = DECISION_WORDS[approve ? 'approved' : 'rejected'];
  const next = change.event === 'advanced' ? `，已送${currentDecider(a)}（${change.deciders.length}人）` : change.event === 'approved' ? '，审批全部完成'
    : change.followUp ? `，已告知提交人，并送${currentDecider(change.followUp.approval)}（${change.followUp.deciders.length}人）处理 ${change.followUp.approval.subject}` : '，已告知提交人';
  return { replies: [text(`${verb}：${KIND_LABELS[a.kind]} ${a.subject}${next}。`)], outcome: verb };
}

function tapAction(approve: boolean): CardAction {
  return {
    action: approve ? 'ap.yes' : 'ap.no',
    async run(subjectAndStep, ctx) {
      const m = /^(.+)#(\d+)$/.exec(subjectAndStep);
      if (!m) return { replies: [text('这个按钮已失效，请发送“待办”查看待审批事项。')], outcome: '已失效' };
      const change = await ctx.services.approvals.decide(ctx.caller, m[1], Number(m[2]), approve, '');
      if (change.event !== 'already') announceChange(change, ctx);
      const tail = change.event !== 'already' ? [text(`如需补充意见，请回复：${approve ? '同意' : '退回'} ${m[1]} 意见内容`)] : [];
      const r = decisionReply(change, approve);
      return { replies: [...r.replies, ...tail], outcome: r.outcome };
    },
  };
}

export const approvalCardActions: CardAction[] = [tapAction(true), tapAction(false)];

function typedDecision(approve: boolean): Command {
  const word = approve ? '同意' : '退回';
  return {
    names: [word],
    usage: `${word} <编号> ${approve ? '[意见]' : '<理由>'} — ${approve ? '同意' : '退回'}待我审批的事项，可附意见`,
    roles: ['leader', 'office', 'justice'],
    async run(args, ctx) {
      const [subject, ...rest] = args.split(/\s+/).filter(Boolean);
      if (!subject) throw new Refusal(`请写明编号，例如：${word} JH2026-0001 ${approve ? '同意，注意避开节假日' : '抽查比例过高'}`);
      // A comment replied after tapping the card goes with the decision already made.
      const attachComment = async () => {
        const added = await ctx.services.approvals.comment(ctx.caller, subject, rest.join(' '));
        if (!added) return undefined;
        const a = added.approval;
        const s = a.steps[added.step];
        ctx.notify(a.requestedBy, text(`${ctx.caller.name}对${KIND_LABELS[a.kind]} ${a.subject}（${s.label}，${OUTCOME_LABELS[s.outcome]}）补充意见：${s.comment}`));
        return [text(`已将意见附在您对 ${a.subject} 的“${OUTCOME_LABELS[s.outcome]}”上，并告知提交人。`)];
      };
      let change;
      try {
        change = await ctx.services.approvals.decide(ctx.caller, subject, undefined, approve, rest.join(' '));
      } catch (err) {
        const commented = err instanceof Refusal && !err.rule ? await attachComment() : undefined;
        if (commented) return commented;
        throw err;
      }
      if (change.event === 'already') return (await attachComment()) ?? decisionReply(change, approve).replies;
      announceChange(change, ctx);
      return decisionReply(change, approve).replies;
    },
  };
}

export const approve = typedDecision(true);
export const reject = typedDecision(false);

export const todo: Command = {
  names: ['待办', '待审批', '我的待办'],
  usage: '待办 — 列出等我审批的事项（计划、备案、调库），等我抽取、开奖的计划，以及待受理、待分派的投诉举报',
  async run(_args, ctx) {
    const [waiting, draws, complaints] = await Promise.all([
      ctx.services.approvals.waitingFor(ctx.caller), ctx.services.draws.waiting(ctx.caller), ctx.services.complaints.waitingFor(ctx.caller),
    ]);
    // Draws are part of what waits for the user too: an approved plan not yet drawn, a commitment not yet revealed.
    const drawLines = [
      ...draws.toReveal.map((d) => `· 抽取 ${d.drawNo}（计划 ${d.planNo}）已公布承诺，${day(d.createdAt)}起待开奖：开奖 ${d.drawNo} <公开值>`),
      ...draws.toDraw.map((p) => `· 计划 ${p.planNo} 已通过审批，待抽取（检查期至 ${p.window.to}）：抽取 ${p.planNo}`),
    ];
    // Complaints to acknowledge within 1 working day, or to route (R22).
    const complaintLines = [
      ...complaints.toAcknowledge.map((c) => `· 投诉举报 ${c.complaintNo}（${c.entityName || c.entityText}）${day(c.routedAt ?? c.receivedAt)}分派本单位，待受理：受理投诉 ${c.complaintNo}`),
      ...complaints.toRoute.map((c) => `· 投诉举报 ${c.complaintNo}（${c.entityName || c.entityText}）待分派：分派投诉 ${c.complaintNo} <成员单位>`),
    ];
    const drawText = [
      drawLines.length ? `等您抽取的计划：\n${drawLines.join('\n')}` : '',
      complaintLines.length ? `等您办理的投诉举报（R22）：\n${complaintLines.join('\n')}` : '',
    ].filter(Boolean).join('\n');
    if (waiting.length === 0) return [text(drawText ? `目前没有等您审批的事项。\n${drawText}` : '目前没有等您审批的事项。')];
    const lines = waiting.map((a, i) =>
      `${i + 1}. ${KIND_LABELS[a.kind]} ${a.subject}｜${a.title}｜${a.steps[a.current].label}｜${unitName(a.requesterDepartment)}提交，${day(a.waitingSince)}起等待`);
    // The first page with its cards; the rest by 更多 (and the whole list as a file when it is long).
    const cards: Reply[] = waiting.slice(0, ctx.pageSize).map((a) => ({ kind: 'card', card: approvalCard(a, ctx.caller.userId) }));
    const list = await longList(ctx, {
      title: '等您审批的事项', head: '等您审批的事项：', lines, shown: ctx.pageSize, foot: drawText || undefined,
      columns: ['类别', '编号', '事项', '步骤', '等待'],
    });
    return [...list, ...cards];
  },
};
