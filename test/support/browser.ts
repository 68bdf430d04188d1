import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** A build of the web UI that `weir server` serves (WEIR_WEB_DIR points at it until `remove`). */
export interface WebUi {
  dir: string;
  remove(): void;
}

/** Builds web/ with Vite into a fresh temp folder: each test file its own copy, since files run in parallel. */
export async function buildWebUi(): Promise<WebUi> {
  const { build } = await import('vite');
  const web = fileURLToPath(new URL('../../web/', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'weir-web-'));
  await build({ configFile: join(web, 'vite.config.ts'), logLevel: 'error', build: { outDir: dir, emptyOutDir: true } });
  process.env.WEIR_WEB_DIR = dir;
  return {
    dir,
    remove() {
      delete process.env.WEIR_WEB_DIR;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
