// Opens a URL in a headless browser (the engine the project names: inject('engine')), waits
// until the page sets <body data-state="done"> (or another state, or "error"), and collects
// what went wrong on the way. The browser starts once per test file (a Firefox start took 4 to
// 12 s here), each page in a window of its own; a file that opens pages ends with
// afterAll(closeEngine). Also the few page helpers the e2e tests share.
import type { Browser, Page } from 'puppeteer-core';
import { inject } from 'vitest';
import { launch, newWindow, type Engine } from '../../../scripts/browsers.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    engine: Engine; // set per e2e project in vitest.browser.config.ts
  }
}

export interface OpenedPage {
  page: Page;
  state: string;
  errors: string[]; // uncaught exceptions, console errors and failed requests
  warnings: string[]; // console warnings
  close(): Promise<void>;
}

let engine: Promise<Browser> | null = null;

// What each engine's browser.version() starts with: a check that the project drives the
// engine it names.
const PRODUCT: Record<Engine, RegExp> = { chromium: /^(Headless)?Chrome\//, firefox: /^firefox\//i };

/** The engine this e2e project drives, started on the first call of a test file. */
export function startEngine(): Promise<Browser> {
  engine ??= launch(inject('engine')).then(async (browser) => {
    const version = await browser.version();
    if (!PRODUCT[inject('engine')].test(version)) throw new Error(`expected ${inject('engine')}; started ${version}`);
    return browser;
  });
  return engine;
}

/** Ends the browser startEngine() started. */
export async function closeEngine(): Promise<void> {
  const browser = engine;
  engine = null;
  await (await browser)?.close();
}

/** A new page of `browser` whose errors and warnings are collected. */
export async function watchedPage(browser: Browser, viewport = { width: 1000, height: 800 }) {
  const page = await newWindow(browser);
  await page.setViewport(viewport);
  const errors: string[] = [];
  const warnings: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    if (m.type() === 'warn') warnings.push(m.text());
  });
  page.on('requestfailed', (r) => errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
  return { page, errors, warnings };
}

/** The attribute `name` of the first element `selector` finds. */
export const attribute = (page: Page, selector: string, name: string) => page.$eval(selector, (e, n) => e.getAttribute(n), name);

/** The text of the first element `selector` finds. */
export const text = (page: Page, selector: string) => page.$eval(selector, (e) => e.textContent);

/** How many elements `selector` finds. */
export const count = (page: Page, selector: string) => page.$$eval(selector, (es) => es.length);

/** Opens `url` and waits until the page's state is `until` (or "error"). */
export async function openPage(url: string, timeoutMs = 60_000, until = 'done'): Promise<OpenedPage> {
  const { page, errors, warnings } = await watchedPage(await startEngine());
  try {
    await page.goto(url);
    await page.waitForSelector(`body[data-state="${until}"], body[data-state="error"]`, { timeout: timeoutMs });
    const state = (await attribute(page, 'body', 'data-state')) ?? '';
    return { page, state, errors, warnings, close: () => page.close() };
  } catch (error) {
    await page.close();
    throw error;
  }
}
