import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** The Debian chromium the UI tests drive (CI installs it: see .ci/run). */
export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests are skipped here, or undefined when chromium is installed. */
export const browserSkipReason = existsSync(CHROMIUM) ? undefined : `no ${CHROMIUM}: install the Debian package chromium to run the web UI tests`;
// CI installs chromium (.ci/run), so there a missing browser is a failure, not a reason to skip the UI tests.
if (browserSkipReason && process.env.CI) throw new Error(`CI is set but ${browserSkipReason}`);
if (browserSkipReason) console.warn(`SKIPPING the web UI browser tests: ${browserSkipReason}`);

/** A headless chromium with a fresh profile (own --user-data-dir, removed on close). */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'weir-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
