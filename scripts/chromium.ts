/**
 * Headless Debian chromium for the browser tests and `npm run screenshots` (installed by
 * scripts/ensure-system-deps.sh; RZERO_CHROMIUM points elsewhere). The flags keep it off the
 * network: this machine has none, and chromium's background connections would only fail.
 */
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.RZERO_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
