// Types for browsers.mjs (plain JS so that `npm run bench:browsers` needs no compiler).
import type { Browser, Page } from 'puppeteer-core';
export type Engine = 'chromium' | 'firefox';
export function enginesToRun(): Engine[];
export function launch(engine: Engine): Promise<Browser>;
export function newWindow(browser: Browser): Promise<Page>;
