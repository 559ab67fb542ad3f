/**
 * One way to write a guided conversation (新建计划, 备案, and the ones to come):
 * typed steps, the stored draft validated when it is loaded, and the shared words
 * (提交/确认, 改 <项目>, 取消 hint). Each answer is parsed by its step; then the
 * flow's `next` looks at the whole draft and says what happens now — ask the
 * first thing missing, show the summary, hold at a step, or end — so every flow
 * progresses the same way, asking the service at each step what it needs.
 */
import type { ZodType } from 'zod';
import type { FlowState } from '../../src/services/conversations';
import { text, type Reply } from '../types';
import type { CommandContext, Flow } from './types';

/** Words that end a guided conversation without saving anything (the router hears them before any flow). */
export const CANCEL_WORDS: ReadonlySet<string> = new Set(['取消', '退出', '放弃', 'cancel']);
/** Said after every question: leaving is always possible and leaves nothing behind. */
export const CANCEL_HINT = '（发送“取消”放弃，不会保存任何内容）';
/** Words that submit a reviewed draft. */
export const CONFIRM_WORDS: readonly string[] = ['提交', '确认', '确定'];
/** "改 比例", "修改 日期", "重填 人员": go back to one answer. */
const CHANGE = /^(?:改|修改|重填)\s*(.+)$/;

/** The step that shows the summary and waits for 提交 or 改. */
export const CONFIRM = 'confirm';

/** What one answer did: a new draft (and lines to say before the next question), or why it failed. */
export type Answer<D> = { ok: true; draft: D; said?: string[] } | { ok: false; reason: string; draft?: D };

/** What happens after an answer, decided from the whole draft. */
export type Progress<S extends string> =
  /** Ask for this step (after the lines in `say`). */
  | { ask: S; say?: string[] }
  /** Everything is there: show the summary and wait for 提交. */
  | { summary: true; say?: string[] }
  /** The conversation is over (nothing is saved): say this. */
  | { end: string[] }
  /** Stay at this step without asking again: `say` already tells what to answer. */
  | { hold: S; say: string[] };

export interface Turn {
  replies: Reply[];
  /** Absent: the conversation is over. */
  next?: FlowState;
}

export interface FlowSpec<S extends string, D extends Record<string, unknown>> {
  name: string;
  /** Words for the user, e.g. "新建计划". */
  label: string;
  /** The steps that take an answer (the summary step, CONFIRM, comes last by itself). */
  steps: readonly S[];
  /** The draft as stored between turns; a stored state that does not pass it ends the conversation. */
  draft: ZodType<D>;
  /** The words of `改 <项目>`: 比例 → 'sampling'. */
  fields: Record<string, S>;
  /** The 项目 names listed to the user: "年度、库、…". */
  fieldNames: string;
  /** An example for "改 …" when the word is unknown. */
  changeExample: string;
  prompt(step: S, d: D, ctx: CommandContext): string | Promise<string>;
  /** Parses and checks one answer (the command layer's parsers, then the service). */
  answer(step: S, input: string, d: D, ctx: CommandContext): Promise<Answer<D>>;
  /** Where the draft stands now. May return a changed draft (what was told, an answer no longer valid). */
  next(d: D, ctx: CommandContext): Promise<{ draft: D; progress: Progress<S> }>;
  summary(d: D, ctx: CommandContext): Promise<string>;
  /** Submits the reviewed draft; the conversation ends afterwards. */
  submit(d: D, ctx: CommandContext): Promise<Reply[]>;
  /** May `改 <step>` be asked now (e.g. not before the answer it depends on)? */
  mayChange?(step: S, d: D): boolean;
}

export interface DefinedFlow<S extends string, D extends Record<string, unknown>> extends Flow {
  /** Moves a draft on from `lead` (an intro, earlier problems); `asked`: the step an answer just failed at, not re-asked. */
  proceed(d: D, ctx: CommandContext, lead?: string[], asked?: S): Promise<Turn>;
  /** Starts the conversation with a draft (empty, prefilled, or a returned request to edit); returns what to say. */
  start(d: D, ctx: CommandContext, lead?: string[], asked?: S): Promise<Reply[]>;
  /** The stored state of a draft at a step. */
  state(step: S | typeof CONFIRM, d: D): FlowState;
  /** A stored state read back: undefined when it is not one of this flow's (an older release's, a damaged one). */
  load(st: FlowState): { step: S | typeof CONFIRM; draft: D } | undefined;
}

