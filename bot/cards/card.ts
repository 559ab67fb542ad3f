/**
 * A channel-neutral card: a title, a few fields, and buttons whose keys come
 * back to the bot when tapped. WeCom renders it as a `button_interaction`
 * template card, DingTalk as an interactive card (bot/channels/dingtalk/cards.ts;
 * an ActionCard with DINGTALK_CARDS=actioncard).
 */
export interface CardButton {
  /** Comes back in the card action: "<action>:<subject id>", e.g. "pool.confirm:9136…". At most 64 characters. */
  key: string;
  label: string;
  style: 'primary' | 'danger' | 'default';
}

export interface Card {
  /** Unique per card sent; WeCom's task_id (letters, digits, _-@, at most 128). */
  cardId: string;
  title: string;
  description: string;
  fields: { label: string; value: string }[];
  buttons: CardButton[];
}

/** What a card shows once decided: no buttons, just the outcome. */
export interface CardOutcome {
  cardId: string;
  /** Short words shown in place of the buttons, e.g. "已同意（程丽华）". */
  label: string;
}
