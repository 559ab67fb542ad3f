/**
 * The public site's 投诉举报 pages (R22), under /gongshi/tousu, beside the read-only site:
 * a form (no login) for a complaint about an entity, a look-up of its status by number and
 * query code, and the outcomes of closed complaints (never the complainant's contact or words).
 *
 * A form with no session is protected by: a same-origin check (a browser's `Origin` and
 * `Sec-Fetch-Site` on a POST must name this site), a signed form token (HMAC over its issue
 * time, valid for two hours, key shared by every process through the database), text only
 * (application/x-www-form-urlencoded, at most 16 KB; fields length-checked, invisible
 * characters removed), every value escaped on output, and a per-address limit per hour kept
 * in the database (addresses are stored only as a keyed digest). Answers carrying a query
 * code are never cached.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';
import getRawBody from 'raw-body';
import { beijingDate } from '../../domain/calendar';
import type { Complaint, PublishedOutcome } from '../../domain/complaint';
import { LIMITS } from '../../domain/complaint';
import type { ComplaintService } from '../../services/complaints';
import { Refusal } from '../../services/context';
import type { UserDoc } from '../../domain/records/org';
import { html, raw, type Html } from './html';

export const COMPLAINT_BASE = '/gongshi/tousu';
const API = '/gongshi/api/complaints';

const HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // Not no-referrer: with it a browser sends `Origin: null` on a POST, and the same-origin check needs the origin.
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

const TABS: [string, string][] = [
  ['/gongshi/items', '抽查事项清单'], ['/gongshi/plans', '抽查计划公告'], ['/gongshi/draws', '抽查任务公告'], ['/gongshi/results', '抽查结果公告'], [COMPLAINT_BASE, '投诉举报'],
];

export interface ComplaintPagesOptions {
  complaints: ComplaintService;
  now?: () => Date;
  /** Tells the department (or 联席办) at once; the overdue reminders catch what this misses. */
  onReceived?: (complaint: Complaint, recipients: UserDoc[]) => Promise<void>;
  /** Complaints one address may submit per hour. */
  perHour?: number;
  /** Status look-ups one address may make per hour (a query code cannot be guessed by trying). */
  lookupsPerHour?: number;
  /** How long a form stays valid (ms). */
  formTtlMs?: number;
}

export const MAX_FORM_BYTES = 16 * 1024;

class HttpProblem extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function layout(title: string, body: Html): string {
  return `<!doctype html>${html`<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} - 双随机、一公开</title><link rel="stylesheet" href="/gongshi/static/site.css"></head><body>
<header><h1><a href="/gongshi/">双随机、一公开 公示</a></h1></header>
<nav aria-label="栏目">${TABS.map(([href, label]) => html`<a href="${href}"${raw(href === COMPLAINT_BASE ? ' class="on" aria-current="page"' : '')}>${label}</a>`)}</nav>
<main>
<p><a href="${COMPLAINT_BASE}">我要投诉举报</a> · <a href="${COMPLAINT_BASE}/chaxun">查询办理进度</a> · <a href="${COMPLAINT_BASE}/jieguo">办理结果公开</a></p>
<h2>${title}</h2>
${body}
</main>
<footer>投诉举报的办理结果在本站公开，不公开投诉人的姓名、联系方式和投诉原文。</footer>
</body></html>`.text}`;
}

const field = (label: string, name: string, input: Html, hint = ''): Html =>
  html`<p><label for="${name}">${label}</label><br>${input}${hint ? html`<br><span class="muted">${hint}</span>` : ''}</p>`;

function formPage(token: string, values: Record<string, string> = {}, problem = ''): string {
  return layout('投诉举报', html`${problem ? html`<p class="void" role="alert" id="problem">${problem}</p>` : ''}
<p>对市场主体的违法违规行为，您可以在此投诉举报，无需登录。提交后您会得到投诉编号和查询码，凭二者查询办理进度；办理结果将在本站公开（不含您的信息）。</p>
<form method="post" action="${COMPLAINT_BASE}" id="complaint-form" accept-charset="utf-8">
<input type="hidden" name="token" value="${token}">
${field('被投诉主体（名称或统一社会信用代码）', 'entity', html`<input id="entity" name="entity" required maxlength="${LIMITS.entity}" value="${values.entity ?? ''}">`)}
${field('投诉举报内容（时间、地点、经过）', 'content', html`<textarea id="content" name="content" required minlength="${LIMITS.contentMin}" maxlength="${LIMITS.content}" rows="8">${values.content ?? ''}</textarea>`, `${LIMITS.contentMin}到${LIMITS.content}字，只接受文字`)}
${field('联系方式（选填）', 'contact', html`<input id="contact" name="contact" maxlength="${LIMITS.contact}" value="${values.contact ?? ''}">`, '仅承办部门和联席办可见，不公开')}
<p><button type="submit">提交</button></p>
</form>`);
}

