// tests/browser/results.test.mjs — 考核结果 (#/results), a unit's trace (#/results/UNIT) and the
// cycle's aggregation settings (#/cycles/{id}, 评分设置 → 结果汇总) in a real browser against the
// real daemon (its own demo daemon and Chromium via harness.mjs).
//
// Setup through the API: besides reviewer3's submitted sheets of the demo review cycle 2, two
// more sheets for YL-WJJ (reviewer1 scores every leaf 0, reviewer2 every leaf its maximum) and
// one for YL (reviewer2, maxima), so there are disagreements and the methods differ.
// Covers: the page opens on cycle 2 (?cycle=2 put into the URL) with the counts, grades and the
// ranking equal to GET /api/v1/cycles/2/results (ranks with ties, totals, grade, sheets); no
// horizontal page scrolling at 1366×768; the kind filter; switching the method (中位数 /
// 去高低平均) puts ?method= into the URL and shows the API's values for that method, and the
// export links carry it; the disagreements tab lists the API's flagged leaves; the sensitivity
// tab; a unit's trace (YL-WJJ): the reviewers' scores by name, the four aggregates with the
// official one highlighted, flagged rows, the scoring steps and ranking sentences as the API
// gives them, the link back; the statistics tab (reviewers with completion, leniency, ICC per
// indicator) equal to GET …/statistics; the export links (xlsx, csv, json) point at the routes
// and the CSV downloads with a UTF-8 BOM; the aggregation settings (method, quota, threshold,
// show_ranks) save as one PATCH, are shown after a reload, and the results page then marks the
// new official method; a cycle before review says so. No console or page errors.
// Screenshots: results.png, results-median.png, results-disagreements.png, result-trace.png,
// results-stats.png, results-settings.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  startDaemon, stopDaemon, launchBrowser, screenshot, apiSession, signedInPage, rowCells,
} from './harness.mjs';

let daemon = null;
let browser = null;
let admin = null;
const problems = [];
const CYCLE = 2;

before(async () => {
  daemon = await startDaemon();
  browser = await launchBrowser();
  admin = await apiSession(daemon.base, 'admin');
  await submitSheet('reviewer1', 'YL-WJJ', () => 0);
  await submitSheet('reviewer2', 'YL-WJJ', (max) => max);
  await submitSheet('reviewer2', 'YL', (max) => max);
});

after(async () => {
  if (browser) await browser.close();
  await stopDaemon(daemon);
  assert.deepEqual(problems, [], 'no console or page errors');
});

const signedIn = (label, who, opts) => signedInPage(browser, daemon.base, problems, label, who, opts);

