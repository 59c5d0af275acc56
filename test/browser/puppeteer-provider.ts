// A vitest browser provider on puppeteer-core, so that the in-page suite runs in Chromium and
// in Firefox alike. vitest's own providers cannot do Firefox here: Playwright's needs its
// patched Firefox build, WebdriverIO's needs geckodriver, and neither can be downloaded.
// A provider only has to open the URLs vitest gives it, one page per session; the page then
// talks to vitest over its own WebSocket. The suite uses no userEvent, no commands and no
// vi.mock, so this provider offers none of them.
import { defineBrowserProvider } from '@vitest/browser';
import type { Browser, Page } from 'puppeteer-core';
import type { BrowserProvider, BrowserProviderOption, TestProject } from 'vitest/node';
import { launch, newWindow, type Engine } from '../../scripts/browsers.mjs';

class PuppeteerProvider implements BrowserProvider {
  name = 'puppeteer';
  supportsParallelism = true;
  private browser: Promise<Browser> | null = null;
  private pages = new Map<string, Page>();
  private engine: Engine;

  constructor(project: TestProject) {
    this.engine = project.config.browser.name as Engine;
  }

  getCommandsContext(): Record<string, unknown> {
    return {};
  }

  async openPage(sessionId: string, url: string): Promise<void> {
    this.browser ??= launch(this.engine);
    const browser = await this.browser;
    await this.pages.get(sessionId)?.close();
    const page = await newWindow(browser);
    this.pages.set(sessionId, page);
    await page.goto(url, { timeout: 0 });
  }

  async close(): Promise<void> {
    const browser = await this.browser;
    this.browser = null;
    this.pages.clear();
    await browser?.close();
  }
}

export function puppeteerProvider(): BrowserProviderOption {
  return defineBrowserProvider({
    name: 'puppeteer',
    supportedBrowser: ['chromium', 'firefox'],
    options: {},
    providerFactory: (project: TestProject) => new PuppeteerProvider(project),
  });
}
