// Opens a URL in headless Chromium (Playwright), waits until the page sets
// <body data-state="done"> (or "error"), and collects what went wrong on the way.
import { chromium, type Browser, type Page } from 'playwright';
import { chromiumLaunchOptions } from '../chromium.js';

export interface OpenedPage {
  page: Page;
  state: string;
  errors: string[]; // uncaught exceptions, console errors and failed requests
  warnings: string[]; // console warnings
  close(): Promise<void>;
}

export async function openPage(url: string, timeoutMs = 60_000): Promise<OpenedPage> {
  const browser: Browser = await chromium.launch(chromiumLaunchOptions);
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    const errors: string[] = [];
    const warnings: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      if (m.type() === 'warning') warnings.push(m.text());
    });
    page.on('requestfailed', (r) => errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
    await page.goto(url);
    await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: timeoutMs });
    const state = (await page.getAttribute('body', 'data-state')) ?? '';
    return { page, state, errors, warnings, close: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