function lookupPage(values: Record<string, string> = {}, answer?: Html): string {
  return layout('查询办理进度', html`${answer ?? ''}
<form method="post" action="${COMPLAINT_BASE}/chaxun" id="lookup-form" accept-charset="utf-8">
${field('投诉编号', 'no', html`<input id="no" name="no" required maxlength="20" value="${values.no ?? ''}" placeholder="如 TS2026-0001">`)}
${field('查询码', 'code', html`<input id="code" name="code" required maxlength="20" autocomplete="off">`)}
<p><button type="submit">查询</button></p>
</form>`);
}

function outcomesTable(rows: PublishedOutcome[]): Html {
  if (rows.length === 0) return html`<p>暂无已办结的投诉举报。</p>`;
  return html`<div class="scroll"><table><thead><tr><th>编号</th><th>受理日期</th><th>办结日期</th><th>被投诉主体</th><th>事项</th><th>办理部门</th><th>办理结果</th></tr></thead><tbody>
${rows.map((r) => html`<tr><td>${r.complaintNo}</td><td>${r.receivedOn}</td><td>${r.closedOn}</td><td>${r.entityName}</td><td>${r.matter}</td><td>${r.department}</td><td>${r.outcome}${r.filingNo ? html`<br><span class="muted">检查备案 ${r.filingNo}</span>` : ''}</td></tr>`)}
</tbody></table></div>`;
}

