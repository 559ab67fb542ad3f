/**
 * Audit for oversight (R20, R21): every recorded action on a plan, draw, task,
 * result, filing, complaint or entity — who did it, when (Beijing time), through
 * which channel — for 联席办 and 司法局. The identifier is resolved by `_id`
 * reads (a credit code, a complaint or filing number, else a plan, draw or task
 * number), then the audit entries of every target that belongs to it are read in
 * one query and put in time order.
 */
import { beijingTime } from '../domain/calendar';
import type { AuditEntry, Channel } from '../domain/audit';
import { COMPLAINT_NO } from '../domain/complaint';
import { checkCreditCode, looksLikeCreditCode } from '../domain/creditCode';
import { unitName } from '../domain/organisation';
import { Refusal, type Caller, type Deps } from './context';
import { requireRole } from './roles';

export const CHANNEL_LABELS: Record<Channel, string> = {
  shell: '终端对话', wecom: '企业微信', dingtalk: '钉钉', cli: '命令行', system: '系统自动', web: '公示网站',
};

/** Chinese words for the actions the services record; an unknown action shows its code. */
export const ACTION_LABELS: Record<string, string> = {
  'approval.open': '提交审批', 'approval.reopen': '重新提交审批', 'approval.approve': '审批同意', 'approval.reject': '审批退回', 'approval.comment': '补充审批意见',
  'plan.submit': '提交计划', 'plan.resubmit': '修改后重新提交计划',
  'draw.commit': '公布抽取承诺', 'draw.done': '完成抽取', 'draw.failed': '抽取未完成', 'draw.void': '作废抽取',
  'filing.submit': '提交备案', 'filing.resubmit': '修改后重新提交备案',
  'pool.place': '调整分库', 'pool.propose': '提议调入C类库', 'pool.confirm': '确认调库', 'pool.reject': '不同意调库',
  'risk.apply': '采纳风险分类建议', 'risk.reject': '不采纳风险分类建议',
  'result.part': '录入本部门结果', 'result.submit': '提交检查结果', 'result.correct': '更正检查结果', 'result.approve': '审核通过检查结果', 'result.return': '退回检查结果',
  'followup.transfer': '移送问题', 'complaint.receive': '受理登记投诉举报', 'complaint.acknowledge': '部门受理投诉举报',
  'complaint.decline': '退回联席办', 'complaint.route': '联席办分派', 'complaint.link': '关联备案', 'complaint.close': '办结投诉举报',
};

export type TrailKind = '主体' | '投诉举报' | '备案' | '计划' | '抽取' | '任务';

export interface TrailLine {
  at: Date;
  when: string;
  who: string;
  channel: string;
  action: string;
  target: string;
  note: string;
}

export interface Trail {
  kind: TrailKind;
  subject: string;
  /** Oldest first. */
  lines: TrailLine[];
  /** More entries exist than were read. */
  truncated: boolean;
}

const LIMIT = 500;

export function auditTrailService({ repos }: Deps) {
  /** The kind of subject and every audit target that belongs to it. */
  async function resolve(text: string): Promise<{ kind: TrailKind; subject: string; targets: string[] }> {
    const t = text.trim();
    if (!t) throw new Refusal('请写明要查看的编号或代码，例如：审计 TS2026-0001、审计 BA2026-0001、审计 91361129MA35GK1L7T，或计划、抽取、任务编号');
    if (looksLikeCreditCode(t)) {
      const c = checkCreditCode(t);
      if (!c.ok) throw new Refusal(c.reason);
      const entity = await repos.entities.get(c.code);
      if (!entity) throw new Refusal(`检查对象库中没有统一社会信用代码为 ${c.code} 的主体，请核对`);
      return { kind: '主体', subject: `${entity.name}（${c.code}）`, targets: [`entity:${c.code}`, `pool:TK-${c.code}`] };
    }
    const upper = t.toUpperCase();
    if (COMPLAINT_NO.test(upper)) {
      const c = await repos.complaints.get(upper);
      if (!c) throw new Refusal(`没有编号为 ${upper} 的投诉举报，请核对编号`);
      return { kind: '投诉举报', subject: upper, targets: [`complaint:${upper}`] };
    }
    const filing = /^BA\d{4}-\d{4,}$/.test(upper) ? await repos.filings.get(upper) : undefined;
    if (filing) {
      const followUps = await repos.followUps.forTask(upper);
      return {
        kind: '备案', subject: `${upper}（${unitName(filing.department)}，${filing.entityName}）`,
        targets: [`filing:${upper}`, `result:${upper}`, `result:${upper}-JG`, ...followUps.map((f) => `followup:${f.id}`)],
      };
    }
    const plan = await repos.plans.get(t);
    if (plan) return { kind: '计划', subject: t, targets: [`plan:${t}`] };
    const draw = await repos.draws.get(t);
    if (draw) return { kind: '抽取', subject: `${t}（计划 ${draw.planNo}）`, targets: [`draw:${t}`] };
    const task = await repos.tasks.get(t);
    if (task) {
      const followUps = await repos.followUps.forTask(t);
      return {
        kind: '任务', subject: `${t}（${task.entityName}）`,
        targets: [`task:${t}`, `result:${t}`, `result:${t}-JG`, ...task.drawNos.map((d) => `draw:${d}`), ...followUps.map((f) => `followup:${f.id}`)],
      };
    }
    throw new Refusal(`没有找到“${t.slice(0, 40)}”：请写计划编号、抽取编号、任务编号、备案编号（BA2026-0001）、投诉举报编号（TS2026-0001）或统一社会信用代码`);
  }

  return {
    resolve,
    /** 联席办 and 司法局: every recorded action on the subject, oldest first. */
    async trail(caller: Caller, text: string): Promise<Trail> {
      requireRole(caller, ['office', 'justice'], '查看审计记录（R20、R21）');
      const { kind, subject, targets } = await resolve(text);
      const entries: AuditEntry[] = await repos.audit.forTargets(targets, LIMIT + 1);
      const truncated = entries.length > LIMIT;
      const users = new Map((await repos.org.users()).map((u) => [u.userId, u]));
      const who = (actor: string) => {
        if (actor === 'public') return '公众（匿名）';
        const u = users.get(actor);
        return u ? `${u.name}（${actor}，${unitName(u.department)}）` : actor;
      };
      const lines = entries.slice(0, LIMIT).reverse().map((e) => ({
        at: e.at, when: beijingTime(e.at), who: who(e.actor), channel: CHANNEL_LABELS[e.channel] ?? e.channel,
        action: ACTION_LABELS[e.action] ?? e.action, target: e.target, note: e.note,
      }));
      return { kind, subject, lines, truncated };
    },
  };
}

export type AuditTrailService = ReturnType<typeof auditTrailService>;
