// The two browser engines the browser tests and `npm run bench:browsers` run in, and how they
// start: Debian's builds (no browser can be downloaded here), headless, driven by
// puppeteer-core (CDP for Chromium, WebDriver BiDi for Firefox: no driver binary, no patched
// browser). CHROMIUM_PATH and FIREFOX_PATH point at the binaries on other machines;
// BROWSERS=firefox (or chromium) picks one engine.
import puppeteer from 'puppeteer-core';

const ALL = ['chromium', 'firefox'];

/** The engines to run: all, or those BROWSERS names (comma-separated). */
export function enginesToRun() {
  const wanted = process.env.BROWSERS?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!wanted) return ALL;
  const unknown = wanted.filter((name) => !ALL.includes(name));
  if (unknown.length) throw new Error(`BROWSERS names ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
  return ALL.filter((e) => wanted.includes(e));
}

const LAUNCH = {
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

/** Starts `engine` headless; resolves with puppeteer-core's Browser. */
export function launch(engine) {
  return puppeteer.launch({ ...LAUNCH[engine], headless: true });
}

/** A new page in a window of its own: Firefox hides a window's other tabs and throttles their timers. */
export function newWindow(browser) {
  return browser.newPage({ type: 'window' });
}