async function get(p) {
  const r = await admin.call('GET', p);
  assert.equal(r.status, 200, `GET ${p}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/* Scores every applicable leaf of WHO's sheet for UNIT in cycle 2 with points(max) and
 * submits it. */
async function submitSheet(who, unit, points) {
  const s = await apiSession(daemon.base, who);
  const sheet = await s.call('GET', `/api/v1/cycles/${CYCLE}/units/${unit}/scores`);
  assert.equal(sheet.status, 200, JSON.stringify(sheet.body));
  const c = (await get(`/api/v1/cycles/${CYCLE}`)).cycle;
  const rubric = (await get(`/api/v1/rubrics/${c.rubric_id}`)).rubric;
  const kind = (await get('/api/v1/units?q=' + encodeURIComponent(unit))).units.find((u) => u.code === unit).kind;
  const items = {};
  const walk = (n) => {
    if (Array.isArray(n.applies_to) && !n.applies_to.includes(kind)) return;
    if (Array.isArray(n.children)) n.children.forEach(walk);
    else if (typeof n.max_points === 'number') items[n.code] = { points: points(n.max_points) };
  };
  rubric.areas.forEach(walk);
  const put = await s.call('PUT', `/api/v1/cycles/${CYCLE}/units/${unit}/scores`, { version: sheet.body.sheet.version, items, submit: true });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.sheet.status, 'submitted');
}

const results = async (method) => (await get(`/api/v1/cycles/${CYCLE}/results` + (method ? '?method=' + method : ''))).results;
const rankText = (u) => (u.rank == null ? '—' : u.tied ? `${u.rank}（并列）` : String(u.rank));

/* Checks the first rows of the ranking table against the API's units. */
async function checkRows(page, units, n = 6) {
  const rows = page.locator('#results-table tbody tr');
  for (let i = 0; i < Math.min(n, units.length); i++) {
    const u = units[i];
    const tr = rows.nth(i);
    assert.equal(await tr.getAttribute('data-unit'), u.code, `row ${i}`);
    const text = await rowCells(tr);
    const cells = text.split(' | ');
    assert.equal(cells[0], rankText(u), `rank of ${u.code}`);
    assert.ok(cells[1].includes(u.name), `name of ${u.code}: ${text}`);
    if (u.total != null) assert.equal(cells[4], u.total.toFixed(2), `total of ${u.code}: ${text}`);
    if (u.grade) assert.ok(text.includes(u.grade), `grade of ${u.code}: ${text}`);
    assert.equal(cells[cells.length - 1], String(u.sheets), `sheets of ${u.code}`);
  }
}

test('考核结果: the ranking equals the API, methods switch, tabs and exports', async () => {
  const page = await signedIn('results', 'admin');
  const R = await results();
  assert.ok(R.counts.ranked >= 8, JSON.stringify(R.counts));
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '考核结果' }).click();
  await page.locator('#results-table tbody tr[data-unit]').first().waitFor();
  assert.ok(page.url().endsWith('#/results?cycle=2'), page.url());
  assert.equal(await page.locator('#results-cycle').inputValue(), '2');

  // counts, grades, the official method
  assert.equal(await page.locator('#results-count-units .stat-value').innerText(), String(R.counts.units));
  assert.equal(await page.locator('#results-count-ranked .stat-value').innerText(), String(R.counts.ranked));
  assert.equal(await page.locator('#results-count-sheets .stat-value').innerText(), String(R.counts.sheets));
  for (const b of R.grades) {
    const li = page.locator(`#results-grades li[data-grade="${b.name}"]`);
    assert.ok((await li.innerText()).includes(String(b.count)), `band ${b.name}`);
  }
  const mean = page.locator('#results-method [data-method="mean"]');
  assert.equal(await mean.getAttribute('aria-pressed'), 'true');
  assert.ok((await mean.innerText()).includes('官方'));

  // the ranking: every unit, in the API's order, with ranks (ties), totals, grades, sheets
  const units = R.units;
  assert.equal(await page.locator('#results-table tbody tr[data-unit]').count(), Math.min(25, units.length));
  await checkRows(page, units, units.length);
  assert.ok(await page.locator('#results-table thead th.col-area').count() === R.areas.length);
  const wjj = units.find((u) => u.code === 'YL-WJJ');
  assert.ok(wjj.disputed.length > 0, 'YL-WJJ has disputed leaves');
  assert.ok((await rowCells(page.locator('#results-table tr[data-unit="YL-WJJ"]'))).endsWith(` | ${wjj.disputed.length} | 3`));

  // no horizontal page scrolling at 1366×768 (the table scrolls inside its panel)
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), 'no page scroll');
  await screenshot(page, 'results.png');

  // the kind filter
  const kind = units[0].kind;
  const shownRows = (n) => page.waitForFunction((k) => !document.querySelector('#results-table .row-message') &&
    document.querySelectorAll('#results-table tbody tr[data-unit]').length === k, n);
  await page.locator('#results-kind').selectOption(kind);
  const ofKind = units.filter((u) => u.kind === kind);
  await shownRows(ofKind.length);
  await page.locator('#results-kind').selectOption('');
  await shownRows(Math.min(25, units.length));

  // the search (the server filters by unit name or code)
  await page.locator('#results-q').fill(wjj.name);
  await shownRows(1);
  assert.equal(await page.locator('#results-table tbody tr[data-unit]').getAttribute('data-unit'), 'YL-WJJ');
  assert.ok((await page.locator('#results-table-count').innerText()).includes('显示 1 个'));
  await page.locator('#results-q').fill('没有这个单位');
  await page.locator('#results-table .row-message', { hasText: '没有符合条件的单位' }).waitFor();
  await page.locator('#results-q').fill('');
  await shownRows(Math.min(25, units.length));

  // switching the method: the URL and the values follow the API
  for (const m of ['median', 'trimmed']) {
    const res = page.waitForResponse((r) => r.url().includes(`/results?method=${m}`));
    await page.locator(`#results-method [data-method="${m}"]`).click();
    assert.equal((await res).status(), 200);
    await page.waitForFunction((mm) => location.hash.includes('method=' + mm), m);
    const Rm = await results(m);
    await page.waitForFunction(() => !document.querySelector('#results-table .row-message'));
    await checkRows(page, Rm.units, Rm.units.length);
    assert.equal(await page.locator(`#results-method [data-method="${m}"]`).getAttribute('aria-pressed'), 'true');
    assert.ok((await page.locator('#results-export-csv').getAttribute('href')).endsWith(`/export.csv?method=${m}`));
    if (m === 'median') await screenshot(page, 'results-median.png');
  }
  // back to the official method: no method in the URL
  await page.locator('#results-method [data-method="mean"]').click();
  await page.waitForFunction(() => !location.hash.includes('method='));

  // the export links point at the routes
  for (const f of ['xlsx', 'csv', 'json']) {
    assert.equal(await page.locator('#results-export-' + f).getAttribute('href'), `api/v1/cycles/${CYCLE}/export.${f}`);
  }
  const dl = page.waitForEvent('download');
  await page.locator('#results-export-csv').click();
  const file = await dl;
  const bytes = readFileSync(await file.path());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'CSV starts with the UTF-8 BOM');
  assert.ok(bytes.toString('utf8').includes('云岭县人民政府'));

  // disagreements: the API's flagged leaves, with min–max
  await page.getByRole('tab', { name: '分歧较大的指标' }).click();
  await page.waitForFunction(() => location.hash.includes('tab=disagreements'));
  const dis = page.locator('#results-dis-table tbody tr[data-leaf]');
  assert.equal(await dis.count(), Math.min(25, R.disagreements.length));
  const d0 = R.disagreements[0];
  const t0 = await rowCells(dis.first());
  assert.ok(t0.includes(d0.leaf) && t0.includes(`${d0.min} – ${d0.max}`), t0);
  assert.ok(t0.includes(units.find((u) => u.code === d0.unit).name), t0);
  // more than a page of them: the server gives the next page
  assert.ok(R.disagreements.length > 25, `${R.disagreements.length} disagreements`);
  await page.locator('#results-dis-pager-next').click();
  await page.waitForFunction((code) => {
    const tr = document.querySelector('#results-dis-table tbody tr[data-leaf]');
    return tr && tr.dataset.leaf === code;
  }, R.disagreements[25].leaf);
  assert.equal(await dis.count(), Math.min(25, R.disagreements.length - 25));
  assert.equal(await page.locator('#results-dis-pager-page').innerText(), `第 2 / ${Math.ceil(R.disagreements.length / 25)} 页`);
  await page.locator('#results-dis-pager-prev').click();
  await page.waitForFunction((code) => document.querySelector('#results-dis-table tbody tr[data-leaf]').dataset.leaf === code, d0.leaf);
  await screenshot(page, 'results-disagreements.png');

  // the tabs answer the arrow keys; sensitivity lists the API's units
  await page.getByRole('tab', { name: '分歧较大的指标' }).press('ArrowRight');
  assert.equal(await page.getByRole('tab', { name: '汇总方法影响' }).getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('#results-sen-table tbody tr[data-unit]').count(), Math.min(25, R.sensitivity.length));
  await page.context().close();
});

