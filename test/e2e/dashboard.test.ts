/// <reference lib="dom" />
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitFor } from '../helpers/http.ts';
import { type Stack, startStack } from '../helpers/stack.ts';

/** Debian's Chromium; .ci/run installs it. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'dashboard-token-0123456789';
let stack: Stack;
let browser: Browser;

describe.skipIf(!existsSync(CHROMIUM))('dashboard (headless Chromium)', () => {
  beforeAll(async () => {
    stack = await startStack({
      ct: { dataset: 'small' },
      env: { SYNC_API_TOKEN: TOKEN, PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}' },
      service: { profileBatchSize: 100 },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('asks for the token, starts an import, shows progress moving and the final counts, stops a run, deletes all only after typed confirmation', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${stack.service.url}/dashboard`);
    await page.waitForFunction(() => document.querySelector('#message')?.textContent?.includes('API token'));
    await page.fill('#token', TOKEN);
    await page.click('#save-token');

    // Start customers and watch the progress move until the final counts.
    await request('POST', `${stack.klaviyo.url}/__emulator/faults`, {
      headers: { 'content-type': 'application/json' },
      body: { target: 'bulk_import_profiles', kind: 'slow', delayMs: 1200, count: 1000 },
    });
    await page.evaluate(() => {
      const w = window as unknown as { samples: string[] };
      w.samples = [];
      setInterval(() => {
        const status = document.querySelector('#card-customers [data-field=status]')?.textContent ?? '';
        const width =
          (document.querySelector('#card-customers [data-field=bar]') as HTMLElement | null)?.style.width ?? '';
        w.samples.push(`${status}|${width}`);
      }, 100);
    });
    await page.click('#card-customers [data-action=start]');
    await page.waitForFunction(
      () => document.querySelector('#card-customers [data-field=status]')?.textContent === 'completed',
      undefined,
      { timeout: 40_000 },
    );
    const samples = await page.evaluate(() => (window as unknown as { samples: string[] }).samples);
    const during = samples.filter((x) => x.startsWith('running|')).map((x) => Number.parseInt(x.split('|')[1], 10));
    expect(new Set(during).size, `progress seen: ${[...new Set(samples)].join(', ')}`).toBeGreaterThan(1);
    expect(await page.textContent('#card-customers [data-field=counts]')).toMatch(
      /^1000\/1000 processed · 1000 imported · 0 failed · 0 skipped/,
    );
    expect(await page.$eval('#card-customers [data-field=bar]', (el) => (el as HTMLElement).style.width)).toBe('100%');

    // Start orders and stop them from the page.
    await request('POST', `${stack.klaviyo.url}/__emulator/faults`, {
      headers: { 'content-type': 'application/json' },
      body: { target: 'bulk_create_events', kind: 'slow', delayMs: 1500, count: 1000 },
    });
    await page.click('#card-orders [data-action=start]');
    await page.waitForFunction(
      () => document.querySelector('#card-orders [data-field=status]')?.textContent === 'running',
      undefined,
      { timeout: 20_000 },
    );
    await page.click('#card-orders [data-action=stop]');
    await page.waitForFunction(
      () => document.querySelector('#card-orders [data-field=status]')?.textContent === 'stopped',
      undefined,
      { timeout: 30_000 },
    );

    // Delete-all: a wrong confirmation does nothing; the typed type name runs it.
    await page.click('#card-categories [data-action=start]');
    await page.waitForFunction(
      () => document.querySelector('#card-categories [data-field=status]')?.textContent === 'completed',
      undefined,
      { timeout: 30_000 },
    );
    page.once('dialog', (d) => void d.accept('yes'));
    await page.click('#card-categories [data-action=delete]');
    await page.waitForFunction(() => document.querySelector('#message')?.textContent?.includes('cancelled'));
    page.once('dialog', (d) => void d.accept('categories'));
    await page.click('#card-categories [data-action=delete]');
    await page.waitForFunction(() =>
      document.querySelector('#message')?.textContent?.startsWith('Deleting all categories'),
    );
    const emptied = await waitFor(
      async () => (await request<any>('GET', `${stack.klaviyo.url}/__emulator/summary`)).body.catalog.categories === 0,
      30_000,
      'the catalog categories to be deleted',
    );
    expect(emptied).toBe(true);

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true });
    expect(existsSync('test-artifacts/dashboard.png')).toBe(true);
  });
});
