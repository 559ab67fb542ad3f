/** Markdown cut to a platform's size limit, on line boundaries: used by the WeCom sender and by announcements. */

/** Group robots: markdown content is limited to 4,096 bytes. */
export const ROBOT_MARKDOWN_MAX_BYTES = 4096;

/** Splits text on line boundaries into parts of at most maxBytes UTF-8 bytes each. */
export function splitMarkdown(text: string, maxBytes = ROBOT_MARKDOWN_MAX_BYTES): string[] {
  if (!Number.isInteger(maxBytes) || maxBytes < 4) throw new RangeError('maxBytes must be at least 4 (one UTF-8 character)');
  const parts: string[] = [];
  let cur: string | undefined;
  let curBytes = 0;
  const flush = () => {
    if (cur !== undefined && cur.trim() !== '') parts.push(cur);
    cur = undefined;
    curBytes = 0;
  };
  for (const line of text.split('\n')) {
    const bytes = Buffer.byteLength(line, 'utf8');
    if (bytes > maxBytes) {
      // An overlong line: cut it between characters (code points), never inside one.
      flush();
      const pieces = splitLine(line, maxBytes);
      for (const p of pieces.slice(0, -1)) parts.push(p);
      cur = pieces[pieces.length - 1];
      curBytes = Buffer.byteLength(cur, 'utf8');
      continue;
    }
    const joined = cur === undefined ? bytes : curBytes + 1 + bytes;
    if (joined <= maxBytes) {
      cur = cur === undefined ? line : `${cur}\n${line}`;
      curBytes = joined;
    } else {
      flush();
      cur = line;
      curBytes = bytes;
    }
  }
  flush();
  return parts;
}

function splitLine(line: string, maxBytes: number): string[] {
  const out: string[] = [];
  let cur = '';
  let bytes = 0;
  for (const ch of line) {
    const b = Buffer.byteLength(ch, 'utf8');
    if (bytes + b > maxBytes) {
      out.push(cur);
      cur = '';
      bytes = 0;
    }
    cur += ch;
    bytes += b;
  }
  if (cur) out.push(cur);
  return out;
}
