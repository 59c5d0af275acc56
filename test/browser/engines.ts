// The two browser engines every browser test runs in, and how they start: Debian's builds
// (no browser can be downloaded here), headless, driven by puppeteer-core (CDP for
// Chromium, WebDriver BiDi for Firefox: no driver binary, no patched browser). CHROMIUM_PATH
// and FIREFOX_PATH point at the binaries on other machines; BROWSERS=firefox (or chromium)
// runs one engine alone.
import puppeteer, { type Browser, type LaunchOptions } from 'puppeteer-core';

export type Engine = 'chromium' | 'firefox';

const ALL: Engine[] = ['chromium', 'firefox'];

/** The engines this run tests: all, or those BROWSERS names (comma-separated). */
export function enginesToTest(): Engine[] {
  const wanted = process.env.BROWSERS?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!wanted) return ALL;
  const unknown = wanted.filter((name) => !ALL.includes(name as Engine));
  if (unknown.length) throw new Error(`BROWSERS names ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
  return ALL.filter((e) => wanted.includes(e));
}

const LAUNCH: Record<Engine, LaunchOptions> = {
  chromium: {
    browser: 'chrome',
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox', // runs as root in CI
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  },
  firefox: {
    browser: 'firefox',
    executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr',
    // puppeteer-core's own Firefox preferences already turn off updates, telemetry and
    // the other background requests.
  },
};

export function launch(engine: Engine): Promise<Browser> {
  return puppeteer.launch({ ...LAUNCH[engine], headless: true });
}
