import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';

/**
 * Opening a report.html in Debian's Chromium with the network cut off, for tests of the HTML
 * report (the rendered fixtures, or a real run's report). Every request the page makes is
 * recorded; anything that is not a file: URL is aborted. Console errors and uncaught page
 * errors are collected. The browser is always closed, whatever the check does.
 */

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface ReportPage {
  page: Page;
  /** The file: URL of the report. */
  url: string;
  /** Every URL the page requested, in order (the report itself included). */
  requests: string[];
  /** Console messages of type error, and uncaught exceptions ("pageerror: …"). */
  consoleErrors: string[];
}

export interface OpenOptions {
  /** Default 'light'. */
  colorScheme?: 'light' | 'dark';
  /** Default 1280 × 900. */
  viewport?: { width: number; height: number };
}

/** Opens the report (loaded, charts present) and runs `check` on it; closes the browser after. */
export async function withReportPage<T>(htmlFile: string, options: OpenOptions, check: (report: ReportPage) => Promise<T>): Promise<T> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ colorScheme: options.colorScheme ?? 'light', viewport: options.viewport ?? { width: 1280, height: 900 }, serviceWorkers: 'block' });
    const requests: string[] = [];
    const consoleErrors: string[] = [];
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) await route.continue();
      else {
        if (!requests.includes(url)) requests.push(url);
        await route.abort('blockedbyclient');
      }
    });
    const page = await context.newPage();
    page.on('request', (request) => {
      if (!requests.includes(request.url())) requests.push(request.url());
    });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
    const url = pathToFileURL(htmlFile).href;
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    // Poll (with a deadline) until every scenario section has been laid out with its chart.
    // Page-side code is a string: the project compiles without the DOM library.
    await page.waitForFunction(`[...document.querySelectorAll('section.scenario')].every((s) => (s.querySelector('svg[data-chart="timeline"]')?.getBoundingClientRect().height ?? 0) > 0)`, null, { timeout: 15_000, polling: 100 });
    return await check({ page, url, requests, consoleErrors });
  } finally {
    await browser.close();
  }
}

export interface ReportCheck {
  requests: string[];
  consoleErrors: string[];
  scenarios: { name: string; charts: number; faultWindows: number }[];
}

/**
 * The standard check of a report.html: what it requested, its console errors, and per scenario
 * section its timeline charts and fault windows. Writes a full-page PNG to `screenshotFile`.
 */
export async function checkReportInBrowser(htmlFile: string, screenshotFile: string): Promise<ReportCheck> {
  return withReportPage(htmlFile, {}, async ({ page, requests, consoleErrors }) => {
    const scenarios: ReportCheck['scenarios'] = [];
    for (const section of await page.locator('section.scenario').all()) {
      scenarios.push({
        name: (await section.getAttribute('data-scenario')) ?? '',
        charts: await section.locator('svg[data-chart="timeline"]').count(),
        faultWindows: await section.locator('svg[data-chart="timeline"] [data-fault-window]').count(),
      });
    }
    await page.screenshot({ path: screenshotFile, fullPage: true });
    return { requests: [...requests], consoleErrors: [...consoleErrors], scenarios };
  });
}
