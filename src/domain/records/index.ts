/**
 * The system's nouns as services and commands see them: what a repo returns and
 * takes. Each repo (store/repos) turns a stored document into one of these in its
 * one mapper (`fromDoc`); nothing outside the store sees a stored document.
 */
export type * from './approval';
export type * from './directory';
export type * from './draw';
export type * from './entity';
export type * from './filing';
export type * from './importRun';
export type * from './org';
export type * from './plan';
export type * from './registry';
export type * from './result';
export type * from './session';
export type * from './task';
