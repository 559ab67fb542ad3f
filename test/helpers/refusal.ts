import { Refusal } from '../../src/services/context';

/** The Refusal a promise rejects with; fails the test if it resolves or throws anything else. */
export async function refusal(p: Promise<unknown>): Promise<Refusal> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Refusal) return err;
    throw err;
  }
  throw new Error('expected a Refusal');
}