/** The 投诉举报 pages as one Koa middleware; mount it before the read-only site. */
export function complaintPages(opts: ComplaintPagesOptions): Koa.Middleware {
  const now = opts.now ?? (() => new Date());
  const svc = opts.complaints;
  const perHour = opts.perHour ?? 5;
  const lookupsPerHour = opts.lookupsPerHour ?? 30;
  const ttl = opts.formTtlMs ?? 2 * 3600_000;
  let key: Promise<string> | undefined;
  const formKey = () => (key ??= svc.formKey().catch((err: unknown) => { key = undefined; throw err; }));

  async function issueToken(): Promise<string> {
    const body = `${now().getTime()}.${randomBytes(8).toString('hex')}`;
    return `${body}.${createHmac('sha256', await formKey()).update(body).digest('hex')}`;
  }

  async function tokenValid(token: string): Promise<boolean> {
    const m = /^(\d{10,16})\.([0-9a-f]{16})\.([0-9a-f]{64})$/.exec(token);
    if (!m) return false;
    const expected = createHmac('sha256', await formKey()).update(`${m[1]}.${m[2]}`).digest();
    if (!timingSafeEqual(expected, Buffer.from(m[3], 'hex'))) return false;
    const age = now().getTime() - Number(m[1]);
    return age >= -60_000 && age <= ttl;
  }

  /** A POST must come from a page of this site: a browser's Origin and Sec-Fetch-Site say so. */
  function sameOrigin(ctx: Koa.Context): void {
    const origin = ctx.get('Origin');
    if (origin && origin !== `${ctx.protocol}://${ctx.host}`) throw new HttpProblem(403, '请从本站的投诉举报页面提交。');
    const site = ctx.get('Sec-Fetch-Site');
    if (site && site !== 'same-origin' && site !== 'none') throw new HttpProblem(403, '请从本站的投诉举报页面提交。');
  }

  async function readForm(ctx: Koa.Context): Promise<URLSearchParams> {
    const type = (ctx.get('Content-Type') || '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') throw new HttpProblem(415, '只接受文字内容的表单，不接受文件或图片。');
    let body: string;
    try {
      body = await getRawBody(ctx.req, { limit: MAX_FORM_BYTES, length: ctx.get('Content-Length') || undefined, encoding: 'utf-8' });
    } catch (err) {
      if ((err as { type?: string }).type === 'entity.too.large') {
        ctx.set('Connection', 'close');
        throw new HttpProblem(413, `提交的内容过长（超过 ${MAX_FORM_BYTES / 1024} KB），请精简后再提交。`);
      }
      throw new HttpProblem(400, '无法读取提交的内容，请重新提交。');
    }
    return new URLSearchParams(body);
  }

  /** Counts this request against the address's hourly allowance; refuses past it. */
  async function limit(ctx: Koa.Context, what: string, max: number): Promise<void> {
    const digest = createHash('sha256').update(`${await formKey()}:${ctx.ip}`).digest('hex').slice(0, 32);
    const n = await svc.countHit(what, digest);
    if (n > max) {
      ctx.set('Retry-After', '3600');
      throw new HttpProblem(429, `同一网络地址每小时最多${what === 'submit' ? `提交${max}次投诉举报` : `查询${max}次`}，请一小时后再试；紧急情况请拨打 12345 或 12315。`);
    }
  }

  const send = (ctx: Koa.Context, status: number, page: string) => {
    ctx.status = status;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = page;
  };

  async function handle(ctx: Koa.Context): Promise<boolean> {
    const p = ctx.path.replace(/\/+$/, '') || '/';
    if (p === COMPLAINT_BASE && ctx.method === 'GET') {
      ctx.set('Cache-Control', 'no-store');
      send(ctx, 200, formPage(await issueToken()));
      return true;
    }
    if (p === COMPLAINT_BASE && ctx.method === 'POST') {
      ctx.set('Cache-Control', 'no-store');
      sameOrigin(ctx);
      const form = await readForm(ctx);
      const values = { entity: form.get('entity') ?? '', content: form.get('content') ?? '', contact: form.get('contact') ?? '' };
      if (!(await tokenValid(form.get('token') ?? ''))) {
        send(ctx, 403, formPage(await issueToken(), values, '表单已过期或不是从本站打开的，请核对内容后重新提交。'));
        return true;
      }
      await limit(ctx, 'submit', perHour);
      try {
        const r = await svc.submitPublic(values);
        await opts.onReceived?.(r.complaint, r.recipients).catch(() => undefined);
        send(ctx, 200, layout('投诉举报已提交', html`<div class="verdict ok" role="status" id="receipt">
<p>您的投诉举报已收到，编号 <strong id="complaint-no">${r.complaint.complaintNo}</strong>，查询码 <strong id="query-code">${r.queryCode}</strong>。</p>
<p>请记下编号和查询码（查询码只显示这一次）。承办部门将在1个工作日内受理，您可随时在“<a href="${COMPLAINT_BASE}/chaxun">查询办理进度</a>”凭二者查询。</p></div>`));
      } catch (err) {
        if (!(err instanceof Refusal)) throw err;
        send(ctx, 422, formPage(await issueToken(), values, err.message));
      }
      return true;
    }
    if (p === `${COMPLAINT_BASE}/chaxun` && ctx.method === 'GET') {
      send(ctx, 200, lookupPage());
      return true;
    }
    if (p === `${COMPLAINT_BASE}/chaxun` && ctx.method === 'POST') {
      ctx.set('Cache-Control', 'no-store');
      sameOrigin(ctx);
      const form = await readForm(ctx);
      await limit(ctx, 'lookup', lookupsPerHour);
      const no = (form.get('no') ?? '').trim().slice(0, 20);
      const v = await svc.lookup(no, (form.get('code') ?? '').slice(0, 20));
      const answer = v
        ? html`<div class="verdict ok" role="status" id="status"><p>投诉编号：${v.complaintNo}（${v.receivedOn} 收到）</p><p>办理状态：<strong id="status-text">${v.status}</strong></p><p>承办部门：${v.department}</p>
${v.acknowledgedOn ? html`<p>受理日期：${v.acknowledgedOn}</p>` : ''}${v.closedOn ? html`<p>办结日期：${v.closedOn}</p><p>办理结果：${v.outcome}</p>` : ''}</div>`
        : html`<p class="void" role="alert" id="status">编号或查询码不对，请核对后重新输入（查询码在提交成功的页面上，不区分大小写）。</p>`;
      send(ctx, v ? 200 : 404, lookupPage({ no }, answer));
      return true;
    }
    if (p === `${COMPLAINT_BASE}/jieguo` && ctx.method === 'GET') {
      const year = /^\d{4}$/.test(String(ctx.query.year ?? '')) ? Number(ctx.query.year) : Number(beijingDate(now()).slice(0, 4));
      ctx.set('Cache-Control', 'public, max-age=30');
      send(ctx, 200, layout(`${year}年度投诉举报办理结果`, html`<p>已办结的投诉举报及其办理结果。<a href="${COMPLAINT_BASE}/jieguo?year=${year - 1}">${year - 1}年度</a> · <a href="${API}?year=${year}">JSON</a></p>${outcomesTable(await svc.published(year))}`));
      return true;
    }
    if (p === API && ctx.method === 'GET') {
      const year = /^\d{4}$/.test(String(ctx.query.year ?? '')) ? Number(ctx.query.year) : Number(beijingDate(now()).slice(0, 4));
      ctx.set('Cache-Control', 'public, max-age=30');
      ctx.body = { year, outcomes: await svc.published(year) };
      return true;
    }
    if (p === COMPLAINT_BASE || p.startsWith(`${COMPLAINT_BASE}/`) || p === API) {
      ctx.set('Allow', p === COMPLAINT_BASE || p === `${COMPLAINT_BASE}/chaxun` ? 'GET, POST' : 'GET');
      send(ctx, p === COMPLAINT_BASE || p === `${COMPLAINT_BASE}/chaxun` || p === `${COMPLAINT_BASE}/jieguo` ? 405 : 404, layout('没有这个页面', html`<p>您访问的地址不存在。</p>`));
      return true;
    }
    return false;
  }

  return async (ctx, next) => {
    if (ctx.path !== API && ctx.path !== COMPLAINT_BASE && !ctx.path.startsWith(`${COMPLAINT_BASE}/`)) return next();
    ctx.set(HEADERS);
    try {
      if (!(await handle(ctx))) return next();
    } catch (err) {
      if (!(err instanceof HttpProblem)) throw err;
      send(ctx, err.status, layout('无法提交', html`<p class="void" role="alert" id="problem">${err.message}</p><p><a href="${COMPLAINT_BASE}">返回投诉举报</a></p>`));
    }
  };
}
