/**
 * Headless Chromium (Debian's `chromium`, or CHROMIUM_PATH) driven by
 * playwright-core, sized as a phone, for the public pages' browser tests.
 * Dialogs are recorded and dismissed.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface PhoneBrowser {
  browser: BrowserContext;
  page: Page;
  /** Messages of the dialogs the page opened (alert, confirm), in order. */
  dialogs: string[];
}

export async function phoneBrowser(name: string): Promise<PhoneBrowser> {
  const browser = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), `${name}-chromium-`)), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 390, height: 844 }, // a phone
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { browser, page, dialogs };
}
