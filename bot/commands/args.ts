/** Parses `键=值` pairs from chat text ("乡镇=陈营镇 风险：高"); bare words are returned separately. */
export function keyValues(args: string): { pairs: Map<string, string>; words: string[] } {
  const pairs = new Map<string, string>();
  const words: string[] = [];
  for (const token of args.split(/\s+/).filter(Boolean)) {
    const m = /^([^=:：＝]+)[=:：＝](.*)$/.exec(token);
    if (m) pairs.set(m[1].trim(), m[2].trim());
    else words.push(token);
  }
  return { pairs, words };
}
