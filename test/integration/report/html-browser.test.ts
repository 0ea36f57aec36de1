import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../../src/report/html.js';
import type { Report } from '../../../src/report/model.js';
import { checkReportInBrowser, withReportPage } from '../../helpers/browser.js';
import { FIXTURES, assertion, fault, fixtureReport, report, scenario } from '../../helpers/sample-report.js';

/**
 * The HTML report in a real browser (Debian's Chromium, network cut off): it loads nothing but
 * itself, logs no error, draws every scenario's timeline with its fault windows, follows dark
 * mode, prints, and its hover read-out works. Screenshots are written next to each report.html
 * in a temporary folder, kept when FAULTLINE_KEEP_ARTIFACTS=1 (the path is printed).
 */

const KEEP = process.env.FAULTLINE_KEEP_ARTIFACTS === '1';
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-html-'));
});

afterAll(async () => {
  if (KEEP) console.log(`HTML reports and screenshots kept in ${dir}`);
  else if (dir !== '') await rm(dir, { recursive: true, force: true });
});

async function writeReport(name: string, report: Report): Promise<string> {
  const folder = path.join(dir, name);
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, 'report.html');
  await writeFile(file, renderHtml(report, { generatedAt: '2026-11-25T21:00:00.000Z' }));
  return file;
}

