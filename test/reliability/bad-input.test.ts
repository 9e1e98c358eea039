import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badInputCorpus, corpusId } from '../helpers/bad-input-corpus.ts';
import { request } from '../helpers/http.ts';
import { KLAVIYO_KEY, type Stack, specViolations, startStack, waitForRun } from '../helpers/stack.ts';

/**
 * A corpus of awkward commercetools data loaded beside the tiny dataset: every record ends succeeded, failed
 * or skipped with a reason, the rest of the import completes, and processed = succeeded + failed + skipped.
 */
type R = Record<string, any>;
const id = corpusId;

/**
 * Twice: with job errors pointing at the entry, and pointing only at the field (all Klaviyo's spec promises),
 * where the service must read back what a job processed rather than count an unattributed row as imported.
 */
describe.each(['entry', 'field'] as const)('bad input corpus (job errors point at the %s)', (errorPointers) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      klaviyo: { jobs: { errorPointers } },
      env: { PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}', PREFERRED_CURRENCY: 'EUR' },
    });
    stack.ct.load(badInputCorpus());
  });
  afterAll(async () => stack.close());

  it('every record of every type ends succeeded, failed or skipped with a reason, and the rest completes', async () => {
    const reports: Record<string, R> = {};
    for (const type of ['categories', 'products', 'customers', 'orders']) {
      expect((await request('POST', `${stack.service.url}/sync/${type}`)).status).toBe(202);
      const r = await waitForRun(stack.service.url, type, 120_000);
      expect(r.status, `${type}: ${JSON.stringify(r.error)}`).toBe('completed');
      expect(r.counts.read).toBe(r.counts.succeeded + r.counts.failed + r.counts.skipped);
      const failures = String((await request<string>('GET', `${stack.service.url}/sync/${type}/failures`)).body ?? '')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      expect(failures.length).toBe(r.counts.failed + r.counts.skipped);
      for (const f of failures) expect(f.reason, JSON.stringify(f)).toMatch(/\w{3}/);
      reports[type] = { ...r, failures };
    }
    const byId = (type: string, n: number) => reports[type].failures.find((f: R) => f.id === id(n));
    expect(byId('customers', 4)).toMatchObject({
      outcome: 'failed',
      reason: expect.stringContaining('at most 100000 bytes per profile'),
    });
    expect(byId('customers', 5)).toMatchObject({ outcome: 'failed', code: 'invalid' });
    // Only the invalid profiles failed: none was counted as imported on a guess, none failed for another's error.
    expect(
      reports.customers.failures
        .filter((f: R) => f.outcome === 'failed')
        .map((f: R) => f.id)
        .sort(),
    ).toEqual([id(4), id(5)]);
    expect(byId('customers', 1)).toBeUndefined();
    // Imported without its unusable phone number, and said so with its id.
    expect(reports.customers.lastErrors).toContainEqual(
      expect.objectContaining({ id: id(2), outcome: 'warning', reason: expect.stringContaining('phone number') }),
    );
    expect(byId('products', 202)).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('no image') });
    expect(byId('orders', 300)).toMatchObject({ outcome: 'skipped' });
    expect(byId('orders', 302)).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('100 KB') });
    expect(byId('orders', 304)).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('between 2000') });
    expect(byId('orders', 305)).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('has 4001 items') });
    // Nothing was accepted by Klaviyo only to be dropped at ingestion.
    expect(
      (await request<R>('GET', `${stack.klaviyo.url}/__emulator/summary?key=${KLAVIYO_KEY}`)).body.events
        .droppedAtIngestion,
    ).toBe(0);
    const summary = (await request<R>('GET', `${stack.klaviyo.url}/__emulator/summary?key=${KLAVIYO_KEY}`)).body;
    expect(summary.catalog.categories).toBe(reports.categories.counts.succeeded);
    expect(summary.catalog.items).toBe(reports.products.counts.succeeded);
    const events = (
      await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/events?key=${KLAVIYO_KEY}&metric=Placed%20Order`)
    ).body;
    expect(events.length).toBe(reports.orders.counts.succeeded);
    expect(events.find((e) => e.unique_id === id(301))).toMatchObject({ value: 1234.567, value_currency: 'KWD' });
    expect(events.find((e) => e.unique_id === id(303))).toMatchObject({ value: 98765, value_currency: 'JPY' });
    const wide = (
      await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/catalog/variants?key=${KLAVIYO_KEY}`)
    ).body.filter((v) => v.item === `$custom:::$default:::${id(200)}`);
    expect(wide).toHaveLength(151);
    expect(await specViolations(stack.klaviyo.url)).toEqual([]);
  });
});
