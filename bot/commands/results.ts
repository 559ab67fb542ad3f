/**
 * Inspection results in chat (R14–R18): the entry conversation and its commands
 * (resultEntry), follow-ups (resultFollowUps), views, forms, lists and proposals
 * (resultViews), and the words they share (resultText).
 */
import type { Command } from './types';
import { correctResult, enterResult, submitResult } from './resultEntry';
import { acceptTransfer, reviewFollowUp, toHandle } from './resultFollowUps';
import { inspectionForm, lenientList, riskProposals, showResult } from './resultViews';

export { correctResult, resultFlow } from './resultEntry';
export { followUpActions } from './resultFollowUps';
export { historyLines, planRecognitionLines, riskActions } from './resultViews';
export { progressText, statusText } from './resultText';

export const resultCommands: Command[] = [inspectionForm, lenientList, riskProposals, enterResult, correctResult, submitResult, showResult, toHandle, acceptTransfer, reviewFollowUp];