export function defineFlow<S extends string, D extends Record<string, unknown>>(spec: FlowSpec<S, D>): DefinedFlow<S, D> {
  const state = (step: S | typeof CONFIRM, d: D): FlowState => ({ step, data: { ...d } });
  const isStep = (s: string): s is S | typeof CONFIRM => s === CONFIRM || (spec.steps as readonly string[]).includes(s);
  const say = (lines: readonly string[]): Reply[] => [text(lines.filter(Boolean).join('\n'))];

  function load(st: FlowState): { step: S | typeof CONFIRM; draft: D } | undefined {
    if (!isStep(st.step)) return undefined;
    const parsed = spec.draft.safeParse(st.data);
    return parsed.success ? { step: st.step, draft: parsed.data } : undefined;
  }

  async function proceed(d: D, ctx: CommandContext, lead: string[] = [], asked?: S): Promise<Turn> {
    const { draft, progress } = await spec.next(d, ctx);
    if ('end' in progress) return { replies: say([...lead, ...progress.end]) };
    if ('hold' in progress) return { replies: say([...lead, ...progress.say]), next: state(progress.hold, draft) };
    if ('summary' in progress) {
      return { replies: say([...lead, ...(progress.say ?? []), await spec.summary(draft, ctx)]), next: state(CONFIRM, draft) };
    }
    // An answer that failed at this very step already says what to write: no second question.
    const question = asked === progress.ask ? [] : [await spec.prompt(progress.ask, draft, ctx)];
    const lines = [...lead, ...(progress.say ?? []), ...question].filter(Boolean);
    return { replies: [text(`${lines.join('\n')}${CANCEL_HINT}`)], next: state(progress.ask, draft) };
  }

  return {
    name: spec.name,
    label: spec.label,
    proceed,
    state,
    load,
    async start(d, ctx, lead = [], asked) {
      const turn = await proceed(d, ctx, lead, asked);
      if (turn.next) ctx.begin(spec.name, turn.next);
      return turn.replies;
    },
    async answer(input, st, ctx) {
      const loaded = load(st);
      if (!loaded) {
        return { replies: [text(`您未完成的“${spec.label}”保存的内容已无法继续（可能来自旧版本），已作废，没有保存任何内容。请重新发送“${spec.label}”开始。`)] };
      }
      const { step, draft } = loaded;
      if (step === CONFIRM && CONFIRM_WORDS.includes(input)) return { replies: await spec.submit(draft, ctx) };
      const change = CHANGE.exec(input);
      if (change) {
        const target = spec.fields[change[1].trim()];
        if (target === undefined || (spec.mayChange && !spec.mayChange(target, draft))) {
          return { replies: [text(`可修改的项目：${spec.fieldNames}。例如“改 ${spec.changeExample}”`)], next: st };
        }
        return { replies: [text(`${await spec.prompt(target, draft, ctx)}${CANCEL_HINT}`)], next: state(target, draft) };
      }
      if (step === CONFIRM) return { replies: [text(`请回复“提交”报送，或“改 <项目>”修改（${spec.fieldNames}）${CANCEL_HINT}`)], next: st };
      const r = await spec.answer(step, input, draft, ctx);
      if (!r.ok) return { replies: [text(`${r.reason}${CANCEL_HINT}`)], next: state(step, r.draft ?? draft) };
      return proceed(r.draft, ctx, r.said ?? []);
    },
  };
}

/**
 * An optional field of a stored draft: absent, or null where the database kept
 * an `undefined` as null; both read back as undefined.
 */
export function optional<T>(schema: ZodType<T>) {
  return schema.nullish().transform((v): T | undefined => v ?? undefined).optional();
}
