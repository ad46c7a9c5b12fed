// Shared by the console's browser tests: Chromium (Debian's, as root: no sandbox), sign-in, and an
// audit of a page: axe-core (no serious or critical violation), no horizontal scroll at 375 px,
// and screenshots in test-artifacts/console/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Key } from '../helpers/server.js';

// browser globals used inside page.evaluate callbacks (the test program is compiled without the DOM lib)
declare const document: any, sessionStorage: any, localStorage: any;

export const CHROMIUM = '/usr/bin/chromium';
export const SKIP: string | false = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed: the console's browser tests need Debian's Chromium`;
export const ARTIFACTS = 'test-artifacts/console';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
}

/** A page that fails the test on any script error or CSP refusal. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) errors.push(`csp: ${m.text()}`);
  });
  return errors;
}

export async function signIn(page: Page, base: string, key: Key): Promise<void> {
  await page.goto(`${base}/#/signin`);
  await page.fill('#ak', key.accessKey);
  await page.fill('#sk', key.secretKey);
  await page.press('#sk', 'Enter');
  await page.waitForURL(/#\/jobs$/);
}

/**
 * The context the audits run in: the console's CSP refuses the injected axe script, so this one
 * context bypasses it (the flows themselves run under the real CSP). The key is put in the tab's
 * session storage as the sign-in page does.
 */
export async function auditContext(browser: Browser, key: Key): Promise<BrowserContext> {
  const ctx = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  await ctx.addInitScript((k) => {
    sessionStorage.setItem('wsc.key', JSON.stringify(k));
  }, key);
  return ctx;
}

export interface AuditResult {
  violations: { id: string; impact: string; nodes: string[] }[];
}

/** Opens base+hash, waits for the page to settle, runs axe, checks 375 px, saves screenshots. */
export async function audit(page: Page, base: string, hash: string, name: string, ready?: (p: Page) => Promise<void>): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${base}/${hash}`);
  await page.waitForSelector('#page-title');
  await page.waitForFunction(() => document.querySelectorAll('.busy').length === 0);
  if (ready) await ready(page);
  await page.addScriptTag({ path: AXE });
  const result = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return { violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) })) };
  })) as AuditResult;
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${name}: axe violations ${JSON.stringify(bad, null, 1)}`);
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
  await page.setViewportSize({ width: 375, height: 800 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 376, `${name}: the page is ${width} px wide at a 375 px viewport`);
  await page.screenshot({ path: `${ARTIFACTS}/${name}-375px.png`, fullPage: true });
}
