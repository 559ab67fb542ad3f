/**
 * Our decision cards as DingTalk interactive cards (卡片平台 card instances).
 *
 * Why card instances (POST /v1.0/card/instances/createAndDeliver, updated with
 * PUT /v1.0/card/instances) rather than the robot interactive-card API: one
 * call creates and delivers a card to one user's chat with the robot
 * (openSpaceId `dtv1.card//IM_ROBOT.<userId>`) or to a group
 * (`dtv1.card//IM_GROUP.<conversationId>`); the card's data is shared, so one
 * update shows the outcome to everyone in a group; and the same card's taps
 * can come back over HTTP (callbackType HTTP with the callbackRouteKey our URL
 * is registered under, POST /v1.0/card/callbacks/register) or over Stream.
 *
 * The template (built once in the card platform, its id in
 * DINGTALK_CARD_TEMPLATE_ID) has four string variables:
 *   title     the card's title
 *   markdown  description and fields, as markdown
 *   outcome   empty while undecided; the decision once made ("已同意（程丽华）")
 *   buttons   JSON list of {text, key, color}; rendered as a button group whose
 *             buttons do 回传请求 with the parameter `key` = the item's key,
 *             shown only while `outcome` is empty.
 * A tap comes back with `cardPrivateData.params.key` = the button's key.
 */
import { createHash } from 'node:crypto';
import type { Card } from '../../cards/card';

export type CardSpace = 'IM_ROBOT' | 'IM_GROUP';

/** A stable outTrackId for one card in one place: a resend of the same outbox entry reuses it. */
export function cardTrackId(cardId: string, space: CardSpace, target: string): string {
  return `sc_${createHash('sha256').update(`${cardId}\n${space}\n${target}`).digest('hex').slice(0, 40)}`;
}

export const openSpaceId = (space: CardSpace, target: string) => `dtv1.card//${space}.${target}`;

const COLORS = { primary: 'blue', danger: 'red', default: 'gray' } as const;

/** The template's variables for a card (cardParamMap: strings only). */
export function cardParams(card: Card): Record<string, string> {
  const lines: string[] = [];
  if (card.description) lines.push(card.description);
  if (card.fields.length) lines.push('', ...card.fields.map((f) => `- **${f.label}**：${f.value}`));
  return {
    title: card.title,
    markdown: lines.join('\n').trim() || card.title,
    outcome: '',
    buttons: JSON.stringify(card.buttons.map((b) => ({ text: b.label, key: b.key, color: COLORS[b.style] }))),
  };
}

/** What a decided card shows: the outcome, and no buttons left to tap. */
export function decidedParams(label: string): Record<string, string> {
  return { outcome: label, buttons: '[]' };
}