test('a unit\'s trace: the reviewers\' scores, every method, the steps', async () => {
  const page = await signedIn('trace', 'admin');
  const T = (await get(`/api/v1/cycles/${CYCLE}/results/YL-WJJ`)).unit;
  await page.goto(daemon.base + `/#/results?cycle=${CYCLE}`);
  await page.locator('#results-table tr[data-unit="YL-WJJ"] a').click();
  await page.locator('#trace-steps li').first().waitFor();
  assert.ok(page.url().endsWith(`#/results/YL-WJJ?cycle=${CYCLE}`), page.url());
  await page.getByRole('heading', { level: 1, name: T.name }).waitFor();
  assert.equal(await page.locator('#trace-total .stat-value').innerText(), T.total.toFixed(2));
  assert.equal(await page.locator('#trace-rank .stat-value').innerText(), rankText(T));

  // the scoring steps and ranking sentences as the API says
  assert.deepEqual(await page.locator('#trace-steps li').allInnerTexts(), T.trace.scoring.steps);
  assert.deepEqual(await page.locator('#trace-ranking li').allInnerTexts(), T.trace.ranking);

  // the reviewers by name; each leaf's scores and aggregates
  const names = new Map((await get(`/api/v1/cycles/${CYCLE}/assignments`)).assignments.map((a) => [a.reviewer, a.reviewer_name]));
  const heads = await page.locator('.trace-table').first().locator('thead th').allInnerTexts();
  for (const r of ['reviewer1', 'reviewer2', 'reviewer3']) assert.ok(heads.includes(names.get(r)), `${r} in ${heads}`);
  const leaf = T.trace.leaves.find((l) => l.status === 'scored' && l.flag);
  assert.ok(leaf, 'a flagged leaf');
  const row = page.locator(`.trace-table tr[data-leaf="${leaf.code}"]`);
  assert.ok(await row.evaluate((tr) => tr.classList.contains('is-flagged')));
  const cells = (await rowCells(row)).split(' | ');
  const pts = (x) => String(Math.round(x * 100) / 100);
  assert.deepEqual(cells.slice(1, 4), leaf.scores.map((s) => pts(s.points)));
  assert.deepEqual(cells.slice(4, 8), ['mean', 'median', 'trimmed', 'normalized'].map((m) => pts(leaf[m])));
  assert.ok(cells[0].includes('分歧大'));
  assert.equal(await row.locator('td.is-shown').getAttribute('data-method'), 'mean');
  // the reviewers' own totals
  for (const r of T.trace.reviewers) {
    assert.ok((await rowCells(page.locator(`#trace-reviewers tr[data-login="${r.reviewer}"]`))).includes(r.total.toFixed(2)));
  }
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), 'no page scroll');
  await screenshot(page, 'result-trace.png');

  // back to the ranking
  await page.locator('#trace-back').click();
  await page.locator('#results-table tbody tr[data-unit]').first().waitFor();
  assert.ok(page.url().endsWith(`#/results?cycle=${CYCLE}`));
  await page.context().close();
});

