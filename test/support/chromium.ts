import { existsSync } from 'node:fs';
import { Browser, chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's Chromium, headless. Missing, it fails the tests rather than skipping them: CI
 * installs it (`.ci/run`), and a skipped browser test would hide a broken page.
 */
export function launchChromium(
  options: { acceptSelfSignedCertificates?: boolean } = {},
): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...(options.acceptSelfSignedCertificates ? ['--ignore-certificate-errors'] : []),
    ],
  });
}
