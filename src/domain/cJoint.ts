/**
 * Overlapping C entities (R4 "agree a lead"), pure: a C entity supervised by two
 * or more member units gets a joint arrangement. The proposed lead follows one
 * documented rule: the unit that proposed the C placement, if it supervises the
 * entity; else the unit with the most inspection items for the C pool; on a tie,
 * the earlier in the member-unit list. Every other supervising unit takes part.
 */

export interface CJointProposal {
  code: string;
  name: string;
  lead: string;
  participants: string[];
  /** Why this lead, in Chinese. */
  rule: string;
}

export function proposeCLead(
  e: { code: string; name: string; departments: readonly string[] },
  proposer: string | undefined,
  itemsForC: ReadonlyMap<string, number>,
  order: readonly string[],
  unitName: (code: string) => string,
): CJointProposal | undefined {
  const depts = [...new Set(e.departments)];
  if (depts.length < 2) return undefined;
  const rank = (d: string) => { const i = order.indexOf(d); return i < 0 ? order.length : i; };
  let lead: string;
  let rule: string;
  if (proposer && depts.includes(proposer)) {
    lead = proposer;
    rule = `${unitName(proposer)}提出纳入C类，由其牵头`;
  } else {
    lead = [...depts].sort((a, b) => (itemsForC.get(b) ?? 0) - (itemsForC.get(a) ?? 0) || rank(a) - rank(b))[0];
    rule = `无提出单位记录，由C类检查事项最多的${unitName(lead)}牵头（${itemsForC.get(lead) ?? 0}项）`;
  }
  return { code: e.code, name: e.name, lead, participants: depts.filter((d) => d !== lead).sort((a, b) => rank(a) - rank(b)), rule };
}
