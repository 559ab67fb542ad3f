/**
 * WeCom's XML: the encrypted callback envelope, the decrypted message inside it,
 * and the encrypted reply envelope. Parsed with fast-xml-parser with every value
 * kept as a string (a MsgId does not fit a double), no entities expanded and
 * documents with a DTD refused outright: WeCom never sends one.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { InboundMessage } from '../contracts';

export class WecomXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WecomXmlError';
  }
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: false,
});

type Node = Record<string, unknown>;

/** Validates and parses a document whose root is <xml>; returns the root's children. */
function parseRoot(xml: string): Node {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new WecomXmlError('XML with a DTD is not accepted');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new WecomXmlError(`malformed XML: ${valid.err.msg}`);
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch {
    throw new WecomXmlError('malformed XML');
  }
  const root = doc.xml;
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw new WecomXmlError('root element must be a single <xml>');
  return root as Node;
}

/** A leaf element's text, trimmed; '' when absent. Repeated or nested elements are refused. */
function field(root: Node, name: string): string {
  const v = root[name];
  if (v === undefined) return '';
  if (typeof v !== 'string') throw new WecomXmlError(`<${name}> must appear once, as text`);
  return v.trim();
}

function required(root: Node, name: string): string {
  const v = field(root, name);
  if (!v) throw new WecomXmlError(`<${name}> is missing`);
  return v;
}

export interface CallbackEnvelope {
  toUserName: string;
  encrypt: string;
  agentId: string;
}

/** The POSTed envelope: <xml><ToUserName/><Encrypt/><AgentID/></xml>. */
export function parseEnvelope(xml: string): CallbackEnvelope {
  const root = parseRoot(xml);
  return { toUserName: field(root, 'ToUserName'), encrypt: required(root, 'Encrypt'), agentId: field(root, 'AgentID') };
}

/** A decrypted callback: a message for the inbox, or something we answer and drop. */
export type ParsedCallback =
  | { kind: 'message'; message: InboundMessage }
  | { kind: 'ignored'; msgType: string; event: string };

/**
 * The WeCom id of a card tap. WeCom sends the same values again when it retries,
 * so the id is the same and the inbox records the tap once. The key comes last
 * because it alone may hold ':' (userids and task ids cannot).
 */
export function cardActionId(fromUser: string, taskId: string, createTime: string, eventKey: string): string {
  return `card:${fromUser}:${taskId}:${createTime}:${eventKey}`;
}

/** The decrypted message: text, image, file and template_card_event become InboundMessages; the rest is ignored. */
export function parseMessage(xml: string): ParsedCallback {
  const root = parseRoot(xml);
  const msgType = required(root, 'MsgType');
  const event = field(root, 'Event');
  if (msgType === 'text') {
    const content = root.Content;
    if (content !== undefined && typeof content !== 'string') throw new WecomXmlError('<Content> must appear once, as text');
    return {
      kind: 'message',
      message: {
        platform: 'wecom',
        msgId: required(root, 'MsgId'),
        senderId: required(root, 'FromUserName'),
        kind: 'text',
        text: (content ?? '').trim(),
      },
    };
  }
  if (msgType === 'image' || msgType === 'file') {
    return {
      kind: 'message',
      message: {
        platform: 'wecom', msgId: required(root, 'MsgId'), senderId: required(root, 'FromUserName'), kind: 'text', text: '', attachment: msgType,
        ...(field(root, 'MediaId') ? { mediaRef: field(root, 'MediaId').slice(0, 256) } : {}),
        ...(field(root, 'FileName') ? { mediaName: field(root, 'FileName').slice(0, 200) } : {}),
      },
    };
  }
  if (msgType === 'event' && event === 'template_card_event') {
    const from = required(root, 'FromUserName');
    const taskId = required(root, 'TaskId');
    const createTime = required(root, 'CreateTime');
    const eventKey = required(root, 'EventKey');
    return {
      kind: 'message',
      message: {
        platform: 'wecom',
        msgId: cardActionId(from, taskId, createTime, eventKey),
        senderId: from,
        kind: 'card_action',
        text: '',
        actionKey: eventKey,
        cardId: taskId,
        responseCode: field(root, 'ResponseCode') || undefined,
      },
    };
  }
  return { kind: 'ignored', msgType, event };
}

/** Text inside CDATA; a "]]>" in it is split across two sections, as XML requires. */
export function cdata(text: string): string {
  return `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/** The envelope WeCom POSTs (the emulator builds callbacks with it). */
export function buildEnvelope(e: CallbackEnvelope): string {
  return `<xml><ToUserName>${cdata(e.toUserName)}</ToUserName><Encrypt>${cdata(e.encrypt)}</Encrypt><AgentID>${cdata(e.agentId)}</AgentID></xml>`;
}

/** The encrypted passive-reply envelope (EncryptMsg's output). */
export function buildEncryptedReply(r: { encrypt: string; msgSignature: string; timestamp: string; nonce: string }): string {
  return (
    `<xml><Encrypt>${cdata(r.encrypt)}</Encrypt><MsgSignature>${cdata(r.msgSignature)}</MsgSignature>` +
    `<TimeStamp>${r.timestamp}</TimeStamp><Nonce>${cdata(r.nonce)}</Nonce></xml>`
  );
}

/** Parses an encrypted reply envelope back (tests, and anyone checking a passive reply). */
export function parseEncryptedReply(xml: string): { encrypt: string; msgSignature: string; timestamp: string; nonce: string } {
  const root = parseRoot(xml);
  return {
    encrypt: required(root, 'Encrypt'),
    msgSignature: required(root, 'MsgSignature'),
    timestamp: required(root, 'TimeStamp'),
    nonce: required(root, 'Nonce'),
  };
}
