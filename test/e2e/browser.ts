// The browser for the dashboard tests: Debian's chromium driven by playwright-core, never a
// browser download. Without /usr/bin/chromium the tests skip with a notice, except under CI,
// where a missing browser is a failure (scripts/setup-chromium.sh installs it).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { projectRoot } from '../support/venue-process.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const chromiumInstalled = existsSync(CHROMIUM_PATH);
export const onCi = process.env.CI === 'true';
/** Run the browser tests: chromium is there, or CI must fail for want of it. */
export const runBrowserTests = chromiumInstalled || onCi;

export const ARTIFACTS = join(projectRoot, 'test-artifacts');

if (!chromiumInstalled && !onCi) {
  process.stderr.write(`\n  NOTICE: dashboard browser tests SKIPPED: ${CHROMIUM_PATH} is missing (bash scripts/setup-chromium.sh installs it)\n\n`);
}

export async function launchBrowser(): Promise<Browser> {
  if (!chromiumInstalled) throw new Error(`${CHROMIUM_PATH} is missing: run bash scripts/setup-chromium.sh (CI must install it before the tests)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** Builds the dashboard into web/dist, where the venue serves it from. */
export function buildDashboard(): void {
  const vite = join(projectRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  execFileSync(process.execPath, [vite, 'build', 'web', '--logLevel', 'warn'], { cwd: projectRoot, stdio: 'pipe' });
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
