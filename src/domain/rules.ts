/**
 * The rule ids R1–R22 (docs/rules.md): the one type every refusal and every
 * problem names its rule with, so a typo ("R2O") does not compile.
 */
export const RULE_IDS = [
  'R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8', 'R8a', 'R9', 'R10', 'R11',
  'R12', 'R13', 'R14', 'R15', 'R16', 'R17', 'R18', 'R19', 'R20', 'R21', 'R22',
] as const;

export type RuleId = (typeof RULE_IDS)[number];

/** What a problem rests on: a rule, or 'input' for a plain input mistake (a date that does not exist). */
export type ProblemRule = RuleId | 'input';

/** Is this word a rule id ("R8a")? */
export function isRuleId(word: string): word is RuleId {
  return (RULE_IDS as readonly string[]).includes(word);
}

/** One rule or two cited together ("R8、R8a"). */
export type RuleCitation = RuleId | `${RuleId}、${RuleId}`;
