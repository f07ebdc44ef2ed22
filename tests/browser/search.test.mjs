// tests/browser/search.test.mjs — 全文检索 (#/search) in a real browser against the real daemon
// (its own demo daemon and Chromium via harness.mjs).
//
// Covers: the header search box opening #/search?q=…; results for 法律顾问 with the hits as
// <mark>法律顾问</mark> (the snippet's U+0002/U+0003 never reach the page), the total, the
// cycle filter, a one-character query (法), the Chinese empty state, Back to the previous
// search, a result opening the report view with the words marked; the order the server used
// shown in Chinese (the daemon runs with KAOPING_SEARCH_RANK_MAX=3, so 法律顾问 comes newest
// stored first and a unit's own two reports by relevance); a unit user
// (unit-YL-SFJ) finding only the own unit's reports and seeing no kind filter; the entry in
// every role's navigation; no console or page errors. Screenshot: search.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, stopDaemon, launchBrowser, screenshot, signedInPage,
} from './harness.mjs';

let daemon = null;
let browser = null;
const problems = [];


const signedIn = (label, who, opts) => signedInPage(browser, daemon.base, problems, label, who, opts);

/* Waits for the reply of GET /api/v1/search with q, after running act. */
async function searched(page, q, act) {
  const reply = page.waitForResponse((r) => r.url().includes('/api/v1/search?') && new URL(r.url()).searchParams.get('q') === q);
  await act();
  const res = await reply;
  assert.equal(res.status(), 200, `GET /api/v1/search?q=${q}`);
  return res.json();
}

const total = async (page) => Number(await page.locator('#search-total').getAttribute('data-total'));

/* The order note under the total: its data-order and its Chinese text, as the reply says. */
async function orderShown(page, reply) {
  const note = page.locator('#search-order');
  assert.equal(await note.getAttribute('data-order'), reply.order);
  const want = reply.order === 'recent' ? '按存入系统的先后排列（最新的在前），不按相关程度' : '按相关程度排列';
  assert.match(await note.textContent(), new RegExp(want.replace(/[()（）]/g, '.')));
}

before(async () => {
  // Rank by relevance up to 3 matches only, so that the demo's common words show the other order.
  process.env.KAOPING_SEARCH_RANK_MAX = '3';
  daemon = await startDaemon();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  await stopDaemon(daemon);
});

