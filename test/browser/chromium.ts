// How every browser test launches Chromium: Debian's build (no Playwright download is
// possible here), headless, with nothing reaching the network. CHROMIUM_PATH overrides
// the binary on other machines.
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox', // runs as root in CI
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