/** Relative luminance 0–1 of a computed "rgb(r, g, b)" colour. */
function luminance(rgb: string): number {
  const [r = 0, g = 0, b = 0] = (rgb.match(/\d+(\.\d+)?/g) ?? []).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

describe.each(FIXTURES)('%s in Chromium', (name) => {
  it('requests nothing but itself, logs no error, and draws each scenario with its fault windows', async () => {
    const fixture = fixtureReport(name);
    const file = await writeReport(name, fixture);
    const screenshot = path.join(path.dirname(file), 'report.png');
    const result = await checkReportInBrowser(file, screenshot);
    expect(result.requests).toEqual([pathToFileURL(file).href]);
    expect(result.consoleErrors).toEqual([]);
    expect(result.scenarios).toEqual(fixture.scenarios.map((s) => ({ name: s.name, charts: 1, faultWindows: s.faults.length })));
    const png = await readFile(screenshot);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(50_000);
  });
});

describe('the HTML report in Chromium', () => {
  it('the check sees a page that reaches for the network (it can fail)', async () => {
    const file = path.join(dir, 'leaky.html');
    await writeFile(file, '<!DOCTYPE html><html><head><style>body { background: url(https://example.com/bg.png) }</style></head><body><img src="https://example.com/a.png"><img src="//example.com/b.png"></body></html>');
    const result = await checkReportInBrowser(file, path.join(dir, 'leaky.png'));
    expect(result.requests[0]).toBe(pathToFileURL(file).href);
    expect(result.requests).toEqual(expect.arrayContaining(['https://example.com/a.png', 'https://example.com/bg.png']));
    expect(result.requests.some((url) => url.includes('example.com/b.png'))).toBe(true);
    expect(result.consoleErrors.length).toBeGreaterThan(0);
    expect(result.scenarios).toEqual([]);
  });

  it('dark mode: a dark page, and the charts follow the scheme', async () => {
    const file = await writeReport('dark', fixtureReport('no-timeout'));
    await withReportPage(file, { colorScheme: 'dark' }, async ({ page, consoleErrors }) => {
      expect(luminance(await page.evaluate<string>('getComputedStyle(document.body).backgroundColor'))).toBeLessThan(0.15);
      expect(luminance(await page.evaluate<string>(`getComputedStyle(document.querySelector('svg[data-chart="timeline"] rect.plot')).fill`))).toBeLessThan(0.2);
      expect(luminance(await page.evaluate<string>(`getComputedStyle(document.querySelector('svg[data-chart="timeline"] .ptitle')).fill`))).toBeGreaterThan(0.6);
      await page.screenshot({ path: path.join(dir, 'dark', 'report-dark.png'), fullPage: true });
      expect(consoleErrors).toEqual([]);
    });
    await withReportPage(file, { colorScheme: 'light' }, async ({ page }) => {
      expect(luminance(await page.evaluate<string>('getComputedStyle(document.body).backgroundColor'))).toBeGreaterThan(0.9);
    });
  });

  it('print: white even in dark mode, evidence expanded, charts kept whole; a PDF prints', async () => {
    const file = await writeReport('print', fixtureReport('no-timeout'));
    await withReportPage(file, { colorScheme: 'dark' }, async ({ page, consoleErrors }) => {
      const evidence = page.locator('details.evidence pre').first();
      expect(await evidence.isVisible()).toBe(false);
      await page.emulateMedia({ media: 'print' });
      expect(await page.evaluate<string>('getComputedStyle(document.body).backgroundColor')).toBe('rgb(255, 255, 255)');
      expect(await evidence.isVisible()).toBe(true);
      expect(await page.evaluate<string>(`getComputedStyle(document.querySelector('figure.timeline')).breakInside`)).toBe('avoid');
      expect(await page.locator('.tooltip').first().isVisible()).toBe(false);
      await page.screenshot({ path: path.join(dir, 'print', 'report-print.png'), fullPage: true });
      const pdf = await page.pdf({ format: 'A4', printBackground: true });
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(consoleErrors).toEqual([]);
    });
  });

  it('hover: a crosshair and the values under the cursor, gone when the cursor leaves', async () => {
    const file = await writeReport('hover', fixtureReport('run-inconclusive'));
    await withReportPage(file, {}, async ({ page, consoleErrors }) => {
      const figure = page.locator('figure.timeline').first();
      await figure.scrollIntoViewIfNeeded();
      const box = await figure.boundingBox();
      if (box === null) throw new Error('the first timeline has no box');
      const latency = page.locator('figure.timeline').first().locator('text.ptitle', { hasText: 'Latency (ms)' });
      const title = await latency.boundingBox();
      if (title === null) throw new Error('no latency panel title');
      // Into the latency panel, 22 s into the cpu-saturation timeline.
      await page.mouse.move(box.x + box.width * 0.4, title.y + title.height + 30);
      const tooltip = figure.locator('.tooltip');
      await expect.poll(() => tooltip.isVisible(), { timeout: 10_000 }).toBe(true);
      const text = (await tooltip.textContent()) ?? '';
      expect(text).toMatch(/^\d+\.\d s · chaos/);
      expect(text).toContain('fault: burn-cpu');
      expect(text).toContain('Latency (ms)');
      expect(text).toMatch(/p99\d+\.\d ms/);
      expect(await figure.locator('line.crosshair.on').count()).toBe(1);
      await page.mouse.move(1, 1);
      await expect.poll(() => tooltip.isVisible(), { timeout: 10_000 }).toBe(false);
      expect(consoleErrors).toEqual([]);
    });
  });

  it('a hostile report: its names print as text, nothing runs, nothing loads', async () => {
    const hostile = `<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>&"'`;
    const s = scenario({ name: hostile, description: hostile, faults: [fault({ name: hostile })], assertions: [assertion({ expected: hostile, evidence: { x: `</script><script>window.pwned=3</script>` } })], findings: [hostile], files: { recording: `${hostile}.json`, logs: ['https://example.com/log'] } });
    const file = await writeReport('hostile', report([s], { run: { suite: hostile } }));
    const result = await checkReportInBrowser(file, path.join(dir, 'hostile', 'report.png'));
    expect(result.requests).toEqual([pathToFileURL(file).href]);
    expect(result.consoleErrors).toEqual([]);
    expect(result.scenarios).toEqual([{ name: hostile, charts: 1, faultWindows: 1 }]);
    await withReportPage(file, {}, async ({ page }) => {
      expect(await page.evaluate<unknown>('window.pwned')).toBeUndefined();
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('h1').textContent()).toBe(hostile);
      expect(await page.locator(`[data-fault-window]`).getAttribute('data-fault-window')).toBe(hostile);
    });
  });
});