test('admin searches 法律顾问 from the header: marked hits, total, filters, one character, nothing found', async () => {
  const page = await signedIn('search-admin', 'admin');
  const reply = await searched(page, '法律顾问', async () => {
    await page.getByRole('searchbox', { name: '全文检索' }).fill('法律顾问');
    await page.getByRole('searchbox', { name: '全文检索' }).press('Enter');
  });
  await page.locator('h1', { hasText: '全文检索' }).waitFor();
  assert.match(decodeURIComponent(page.url()), /#\/search\?q=法律顾问$/);
  assert.equal(await page.getByRole('navigation', { name: '主导航' }).locator('[aria-current="page"]').textContent(), '全文检索');
  await page.locator('#search-list li').first().waitFor();
  assert.ok(reply.total > 0, 'the demo reports mention 法律顾问');
  assert.equal(await total(page), reply.total);
  await page.locator('#search-total', { hasText: `共 ${reply.total} 份报告包含“法律顾问”` }).waitFor();
  assert.equal(await page.locator('#search-list li').count(), Math.min(20, reply.total));
  const marks = await page.locator('#search-list mark').allTextContents();
  assert.ok(marks.length >= reply.results.length, 'every result has a hit');
  assert.equal(marks[0], '法律顾问');
  assert.ok(marks.every((m) => m === '法律顾问'), `marks: ${marks.join(',')}`);
  const text = await page.locator('#search-list').textContent();
  assert.doesNotMatch(text, /[\u0002\u0003]/, 'no control characters on the page');
  const first = page.locator('#search-list li').first();
  assert.equal(await first.locator('.result-unit').textContent(), reply.results[0].unit.name);
  assert.match(await first.textContent(), new RegExp(reply.results[0].cycle.title));
  assert.ok(reply.total > 3 && reply.order === 'recent' && reply.total_capped === false, JSON.stringify({ total: reply.total, order: reply.order }));
  await orderShown(page, reply);
  await screenshot(page, 'search.png');

  // The cycle filter narrows to one cycle (GET …&cycle=1).
  const c1 = await searched(page, '法律顾问', () => page.getByLabel('考核周期').selectOption({ label: '云岭县2022年度法治政府建设考核' }));
  await page.waitForFunction((n) => document.querySelector('#search-total')?.dataset.total === String(n), c1.total);
  const cycles = await page.locator('#search-list .result-cycle').allTextContents();
  assert.ok(cycles.length > 0 && cycles.every((c) => c === '云岭县2022年度法治政府建设考核'), 'only 2022 results');
  assert.ok(c1.total < reply.total);

  // One character works.
  await page.getByLabel('考核周期').selectOption({ label: '全部考核周期' });
  const one = await searched(page, '法', async () => {
    await page.getByRole('searchbox', { name: '搜索内容' }).fill('法');
    await page.getByRole('button', { name: '搜索', exact: true }).click();
  });
  assert.ok(one.total > 0);
  await page.waitForFunction((n) => document.querySelector('#search-total')?.dataset.total === String(n), one.total);
  assert.equal(await page.locator('#search-list mark').first().textContent(), '法');

  // Nothing found: the Chinese empty state.
  await searched(page, '量子纠缠', async () => {
    await page.getByRole('searchbox', { name: '搜索内容' }).fill('量子纠缠');
    await page.getByRole('searchbox', { name: '搜索内容' }).press('Enter');
  });
  await page.locator('#search-empty', { hasText: '未找到包含“量子纠缠”的报告' }).waitFor();

  // Back returns to the previous search.
  await page.goBack();
  await page.locator('#search-total', { hasText: '包含“法”' }).waitFor();
  assert.equal(await page.getByRole('searchbox', { name: '搜索内容' }).inputValue(), '法');

  // A result opens the report view with the words marked.
  await searched(page, '法律顾问', async () => {
    await page.getByRole('searchbox', { name: '搜索内容' }).fill('法律顾问');
    await page.getByRole('searchbox', { name: '搜索内容' }).press('Enter');
  });
  const link = page.locator('#search-list li').first().locator('a');
  const href = await link.getAttribute('href');
  assert.match(href, /^#\/cycles\/\d+\/units\/[^/]+\/report\?q=/);
  await link.click();
  await page.locator('#report-text mark.hit').first().waitFor();
  assert.equal(await page.locator('#report-text mark.hit').first().textContent(), '法律顾问');
  await page.locator('#report-hits', { hasText: /已标出“法律顾问”，共 \d+ 处/ }).waitFor();
  await page.context().close();
});

test('unit-YL-SFJ searching finds only the own unit\'s reports', async () => {
  const page = await signedIn('search-unit', 'unit-YL-SFJ');
  const nav = page.getByRole('navigation', { name: '主导航' });
  await nav.getByRole('link', { name: '全文检索' }).click();
  await page.locator('h1', { hasText: '全文检索' }).waitFor();
  await page.getByText('在年度报告全文中查找').waitFor();
  assert.equal(await page.locator('#search-kind').count(), 0, 'no kind filter for a unit');
  const reply = await searched(page, '法律顾问', async () => {
    await page.getByRole('searchbox', { name: '搜索内容' }).fill('法律顾问');
    await page.getByRole('searchbox', { name: '搜索内容' }).press('Enter');
  });
  await page.locator('#search-list li').first().waitFor();
  assert.ok(reply.total > 0, 'the unit\'s own reports mention 法律顾问');
  const units = await page.locator('#search-list li').evaluateAll((ls) => ls.map((l) => l.dataset.unit));
  assert.ok(units.length > 0 && units.every((u) => u === 'YL-SFJ'), `units: ${units.join(',')}`);
  assert.ok(reply.results.every((r) => r.unit.code === 'YL-SFJ'));
  const names = await page.locator('#search-list .result-unit').allTextContents();
  assert.ok(names.every((n) => n === '云岭县司法局'));
  assert.equal(reply.order, 'relevance', 'two reports at most: ranked');
  await orderShown(page, reply);

  // A reviewer has the entry as well.
  const rev = await signedIn('search-reviewer', 'reviewer1');
  await rev.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '全文检索' }).waitFor();
  await rev.context().close();
  await page.context().close();
});

test('no console errors and no page errors during the whole run', () => {
  assert.deepEqual(problems, []);
});