test('评审统计: reviewers, agreement per indicator, outliers', async () => {
  const page = await signedIn('stats', 'admin');
  const S = (await get(`/api/v1/cycles/${CYCLE}/statistics`)).statistics;
  await page.goto(daemon.base + `/#/results?cycle=${CYCLE}&tab=statistics`);
  await page.locator('#stats-reviewers tbody tr[data-login]').first().waitFor();
  assert.equal(await page.getByRole('tab', { name: '评审统计' }).getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('#stats-reviewers tbody tr[data-login]').count(), Math.min(25, S.reviewers.length));
  for (const r of S.reviewers) {
    const text = await rowCells(page.locator(`#stats-reviewers tr[data-login="${r.reviewer}"]`));
    assert.ok(text.includes(r.leniency.label), `${r.reviewer}: ${text}`);
    assert.ok(text.includes(`${r.submitted} / ${r.assigned - r.recused}`), text);
  }
  const i0 = S.indicators.find((l) => l.icc != null) || S.indicators[0];
  const it = await rowCells(page.locator(`#stats-indicators tr[data-leaf="${i0.code}"]`));
  assert.ok(it.includes(i0.label), it);
  if (i0.icc != null) assert.ok(it.includes(i0.icc.toFixed(2)), it);
  assert.equal(await page.locator('#stats-outliers tbody tr[data-leaf]').count(), Math.min(25, S.outliers.items.length));
  await page.locator('#results-tabs').evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 70));
  await screenshot(page, 'results-stats.png');
  await page.context().close();
});

