/**
 * Headless Chromium for report tests and the report benchmark: Debian's /usr/bin/chromium driven
 * by playwright-core (Playwright's own browser download is unreachable here). Each launch gets a
 * fresh profile directory (playwright-core makes one per launch and removes it on close).
 *
 * Without the binary, tests skip with a message, except in CI (`process.env.CI`), where they
 * must fail: `chromiumSkipReason()` returns null there and the launch fails loudly.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.PINBENCH_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let warned = false;

/** Why browser tests are skipped here, or null when they must run. */
export function chromiumSkipReason(): string | null {
  if (existsSync(CHROMIUM_PATH) || process.env.CI) return null;
  const reason = `${CHROMIUM_PATH} is absent: skipping browser tests (apt-get install chromium; in CI they fail instead)`;
  if (!warned) {
    warned = true;
    console.warn(reason);
  }
  return reason;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is required for the report tests and is missing at ${CHROMIUM_PATH} (apt-get install chromium)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}
