/**
 * Handling what was found (R14), followed until closed: one follow-up per problem when a result
 * is approved (reconciled with a correction's version, R20), 待处置, accepting a transfer, 复查
 * closing one or extending its deadline once, and the owners' due-day reminders. Every change is
 * a guarded write, audited; the result's count of open follow-ups follows.
 */
import { beijingDate } from '../domain/calendar';
import { unitName } from '../domain/organisation';
import { handlingText, parseDay } from '../domain/result';
import { isWorkingDay, type HolidayCalendar } from '../domain/workdays';
import type { FollowUpDoc, ResultDoc } from '../domain/records/result';
import { hasAny, Refusal, type Caller, type Deps } from './context';

export function resultFollowUps({ repos, now }: Deps, cal: () => HolidayCalendar) {
  const today = () => beijingDate(now());

  /** Every problem's handling as a follow-up (R14); a transfer to the judicial organs is recorded, closed. */
  function followUpsOf(r: ResultDoc, by: string, at: Date): FollowUpDoc[] {
    let n = 0;
    const out: FollowUpDoc[] = [];
    for (const d of r.departments) {
      for (const f of r.parts[d]?.findings ?? []) {
        if (!f.problem || !f.handling) continue;
        n++;
        const h = f.handling;
        const closed = h.kind === 'judicial';
        out.push({
          id: `${r.taskNo}/${n}`, taskNo: r.taskNo, n, creditCode: r.creditCode, entityName: r.entityName, department: d, itemKey: f.key,
          problem: f.problem, handling: h, owner: h.kind === 'transfer' ? h.to : d,
          status: closed ? 'closed' : h.kind === 'transfer' ? 'awaiting' : 'open',
          due: h.kind === 'rectify' ? h.deadline : '', extended: false, extensionReason: '', acceptedBy: '',
          closedBy: closed ? by : '', closedAt: closed ? at : undefined, remindedOn: '', createdAt: at, updatedAt: at, version: 1,
        });
      }
    }
    return out;
  }

  /**
   * On approval, the follow-ups become what the approved version says (R14). First approval:
   * one per problem. A correction (R20): a follow-up whose handling is unchanged keeps its
   * progress (a reworded problem is updated); one whose handling changed is rewritten under its
   * number (and reopened as the new handling requires); one whose problem the correction removed is closed, saying why. Each
   * change and every new transfer is audited; the earlier version stays in the result.
   */
  async function reconcile(caller: Caller, r: ResultDoc, by: string, at: Date): Promise<void> {
    const wanted = followUpsOf(r, by, at);
    const existing = new Map((await repos.followUps.forTask(r.taskNo)).map((f) => [f.id, f]));
    const same = (x: FollowUpDoc, y: FollowUpDoc) =>
      x.itemKey === y.itemKey && x.department === y.department && x.problem === y.problem && JSON.stringify(x.handling) === JSON.stringify(y.handling);
    const transferred: FollowUpDoc[] = [];
    const fresh = wanted.filter((w) => !existing.has(w.id));
    for (const f of await repos.followUps.createMissing(fresh)) transferred.push(f);
    for (const w of wanted) {
      const e = existing.get(w.id);
      if (!e || same(e, w)) continue;
      // Only the wording of the problem changed: the follow-up keeps its progress (acceptance, extension, closing).
      const reworded = e.itemKey === w.itemKey && e.department === w.department && JSON.stringify(e.handling) === JSON.stringify(w.handling);
      const next: FollowUpDoc = reworded ? { ...e, problem: w.problem, updatedAt: at, version: e.version + 1 } : { ...w, createdAt: e.createdAt, version: e.version + 1 };
      if (!(await repos.followUps.replace(next, e.version))) throw new Refusal(`${e.id} 刚被他人处理，请稍后重新审核`);
      await followUpAudit(caller, at, 'followup.correct', e, next, `检查结果更正（第${r.round}版）：${e.problem}，${handlingText(e.handling, unitName)} → ${w.problem}，${handlingText(w.handling, unitName)}`);
      if (!reworded) transferred.push(next);
    }
    const kept = new Set(wanted.map((w) => w.id));
    for (const e of existing.values()) {
      if (kept.has(e.id) || e.status === 'closed') continue;
      const day = beijingDate(at);
      const outcome = `检查结果更正（第${r.round}版）后不再有该问题：${r.correctionReason}`.slice(0, 500);
      const next: FollowUpDoc = {
        ...e, status: 'closed', review: { start: day, end: day, outcome, by: caller.userId, byName: caller.name }, closedBy: caller.userId, closedAt: at, updatedAt: at, version: e.version + 1,
      };
      if (!(await repos.followUps.replace(next, e.version))) throw new Refusal(`${e.id} 刚被他人处理，请稍后重新审核`);
      await followUpAudit(caller, at, 'followup.retire', e, next, outcome);
    }
    // R14: every transfer is audited (to a member unit, or to the judicial organs).
    for (const f of transferred) {
      if (f.handling.kind !== 'transfer' && f.handling.kind !== 'judicial') continue;
      await repos.audit.append({
        at, actor: by, channel: caller.channel, action: 'followup.transfer', target: `followup:${f.id}`,
        changes: [{ field: 'owner', from: JSON.stringify(f.department), to: JSON.stringify(f.handling.kind === 'transfer' ? f.owner : f.handling.organ) }],
        note: handlingText(f.handling, unitName),
      });
    }
  }

  async function followUpAudit(caller: Caller, at: Date, action: string, before: FollowUpDoc, after: FollowUpDoc, note: string): Promise<void> {
    await repos.audit.append({
      at, actor: caller.userId, channel: caller.channel, action, target: `followup:${after.id}`,
      changes: [
        { field: 'status', from: JSON.stringify(before.status), to: JSON.stringify(after.status) },
        ...(JSON.stringify(before.handling) === JSON.stringify(after.handling) ? [] : [{ field: 'handling', from: JSON.stringify(before.handling), to: JSON.stringify(after.handling) }]),
      ],
      note,
    });
  }

  /** Recounts a result's open follow-ups after one changed (guarded; retried when the result moved). */
  async function recount(taskNo: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = await repos.results.get(taskNo);
      if (!r) return;
      const open = (await repos.followUps.forTask(taskNo)).filter((f) => f.status !== 'closed').length;
      if (open === r.openFollowUps) return;
      if (await repos.results.replace({ ...r, openFollowUps: open, updatedAt: now(), version: r.version + 1 }, r.version)) return;
    }
  }

  async function loadFollowUp(taskNo: string, n: string): Promise<FollowUpDoc> {
    const f = /^\d+$/.test(n) ? await repos.followUps.get(`${taskNo.trim()}/${Number(n)}`) : undefined;
    if (!f) throw new Refusal(`${taskNo.trim().slice(0, 40)} 没有第${n.slice(0, 5)}项待处置问题，请发送“待处置”查看编号`);
    return f;
  }

  /** Officials and leaders of the owning department, and its inspectors on the task's team, act on a follow-up. */
  async function mayAct(caller: Caller, f: FollowUpDoc): Promise<void> {
    if (caller.department === f.owner && hasAny(caller, ['official', 'leader', 'inspector'])) return;
    throw new Refusal(`依据规则 R14：该问题由${unitName(f.owner)}处理，您无权操作`, 'R14');
  }

  async function writeFollowUp(caller: Caller, before: FollowUpDoc, next: FollowUpDoc, action: string, note: string): Promise<FollowUpDoc> {
    if (!(await repos.followUps.replace(next, before.version))) throw new Refusal('该问题刚被他人处理，请发送“待处置”重新查看');
    await repos.audit.append({
      at: now(), actor: caller.userId, channel: caller.channel, action, target: `followup:${next.id}`,
      changes: [{ field: 'status', from: JSON.stringify(before.status), to: JSON.stringify(next.status) }], note,
    });
    await recount(next.taskNo);
    return next;
  }

  return {
    reconcile,
    api: {
      /** 待处置: the follow-ups the caller's department must act on (transfers to accept first). */
      async toHandle(caller: Caller): Promise<FollowUpDoc[]> {
        const list = await repos.followUps.unclosed(caller.department);
        return [...list.filter((f) => f.status === 'awaiting'), ...list.filter((f) => f.status === 'open')];
      },

      followUps: (taskNo: string) => repos.followUps.forTask(taskNo.trim()),

      /** The receiving department accepts a transfer (R14): the case is now theirs; audited. */
      async accept(caller: Caller, taskNo: string, n: string): Promise<FollowUpDoc> {
        const f = await loadFollowUp(taskNo, n);
        if (f.status !== 'awaiting') throw new Refusal(`该移送已${f.status === 'closed' ? '办结' : `由${f.acceptedBy}接收`}，无需重复操作`);
        if (caller.department !== f.owner || !hasAny(caller, ['official', 'leader'])) throw new Refusal(`依据规则 R14：该问题移送给${unitName(f.owner)}，由其工作人员或领导接收`, 'R14');
        const at = now();
        return writeFollowUp(caller, f, { ...f, status: 'open', acceptedBy: caller.userId, acceptedAt: at, updatedAt: at, version: f.version + 1 }, 'followup.accept', `${unitName(f.department)} → ${unitName(f.owner)}`);
      },

      /**
       * 复查: the re-inspection that closes a follow-up — "<日期>[至<日期>] <情况>" — or, once,
       * "延期 <新期限> <理由>" for a correction deadline.
       */
      async review(caller: Caller, taskNo: string, n: string, input: string): Promise<FollowUpDoc> {
        const f = await loadFollowUp(taskNo, n);
        await mayAct(caller, f);
        if (f.status === 'closed') throw new Refusal(`${f.id} 已办结，无需重复复查`);
        if (f.status === 'awaiting') throw new Refusal(`${f.id} 尚待${unitName(f.owner)}接收，接收后才能复查`);
        const t = today();
        const at = now();
        const ext = /^延期\s+(\S+)\s*(.*)$/.exec(input.trim());
        if (ext) {
          if (f.handling.kind !== 'rectify') throw new Refusal('只有责令改正的期限可以延期');
          if (f.extended) throw new Refusal(`${f.id} 已延期一次（${f.extensionReason}），不能再次延期；请复查后办结`, 'R14');
          const due = parseDay(ext[1], t);
          if (!due || due <= f.due) throw new Refusal(`新的期限须晚于原期限 ${f.due}，例如：复查 ${f.taskNo} ${f.n} 延期 2026-12-31 企业申请延期改造`);
          if (ext[2].trim().length < 4) throw new Refusal('延期须写明理由（至少4个字）', 'R20');
          return writeFollowUp(caller, f, { ...f, due, extended: true, extensionReason: ext[2].trim(), remindedOn: '', updatedAt: at, version: f.version + 1 }, 'followup.extend', `${f.due} → ${due}：${ext[2].trim()}`);
        }
        const m = /^(\S+?)(?:\s*(?:至|到)\s*(\S+))?\s+(.+)$/.exec(input.trim());
        const start = m ? parseDay(m[1], t) : undefined;
        const end = m ? (m[2] ? parseDay(m[2], t) : start) : undefined;
        if (!m || !start || !end) throw new Refusal(`请写明复查日期和情况，例如：复查 ${f.taskNo} ${f.n} ${t} 已整改到位`);
        if (end > t) throw new Refusal(`复查日期 ${end} 晚于今天，请在复查后再记录`, 'R14');
        if (start > end || start < beijingDate(f.createdAt)) throw new Refusal(`复查日期须在该问题登记（${beijingDate(f.createdAt)}）之后`, 'R14');
        const outcome = m[3].trim().slice(0, 500);
        if (outcome.length < 2) throw new Refusal('请写明复查情况，例如：已整改到位');
        return writeFollowUp(caller, f, {
          ...f, status: 'closed', review: { start, end, outcome, by: caller.userId, byName: caller.name }, closedBy: caller.userId, closedAt: at, updatedAt: at, version: f.version + 1,
        }, 'followup.close', outcome);
      },

      /**
       * Follow-ups due today or earlier, on a working day, not yet reminded today (marked so
       * no other process reminds again), with who to tell: the owning department's officials.
       */
      async dueReminders(at: Date): Promise<{ followUp: FollowUpDoc; userIds: string[] }[]> {
        const t = beijingDate(at);
        if (!isWorkingDay(t, cal())) return [];
        const out: { followUp: FollowUpDoc; userIds: string[] }[] = [];
        for (const f of await repos.followUps.unclosed()) {
          if (f.status !== 'open' || !f.due || f.due > t || f.remindedOn === t) continue;
          if (!(await repos.followUps.replace({ ...f, remindedOn: t, version: f.version + 1 }, f.version))) continue;
          const users = (await repos.org.users()).filter((u) => u.active && u.department === f.owner && u.roles.some((r) => r === 'official' || r === 'leader'));
          out.push({ followUp: f, userIds: users.map((u) => u.userId) });
        }
        return out;
      },

      /** Transfers waiting for acceptance, with the receiving department's officials (for the accept card). */
      async awaitingTransfers(): Promise<{ followUp: FollowUpDoc; userIds: string[] }[]> {
        const users = await repos.org.users();
        return (await repos.followUps.unclosed()).filter((f) => f.status === 'awaiting').map((f) => ({
          followUp: f,
          userIds: users.filter((u) => u.active && u.department === f.owner && u.roles.some((r) => r === 'official' || r === 'leader')).map((u) => u.userId),
        }));
      },
    },
  };
}
