import type { LocalDatabase } from '../../store/embedded';

export default async function globalTeardown(): Promise<void> {
  const db = (globalThis as Record<string, unknown>).__TEST_DB__ as LocalDatabase | undefined;
  await db?.stop();
}
