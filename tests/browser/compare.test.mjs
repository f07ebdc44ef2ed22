// tests/browser/compare.test.mjs — 单位对比 (#/compare) in a real browser against the real
// daemon with the demo data (its own daemon and Chromium via harness.mjs).
// Covers: the admin opens #/compare?cycle=2&units=A,B with the two best-ranked units of the
// demo's review cycle 2; the radar chart (Apache ECharts, served from web/vendor) draws a
// canvas of real size; the table shows each unit's total and every indicator value equal to
// GET …/compare (and so to the results route, see it_compare.c); an indicator's toggle opens
// the reviewers' comments and quotes; the heatmap draws; clicking a unit's chip link opens its
// history (#/compare?unit=YL-SFJ) with 2022 and 2023 columns and a line chart; the page has no
// horizontal scrolling at 1366×768; a reviewer sees the closed 2022 cycle only. No console or
// page errors (a CSP refusal of ECharts' inline styles would be one).
// Screenshots: compare.png, compare-comments.png, compare-history.png, compare-reviewer.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, stopDaemon, launchBrowser, screenshot, apiSession, signedInPage,
} from './harness.mjs';

let daemon = null;
let browser = null;
let admin = null;
const problems = [];

before(async () => {
  daemon = await startDaemon();
  browser = await launchBrowser();
  admin = await apiSession(daemon.base, 'admin');
});

after(async () => {
  if (browser) await browser.close();
  await stopDaemon(daemon);
});

/* Waits until the ECharts chart in container sel has drawn a canvas; returns its size. */
async function chartSize(page, sel) {
  const canvas = page.locator(sel + ' canvas').first();
  await canvas.waitFor();
  const box = await canvas.boundingBox();
  assert.ok(box && box.width > 200 && box.height > 150, `${sel}: canvas ${JSON.stringify(box)}`);
  return box;
}

const fmt = (n) => (typeof n === 'number' ? String(Math.round(n * 100) / 100) : '—');

test('the admin compares two units, sees the heatmap and a unit\'s history', async () => {
  const res = await admin.call('GET', '/api/v1/cycles/2/results');
  assert.equal(res.status, 200);
  const [a, b] = res.body.results.units;
  const cmp = await admin.call('GET', `/api/v1/cycles/2/compare?units=${a.code},YL-SFJ`);
  assert.equal(cmp.status, 200);

  const page = await signedInPage(browser, daemon.base, problems, 'admin');
  await page.goto(`${daemon.base}/#/compare?cycle=2&units=${a.code},YL-SFJ`);
  await page.locator('h1', { hasText: '单位对比' }).waitFor();
  await chartSize(page, '#compare-radar');
  await chartSize(page, '#compare-heatmap');
  assert.match(await page.locator('#compare-chips').textContent(), /云岭县司法局/);

  // totals and every indicator value as the API gives them
  const table = page.locator('#compare-table');
  await table.waitFor();
  for (const u of cmp.body.units) {
    assert.equal((await table.locator(`tr.compare-total td[data-unit="${u.code}"]`).textContent()).trim(), u.total.toFixed(2));
  }
  const leafRows = table.locator('tr.compare-leaf');
  assert.equal(await leafRows.count(), cmp.body.leaves.length);
  const shown = await leafRows.evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td[data-unit]')].map((td) => td.textContent.trim())));
  cmp.body.leaves.forEach((l, i) => {
    const want = cmp.body.units.map((u) => (u.values[i] === null ? '不适用' : fmt(u.values[i])));
    assert.deepEqual(shown[i], want, `indicator ${l.code}`);
  });

  // an indicator with a quote: its toggle opens the reviewers' notes side by side
  const leafWithQuote = cmp.body.leaves.find((l) => Object.values(cmp.body.comments[l.code] || {}).some((list) => list.some((e) => e.quotes.length)));
  assert.ok(leafWithQuote, 'the demo has evidence quotes');
  const row = table.locator(`tr.compare-leaf[data-leaf="${leafWithQuote.code}"]`);
  await row.locator('button.compare-toggle').click();
  assert.equal(await row.locator('button.compare-toggle').getAttribute('aria-expanded'), 'true');
  const detail = table.locator('tr.compare-detail:not([hidden])').first();
  await detail.locator('blockquote.compare-quote').first().waitFor();
  assert.equal(await detail.locator('td.compare-detail-cell').count(), 2);
  await screenshot(page, 'compare.png');
  await detail.scrollIntoViewIfNeeded();
  await screenshot(page, 'compare-comments.png');

  // no horizontal scrolling at 1366×768
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `page scrolls sideways by ${overflow}px`);

  // removing a chip leaves one unit: the hint instead of the table; adding one back
  await page.getByRole('button', { name: '移除 云岭县司法局' }).click();
  await page.locator('#compare-table-panel').getByText('暂无数据').waitFor();
  assert.match(page.url(), new RegExp(`units=${a.code}$`));
  await page.locator('#compare-add').selectOption(b.code);
  await page.locator('#compare-table').waitFor();
  assert.match(page.url(), new RegExp(`units=${a.code},${b.code}$`));

  // a unit's history
  await page.goto(`${daemon.base}/#/compare?unit=YL-SFJ`);
  await page.locator('#history-unit', { hasText: '云岭县司法局' }).waitFor();
  const years = await page.locator('#history-table thead th[data-year]').evaluateAll((ths) => ths.map((th) => th.textContent.trim()));
  assert.deepEqual(years, ['2022', '2023']);
  await chartSize(page, '#history-line');
  const hist = await admin.call('GET', '/api/v1/units/YL-SFJ/history');
  const totals = await page.locator('#history-table tr.compare-total').first().locator('td').allTextContents();
  assert.deepEqual(totals.map((s) => s.trim()), hist.body.cycles.map((c) => c.total.toFixed(2)));
  await screenshot(page, 'compare-history.png');
  await page.context().close();
  assert.deepEqual(problems, []);
});

test('a reviewer compares within the published 2022 cycle', async () => {
  const page = await signedInPage(browser, daemon.base, problems, 'reviewer1', 'reviewer1');
  await page.goto(`${daemon.base}/#/compare?units=YL-SFJ,YL-SCJ`);
  await page.locator('#compare-table').waitFor();
  const options = await page.locator('#compare-cycle option').allTextContents();
  assert.equal(options.length, 1);
  assert.match(options[0], /2022/);
  await chartSize(page, '#compare-radar');
  await chartSize(page, '#compare-heatmap');
  const row = page.locator('#compare-table tr.compare-leaf').first();
  await row.locator('button.compare-toggle').click();
  const notes = await page.locator('tr.compare-detail:not([hidden]) .compare-note-head strong').allTextContents();
  assert.ok(notes.length > 0 && notes.every((n) => /^评审专家\d+$/.test(n)), notes.join(','));
  await screenshot(page, 'compare-reviewer.png');
  await page.context().close();
  assert.deepEqual(problems, []);
});
