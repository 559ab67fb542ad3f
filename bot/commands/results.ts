/**
 * Inspection results in chat (R14–R18): the entry conversation and its commands
 * (resultEntry), follow-ups (resultFollowUps), views, forms, lists and proposals
 * (resultViews), and the words they share (resultText).
 */
import type { Command } from './types';
import { correctResult, enterResult, submitResult } from './resultEntry';
import { acceptTransfer, reviewFollowUp, toHandle } from './resultFollowUps';
import { inspectionForm, lenientList, riskProposals, showResult } from './resultViews';

export { correctResult, enterResult, resultFlow, submitResult } from './resultEntry';
export { acceptTransfer, followUpActions, reviewFollowUp, toHandle, transferCard } from './resultFollowUps';
export { formWorkbook, historyLines, inspectionForm, lenientList, planRecognitionLines, riskActions, riskProposals, showResult } from './resultViews';
export { findingText, followUpLine, progressText, statusText } from './resultText';

export const resultCommands: Command[] = [inspectionForm, lenientList, riskProposals, enterResult, correctResult, submitResult, showResult, toHandle, acceptTransfer, reviewFollowUp];