test('结果汇总 settings: saved as one PATCH, shown after a reload, the results follow', async () => {
  const page = await signedIn('results-settings', 'admin');
  await page.goto(daemon.base + '/#/cycles/' + CYCLE);
  const box = page.locator('#cycle-settings');
  await box.locator('#settings-quotas input[data-grade="优秀"]').waitFor();
  // the lowest band has no quota
  assert.equal(await box.locator('#settings-quotas input[data-grade="不合格"]').count(), 0);
  await box.getByLabel('中位数：', { exact: false }).check();
  await box.getByLabel('优秀 最多').fill('25');
  await box.getByLabel('分歧提示阈值（占指标满分的百分比）').fill('40');
  await box.getByLabel('公示时显示排名').uncheck();
  const patch = page.waitForResponse((r) => r.url().endsWith('/api/v1/cycles/' + CYCLE) && r.request().method() === 'PATCH');
  await box.getByRole('button', { name: '保存评分设置' }).click();
  const res = await patch;
  assert.equal(res.status(), 200, await res.text());
  assert.deepEqual(JSON.parse(res.request().postData()), {
    settings: { aggregation: { method: 'median', quotas: [{ grade: '优秀', max_share: 0.25 }], flag_share: 0.4 }, show_ranks: false },
  });
  await box.locator('#settings-state', { hasText: '评分设置已保存。' }).waitFor();
  const s = (await get('/api/v1/cycles/' + CYCLE)).cycle.settings;
  assert.equal(s.aggregation.method, 'median');
  assert.deepEqual(s.aggregation.quotas, [{ grade: '优秀', max_share: 0.25 }]);
  assert.equal(s.aggregation.flag_share, 0.4);
  assert.equal(s.show_ranks, false);
  await box.locator('.settings-sub').evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 80));
  await screenshot(page, 'results-settings.png');

  // shown again after a reload
  await page.reload();
  await box.locator('#settings-quotas input[data-grade="优秀"]').waitFor();
  await page.waitForFunction(() => document.querySelector('#settings-quotas input[data-grade="优秀"]').value === '25');
  assert.equal(await box.getByLabel('中位数：', { exact: false }).isChecked(), true);
  assert.equal(await box.getByLabel('分歧提示阈值（占指标满分的百分比）').inputValue(), '40');
  assert.equal(await box.getByLabel('公示时显示排名').isChecked(), false);
  // a bad threshold is said here
  await box.getByLabel('分歧提示阈值（占指标满分的百分比）').fill('0');
  await box.getByRole('button', { name: '保存评分设置' }).click();
  await box.locator('[data-field="flag_share"] .field-error', { hasText: '请输入大于 0、不超过 100 的数字。' }).waitFor();
  await box.getByLabel('分歧提示阈值（占指标满分的百分比）').fill('40');

  // the results page now marks 中位数 as official and shows the quota
  await page.goto(daemon.base + `/#/results?cycle=${CYCLE}`);
  const R = await results();
  assert.equal(R.method, 'median');
  await page.locator('#results-table tbody tr[data-unit]').first().waitFor();
  const med = page.locator('#results-method [data-method="median"]');
  assert.equal(await med.getAttribute('aria-pressed'), 'true');
  assert.ok((await med.innerText()).includes('官方'));
  const best = R.grades.find((g) => g.name === '优秀');
  assert.ok((await page.locator('#results-grades li[data-grade="优秀"]').innerText()).includes(`名额 ${best.limit}`));
  await checkRows(page, R.units);
  await page.context().close();
});

test('a cycle before review says there are no results yet', async () => {
  const page = await signedIn('results-early', 'admin', { allow: [{ status: 409, url: /\/results(\?|$)/ }] });
  const c = await admin.call('POST', '/api/v1/cycles', { year: 2024, title: '云岭县2024年度法治政府建设考核', rubric_id: 1 });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  await page.goto(daemon.base + `/#/results?cycle=${c.body.cycle.id}`);
  await page.locator('#results-not-open', { hasText: '本周期尚未进入评审阶段' }).waitFor();
  await page.context().close();
});
