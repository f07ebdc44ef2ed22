// tests/browser/assignments.test.mjs — 评审分配 (#/assignments) and the cycle's 评分设置
// (#/cycles/{id}) in a real browser against the real daemon (its own demo daemon and Chromium
// via harness.mjs).
//
// Covers: the page opens on the demo review cycle (2023, the cycle in the URL as ?cycle=2)
// with the progress summary equal to GET …/progress, the 按评审人 / 按单位 tabs (keyboard too),
// the table grouped by unit, no horizontal page scrolling at 1366×768; 添加分配 by hand:
// reviewer2 on their own unit YL-SFJ is refused with the server's reason next to the reviewer
// field, another reviewer is assigned (Enter submits), then 取消分配 removes that sheet
// (no scores) after a confirmation; 批量导入: the template (UTF-8 BOM, 单位代码,评审人账号), a CSV
// with a bad row (own unit) shows the problem in red and 确认导入 stays disabled, a good CSV is
// applied and its rows appear; 自动分配 on a fresh cycle (made through the API, every unit):
// first by panel (two reviewers for towns and townships: only they, only there), then
// k = 2 with a cap of 6 → 预览 shows the load (never above 6) and the units left short,
// 确认分配 sends the same seed with apply and stores exactly the preview; a recusal made by a
// reviewer through the API shows in 回避记录 with its reason and is reassigned from the page;
// a sheet submitted through the API (every applicable leaf) is sent back with 退回修改 and a
// required reason; 复制名单 puts one line per late reviewer on the clipboard (Clipboard API, and
// the fallback without it); 登记回避关系 records a conflict that shows in the list; 评分设置
// saves (only what changed, the percentage as a fraction) and shows the saved values after a
// reload, a score step that does not divide a leaf's maximum shows the server's message next
// to the step, blind mode cannot change once the cycle has review scores, a closed cycle's
// settings are disabled. No console or page errors beyond those provoked.
// Screenshots: assignments.png, assign-import.png, assign-auto.png, assign-reopen.png,
// assign-side.png, cycle-settings.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, stopDaemon, launchBrowser, screenshot, apiSession, signedInPage, rowCells,
} from './harness.mjs';

let daemon = null;
let browser = null;
let admin = null;     // the admin's API session
let freshCycle = null; // a cycle made for the auto-assignment and settings tests
const problems = [];
const REVIEW_CYCLE = 2;

before(async () => {
  daemon = await startDaemon();
  browser = await launchBrowser();
  admin = await apiSession(daemon.base, 'admin');
  const c = await admin.call('POST', '/api/v1/cycles', { year: 2024, title: '云岭县2024年度法治政府建设考核', rubric_id: 1 });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  freshCycle = c.body.cycle;
});

after(async () => {
  if (browser) await browser.close();
  await stopDaemon(daemon);
  assert.deepEqual(problems, [], 'no console or page errors');
});

const signedIn = (label, who, opts) => signedInPage(browser, daemon.base, problems, label, who, opts);

// ─── setting things up through the API ───────────────────────────────────

async function get(p) {
  const r = await admin.call('GET', p);
  assert.equal(r.status, 200, `GET ${p}: ${JSON.stringify(r.body)}`);
  return r.body;
}

const assignmentsOf = async (cycle) => (await get(`/api/v1/cycles/${cycle}/assignments`)).assignments;
const progressOf = (cycle) => get(`/api/v1/cycles/${cycle}/progress`);

let reviewerUnits = null; // login → the code of the unit the reviewer belongs to (or null)
async function reviewerUnit(login) {
  if (!reviewerUnits) {
    const users = (await get('/api/v1/users?role=reviewer&limit=100')).users;
    reviewerUnits = new Map(users.map((u) => [u.login, u.unit ? u.unit.code : null]));
  }
  return reviewerUnits.get(login);
}

/* A reviewer (from prefer, in order) who may be assigned to unit: not already on it (in any
 * status), not of the unit, no declared conflict. */
async function freeReviewer(cycle, unit, prefer = ['reviewer6', 'reviewer5', 'reviewer3', 'reviewer1', 'reviewer4']) {
  const on = new Set((await assignmentsOf(cycle)).filter((a) => a.unit === unit).map((a) => a.reviewer));
  const conflicts = (await get('/api/v1/conflicts')).conflicts.filter((c) => c.unit === unit).map((c) => c.reviewer);
  for (const r of prefer) {
    if (!on.has(r) && !conflicts.includes(r) && (await reviewerUnit(r)) !== unit) return r;
  }
  throw new Error(`no free reviewer for ${unit}`);
}

/* Scores every applicable leaf of WHO's sheet for UNIT with its maximum and submits it. */
async function submitSheet(who, cycle, unit) {
  const s = await apiSession(daemon.base, who);
  const sheet = await s.call('GET', `/api/v1/cycles/${cycle}/units/${unit}/scores`);
  assert.equal(sheet.status, 200, JSON.stringify(sheet.body));
  const c = (await get(`/api/v1/cycles/${cycle}`)).cycle;
  const rubric = (await get(`/api/v1/rubrics/${c.rubric_id}`)).rubric;
  const kind = (await get('/api/v1/units?q=' + encodeURIComponent(unit))).units.find((u) => u.code === unit).kind;
  const items = {};
  const walk = (n) => {
    if (Array.isArray(n.applies_to) && !n.applies_to.includes(kind)) return;
    if (Array.isArray(n.children)) n.children.forEach(walk);
    else if (typeof n.max_points === 'number') items[n.code] = { points: n.max_points };
  };
  rubric.areas.forEach(walk);
  const put = await s.call('PUT', `/api/v1/cycles/${cycle}/units/${unit}/scores`, { version: sheet.body.sheet.version, items, submit: true });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.sheet.status, 'submitted');
  return put.body.sheet;
}

const row = (page, id) => page.locator(`#assign-table tbody tr[data-id="${id}"]`);

async function openPage(label, path = '/assignments', opts = {}) {
  const page = await signedIn(label, 'admin', opts);
  await page.goto(daemon.base + '/#' + path);
  await page.locator('#assign-progress-count').waitFor();
  await page.locator('#assign-table tbody tr[data-unit]').first().waitFor();
  return page;
}

// ─── the tests ────────────────────────────────────────────────────────────

test('评审分配: the review cycle by default, its progress, the tabs and the table by unit', async () => {
  const page = await signedIn('assign-open', 'admin');
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '评审分配' }).click();
  await page.locator('h1', { hasText: '评审分配' }).waitFor();
  await page.locator('#assign-progress-count').waitFor();
  await page.waitForFunction((id) => location.hash === '#/assignments?cycle=' + id, REVIEW_CYCLE);
  assert.equal(await page.getByRole('combobox', { name: '考核周期' }).inputValue(), String(REVIEW_CYCLE));
  assert.equal((await page.locator('#assign-cycle option:checked').textContent()).trim(), '云岭县2023年度法治政府建设考核（评审阶段）');

  // The summary is the server's progress.
  const p = await progressOf(REVIEW_CYCLE);
  const sum = (k) => p.reviewers.reduce((s, r) => s + (r[k] || 0), 0);
  const total = sum('not_started') + sum('in_progress') + sum('submitted');
  assert.ok(total > 0);
  assert.equal((await page.locator('#assign-progress-count').textContent()).trim(), `已提交 ${sum('submitted')} / ${total} 份评分表`);
  assert.equal(await page.locator('#assign-progress-bar').getAttribute('aria-label'),
    `评审进度：已提交 ${sum('submitted')}，评分中 ${sum('in_progress')}，未开始 ${sum('not_started')}`);
  await page.locator('#assign-deadline', { hasText: '评审截止：2024-03-31 23:59' }).waitFor();
  if (p.overdue) await page.locator('#assign-deadline', { hasText: '已过截止时间' }).waitFor();

  // 按评审人: one row per reviewer with the server's counts.
  const byReviewer = page.locator('#assign-by-reviewer tbody tr[data-login]');
  assert.equal(await byReviewer.count(), p.reviewers.length);
  const r1 = p.reviewers.find((r) => r.login === 'reviewer1');
  assert.equal(await rowCells(page.locator('#assign-by-reviewer tr[data-login="reviewer1"]')),
    `${r1.display_name} reviewer1 | ${r1.assigned} |  | ${r1.not_started} | ${r1.in_progress} | ${r1.submitted} | ${r1.recused}`);
  // 按单位, reached with the keyboard.
  await page.getByRole('tab', { name: '按评审人' }).focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getByRole('tab', { name: '按单位' }).getAttribute('aria-selected'), 'true');
  await page.locator('#assign-by-unit').waitFor();
  assert.equal(await page.locator('#assign-by-unit tbody tr[data-code]').count(), Math.min(20, p.units.length));
  const sfj = p.units.find((u) => u.code === 'YL-SFJ');
  assert.match(await rowCells(page.locator('#assign-by-unit tr[data-code="YL-SFJ"]')),
    new RegExp(`^云岭县司法局 YL-SFJ \\| ${sfj.not_started + sfj.in_progress + sfj.submitted} \\|  \\| ${sfj.not_started} \\| ${sfj.in_progress} \\| ${sfj.submitted} \\| ${sfj.recused} \\| `));
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.locator('#assign-by-reviewer').isVisible(), true);

  // The table by unit: YL-SFJ with its reviewers, the link to each sheet.
  const list = (await assignmentsOf(REVIEW_CYCLE)).filter((a) => a.unit === 'YL-SFJ');
  assert.ok(list.length >= 1);
  for (const a of list) {
    const tr = row(page, a.id);
    await tr.waitFor();
    assert.equal(await tr.getAttribute('data-reviewer'), a.reviewer);
    assert.equal(await tr.locator('a[data-action="view"]').getAttribute('href'),
      `#/cycles/${REVIEW_CYCLE}/units/YL-SFJ/scoring?sheet=${a.id}`);
  }
  assert.equal(await page.locator('#assign-table tr[data-unit="YL-SFJ"] .cell-group .cell-name').textContent(), '云岭县司法局');
  const heads = (await page.locator('#assign-table thead th').allTextContents()).map((s) => s.trim());
  assert.deepEqual(heads, ['被考核单位', '评审人', '状态', '已评指标', '提交时间', '操作']);

  // The filter: only submitted sheets, then a search by reviewer.
  await page.getByLabel('状态', { exact: true }).selectOption({ label: '已提交' });
  await page.waitForFunction(() => [...document.querySelectorAll('#assign-table tbody tr[data-id]')].every((tr) => tr.dataset.status === 'submitted'));
  await page.getByLabel('状态', { exact: true }).selectOption({ label: '全部' });
  await page.getByRole('searchbox', { name: '搜索单位或评审人' }).fill('reviewer2');
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('#assign-table tbody tr[data-id]')];
    return rows.length > 0 && rows.every((tr) => tr.dataset.reviewer === 'reviewer2');
  });
  await page.getByRole('searchbox', { name: '搜索单位或评审人' }).fill('');
  await page.evaluate(() => window.scrollTo(0, 0));

  const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(sw <= cw, `no horizontal page scrolling (${sw} > ${cw})`);
  await screenshot(page, 'assignments.png');

  // The choice of cycle is kept in the URL.
  await page.getByRole('combobox', { name: '考核周期' }).selectOption(String(freshCycle.id));
  await page.waitForFunction((id) => location.hash === '#/assignments?cycle=' + id, freshCycle.id);
  await page.waitForFunction(() => document.querySelector('#assign-cycle option:checked')?.textContent === '云岭县2024年度法治政府建设考核（筹备阶段）');
  await page.reload();
  await page.locator('#assign-cycle').waitFor();
  assert.equal(await page.locator('#assign-cycle').inputValue(), String(freshCycle.id));
  await page.context().close();
});

test('添加分配: own unit refused with the reason, another reviewer assigned, then 取消分配', async () => {
  const page = await openPage('assign-add', '/assignments?cycle=' + REVIEW_CYCLE, {
    allow: [{ status: 400, url: /\/api\/v1\/cycles\/2\/assignments$/ }],
  });
  await page.getByRole('button', { name: '添加分配' }).click();
  const dlg = page.getByRole('dialog', { name: '添加评审分配' });
  await dlg.waitFor();
  // Nothing chosen: said here.
  await dlg.getByRole('button', { name: '确认分配' }).click();
  await dlg.locator('[data-field="unit"] .field-error', { hasText: '请选择被考核单位。' }).waitFor();
  // The unit by typing and the list (keyboard), the reviewer by login.
  await dlg.getByLabel('被考核单位').fill('司法局');
  await dlg.getByRole('option', { name: /云岭县司法局/ }).waitFor();
  await dlg.getByLabel('被考核单位').press('Enter');
  assert.equal(await dlg.getByLabel('被考核单位').inputValue(), '云岭县司法局（YL-SFJ）');
  await dlg.getByLabel('评审人').fill('reviewer2');
  const refused = page.waitForResponse((r) => r.url().endsWith(`/api/v1/cycles/${REVIEW_CYCLE}/assignments`) && r.request().method() === 'POST');
  await dlg.getByLabel('评审人').press('Enter');
  const res = await refused;
  assert.equal(res.status(), 400);
  const err = (await res.json()).error;
  assert.equal(err.field, 'reviewer');
  await dlg.locator('[data-field="reviewer"] .field-error', { hasText: err.detail }).waitFor();
  assert.match(err.detail, /本单位/);
  assert.equal(await dlg.getByLabel('评审人').getAttribute('aria-invalid'), 'true');

  // Another reviewer: assigned, the row appears.
  const who = await freeReviewer(REVIEW_CYCLE, 'YL-SFJ');
  await dlg.getByLabel('评审人').fill(who);
  const created = page.waitForResponse((r) => r.url().endsWith(`/api/v1/cycles/${REVIEW_CYCLE}/assignments`) && r.request().method() === 'POST');
  await dlg.getByLabel('评审人').press('Enter');
  const ok = await created;
  assert.equal(ok.status(), 201);
  assert.deepEqual(JSON.parse(ok.request().postData()), { unit: 'YL-SFJ', reviewer: who });
  const id = (await ok.json()).assignment.id;
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#assign-status', { hasText: `已将 ${who} 分配给云岭县司法局。` }).waitFor();
  const tr = row(page, id);
  await tr.waitFor();
  assert.equal(await tr.getAttribute('data-reviewer'), who);
  await tr.locator('[data-status="assigned"]').waitFor();

  // 取消分配 (no scores yet), after a confirmation.
  await tr.getByRole('button', { name: '取消分配' }).click();
  const confirm = page.getByRole('dialog', { name: '取消评审分配' });
  await confirm.waitFor();
  const del = page.waitForResponse((r) => r.url().endsWith(`/api/v1/cycles/${REVIEW_CYCLE}/assignments/${id}`) && r.request().method() === 'DELETE');
  await confirm.getByRole('button', { name: '取消分配' }).click();
  assert.equal((await del).status(), 204);
  await tr.waitFor({ state: 'detached' });
  await page.locator('#assign-status', { hasText: '已取消' }).waitFor();
  assert.equal((await assignmentsOf(REVIEW_CYCLE)).some((a) => a.id === id), false);
  await page.context().close();
});

test('批量导入: template, a bad row blocks the import, a good sheet is applied', async () => {
  const page = await openPage('assign-import', '/assignments?cycle=' + REVIEW_CYCLE);
  await page.getByRole('button', { name: '批量导入' }).click();
  const dlg = page.getByRole('dialog', { name: '批量导入评审分配' });
  await dlg.waitFor();
  assert.deepEqual((await dlg.locator('#assign-import-columns tbody th').allTextContents()).map((s) => s.trim()),
    ['单位代码 / 单位名称', '评审人账号 / 评审人']);

  const dl = page.waitForEvent('download');
  await dlg.getByRole('button', { name: '下载模板（CSV）' }).click();
  const download = await dl;
  assert.equal(download.suggestedFilename(), '评审分配导入模板.csv');
  const chunks = [];
  for await (const c of await download.createReadStream()) chunks.push(c);
  const template = Buffer.concat(chunks);
  assert.deepEqual([...template.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
  assert.equal(template.subarray(3).toString('utf8'), '单位代码,评审人账号\r\n');

  // Two good pairs on two units, computed from the current state.
  const units = (await get(`/api/v1/cycles/${REVIEW_CYCLE}/units`)).units.map((u) => u.code).filter((c) => c !== 'YL-SFJ');
  const pairs = [];
  for (const u of units) {
    if (pairs.length === 2) break;
    try { pairs.push([u, await freeReviewer(REVIEW_CYCLE, u, ['reviewer5', 'reviewer6', 'reviewer3'])]); } catch { /* next unit */ }
  }
  assert.equal(pairs.length, 2);
  const csv = (rows) => Buffer.from(['单位代码,评审人账号', ...rows.map((r) => r.join(',')), ''].join('\r\n'), 'utf8');
  const file = (name, buffer) => ({ name, mimeType: 'text/csv', buffer });

  // A sheet with one bad row (reviewer2 on their own unit).
  const p1 = page.waitForResponse((r) => r.url().endsWith(`/assignments/import?apply=0`));
  await dlg.locator('#assign-import-drop-file').setInputFiles(file('分配-有误.csv', csv([pairs[0], ['YL-SFJ', 'reviewer2']])));
  const r1 = await p1;
  assert.equal(r1.status(), 200);
  const counts = (await r1.json()).counts;
  assert.equal(counts.errors, 1);
  const table = dlg.locator('#assign-import-table');
  await table.waitFor();
  const bad = table.locator('tbody tr[data-row="3"]');
  assert.equal(await bad.getAttribute('class'), 'row-bad');
  assert.match(await bad.locator('.cell-problems').innerText(), /评审人.*：.*本单位/);
  assert.equal(await table.locator('tbody tr[data-row="2"]').getAttribute('class'), null);
  await dlg.locator('#assign-import-state', { hasText: '表格中有 1 行存在问题，请修改后重新导入。' }).waitFor();
  assert.equal((await dlg.locator('#assign-import-summary').innerText()).replace(/\s+/g, ' '),
    `共 2 新增 ${counts.create} 已存在 ${counts.exists} 有问题 1`);
  const apply = dlg.getByRole('button', { name: '确认导入' });
  assert.equal(await apply.isDisabled(), true, '确认导入 is disabled while a row has problems');
  await screenshot(page, 'assign-import.png');

  // The good sheet: applied, the rows appear.
  await dlg.getByRole('button', { name: '重新选择文件' }).click();
  const p2 = page.waitForResponse((r) => r.url().endsWith(`/assignments/import?apply=0`));
  await dlg.locator('#assign-import-drop-file').setInputFiles(file('分配.csv', csv(pairs)));
  assert.equal((await p2).status(), 200);
  await dlg.locator('#assign-import-state', { hasText: '检查通过：将新增 2 条分配' }).waitFor();
  assert.equal(await table.locator('tbody tr.row-bad').count(), 0);
  const applied = page.waitForResponse((r) => r.url().endsWith(`/assignments/import?apply=1`));
  await apply.click();
  const res = await applied;
  assert.equal(res.status(), 200, await res.text());
  assert.equal((await res.json()).applied, true);
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#assign-status', { hasText: '导入完成：新增 2 条分配，0 条原已存在。' }).waitFor();
  const now = await assignmentsOf(REVIEW_CYCLE);
  for (const [u, r] of pairs) {
    const a = now.find((x) => x.unit === u && x.reviewer === r);
    assert.ok(a, `${r} on ${u}`);
    await row(page, a.id).waitFor();
  }
  await page.context().close();
});

test('自动分配: a fresh cycle, k = 2 with a cap of 6, preview then apply the same proposal', async () => {
  const page = await openPage('assign-auto', '/assignments?cycle=' + freshCycle.id);
  const units = (await get(`/api/v1/cycles/${freshCycle.id}/units`)).units;
  assert.ok(units.length >= 10);
  assert.equal(await page.locator('#assign-table .group-count .badge', { hasText: '未分配' }).count(), Math.min(25, units.length));
  await page.getByRole('button', { name: '自动分配' }).click();
  const dlg = page.getByRole('dialog', { name: '自动分配评审人' });
  await dlg.waitFor();
  await dlg.getByLabel('每个单位的评审人数').fill('0');
  await dlg.getByRole('button', { name: '预览' }).click();
  await dlg.locator('[data-field="per_unit"] .field-error', { hasText: '请输入 1 到 20 之间的整数。' }).waitFor();
  await dlg.getByLabel('每个单位的评审人数').fill('2');

  // First by panel: reviewer1 and reviewer3 for the towns and townships only.
  await dlg.getByRole('checkbox', { name: /^按评审组分配/ }).check();
  const panel = dlg.locator('.auto-panel[data-panel="1"]');
  await panel.waitFor();
  await dlg.getByRole('button', { name: '预览' }).click();
  await panel.locator('.field-error', { hasText: '请至少勾选一名评审人。' }).waitFor();
  await panel.getByRole('searchbox', { name: '筛选评审人' }).fill('reviewer3');
  assert.equal(await panel.locator('.check-item[data-login]:visible').count(), 1);
  await panel.getByRole('checkbox', { name: /reviewer3$/ }).check();
  await panel.getByRole('searchbox', { name: '筛选评审人' }).fill('');
  await panel.getByRole('checkbox', { name: /reviewer1$/ }).check();
  await panel.getByRole('checkbox', { name: '镇', exact: true }).check();
  await panel.getByRole('checkbox', { name: '乡', exact: true }).check();
  const panelP = page.waitForResponse((r) => r.url().endsWith(`/api/v1/cycles/${freshCycle.id}/assignments/auto`));
  await dlg.getByRole('button', { name: '预览' }).click();
  const panelRes = await panelP;
  assert.equal(panelRes.status(), 200, await panelRes.text());
  const panelSent = JSON.parse(panelRes.request().postData());
  assert.deepEqual(panelSent.panels, [{ reviewers: ['reviewer1', 'reviewer3'], unit_kinds: ['town', 'township'] }]);
  const byPanel = await panelRes.json();
  const kindOf = new Map(units.map((u) => [u.code, u.kind]));
  assert.ok(byPanel.proposed.length > 0);
  for (const x of byPanel.proposed) {
    assert.ok(['town', 'township'].includes(kindOf.get(x.unit)), `${x.unit} is a town or township`);
    assert.ok(['reviewer1', 'reviewer3'].includes(x.reviewer), `${x.reviewer} is of the panel`);
  }
  await dlg.locator('#auto-conditions', { hasText: '按 1 个评审组分配' }).waitFor();
  await dlg.getByRole('button', { name: '返回修改条件' }).click();
  await dlg.getByRole('checkbox', { name: /^按评审组分配/ }).uncheck();

  // Then without panels, with a cap.
  await dlg.getByLabel('每位评审人最多评审').fill('6');
  const previewP = page.waitForResponse((r) => r.url().endsWith(`/api/v1/cycles/${freshCycle.id}/assignments/auto`));
  await dlg.getByLabel('每位评审人最多评审').press('Enter');
  const previewRes = await previewP;
  assert.equal(previewRes.status(), 200, await previewRes.text());
  const sent = JSON.parse(previewRes.request().postData());
  assert.equal(sent.per_unit, 2);
  assert.equal(sent.cap, 6);
  assert.equal(sent.apply, false);
  assert.equal(sent.panels, undefined);
  assert.ok(Number.isInteger(sent.seed));
  const preview = await previewRes.json();
  assert.equal(preview.applied, false);
  await dlg.locator('#auto-conditions', { hasText: '每个单位 2 名评审人；每人最多 6 个单位' }).waitFor();

  // The load: never above the cap, and it adds up to the proposal.
  const loadRows = dlg.locator('#auto-load tbody tr[data-login]');
  assert.equal(await loadRows.count(), preview.load.length);
  let added = 0;
  for (const l of preview.load) {
    assert.ok(l.after <= 6, `${l.reviewer} at most 6`);
    const cells = await rowCells(dlg.locator(`#auto-load tr[data-login="${l.reviewer}"]`));
    assert.ok(cells.startsWith(`${l.reviewer_name}（${l.reviewer}） | ${l.before} | +${l.after - l.before} | ${l.after}`), cells);
    added += l.after - l.before;
  }
  assert.equal(added, preview.proposed.length);
  // 20 units × 2 = 40 sheets, at most 6 × 6 = 36: some units stay short.
  const missing = preview.short.reduce((s, x) => s + x.missing, 0);
  assert.equal(preview.proposed.length + missing, units.length * 2);
  assert.ok(preview.short.length > 0);
  await dlg.locator('#auto-short tbody tr').first().waitFor();
  assert.equal(await dlg.locator('#auto-short tbody tr').count(), preview.short.length);
  await dlg.locator('#auto-state', { hasText: `将新增 ${preview.proposed.length} 条分配` }).waitFor();
  await screenshot(page, 'assign-auto.png');

  // 确认分配: the same request with apply, the stored result is the preview.
  const applyP = page.waitForResponse((r) => r.url().endsWith(`/api/v1/cycles/${freshCycle.id}/assignments/auto`));
  await dlg.getByRole('button', { name: '确认分配' }).click();
  const applyRes = await applyP;
  assert.equal(applyRes.status(), 200, await applyRes.text());
  assert.deepEqual(JSON.parse(applyRes.request().postData()), { ...sent, apply: true });
  assert.equal((await applyRes.json()).applied, true);
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#assign-status', { hasText: `自动分配完成：新增 ${preview.proposed.length} 条分配` }).waitFor();
  const stored = (await assignmentsOf(freshCycle.id)).filter((a) => a.kind === 'review');
  const key = (x) => `${x.unit}/${x.reviewer}`;
  assert.deepEqual(stored.map(key).sort(), preview.proposed.map(key).sort());
  const perReviewer = new Map();
  for (const a of stored) perReviewer.set(a.reviewer, (perReviewer.get(a.reviewer) || 0) + 1);
  for (const [r, n] of perReviewer) assert.ok(n <= 6, `${r}: ${n} sheets`);
  for (const a of stored) assert.notEqual(await reviewerUnit(a.reviewer), a.unit, 'never the own unit');
  await page.locator('#assign-progress-count', { hasText: `已提交 0 / ${stored.length} 份评分表` }).waitFor();
  await page.context().close();
});

test('回避记录: a recusal made by a reviewer shows with its reason and is reassigned', async () => {
  const mine = (await assignmentsOf(REVIEW_CYCLE)).find((a) => a.reviewer === 'reviewer1' && a.status === 'assigned' && a.kind === 'review');
  assert.ok(mine, 'reviewer1 has an untouched sheet');
  const r1 = await apiSession(daemon.base, 'reviewer1');
  const reason = '本人曾在该单位挂职锻炼，申请回避';
  const rec = await r1.call('POST', `/api/v1/cycles/${REVIEW_CYCLE}/assignments/${mine.id}/recuse`, { reason });
  assert.equal(rec.status, 200, JSON.stringify(rec.body));

  const page = await openPage('assign-recusal', '/assignments?cycle=' + REVIEW_CYCLE);
  const recRow = page.locator(`#assign-rec-table tbody tr[data-assignment="${mine.id}"]`);
  await recRow.waitFor();
  const cells = await rowCells(recRow);
  assert.ok(cells.includes(mine.unit_name) && cells.includes(reason) && cells.includes('reviewer1'), cells);
  await row(page, mine.id).locator('[data-status="recused"]').waitFor();
  await row(page, mine.id).getByText('理由：' + reason).waitFor();
  assert.equal(await row(page, mine.id).getByRole('button', { name: '退回修改' }).count(), 0);

  const who = await freeReviewer(REVIEW_CYCLE, mine.unit);
  await recRow.getByRole('button', { name: '重新分配' }).click();
  const dlg = page.getByRole('dialog', { name: `为${mine.unit_name}重新分配评审人` });
  await dlg.waitFor();
  await dlg.getByText(`县委依法治县办 张明远（reviewer1） 已回避，理由：${reason}。`).waitFor();
  // The recused reviewer is not offered again.
  assert.equal(await dlg.locator('datalist option[value="reviewer1"]').count(), 0);
  await dlg.getByLabel('评审人').fill(who);
  const post = page.waitForResponse((r) => r.url().endsWith(`/api/v1/cycles/${REVIEW_CYCLE}/assignments`) && r.request().method() === 'POST');
  await dlg.getByRole('button', { name: '确认分配' }).click();
  const res = await post;
  assert.equal(res.status(), 201);
  assert.deepEqual(JSON.parse(res.request().postData()), { unit: mine.unit, reviewer: who });
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#assign-status', { hasText: `已为${mine.unit_name}重新分配评审人` }).waitFor();
  await row(page, (await res.json()).assignment.id).waitFor();
  await page.locator('#assign-late').evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 80));
  await screenshot(page, 'assign-side.png');
  await page.context().close();
});

test('退回修改: a submitted sheet goes back with a required reason', async () => {
  const mine = (await assignmentsOf(REVIEW_CYCLE)).find((a) => a.reviewer === 'reviewer6' && a.status === 'assigned' && a.kind === 'review');
  assert.ok(mine, 'reviewer6 has an untouched sheet');
  await submitSheet('reviewer6', REVIEW_CYCLE, mine.unit);

  const page = await openPage('assign-reopen', '/assignments?cycle=' + REVIEW_CYCLE);
  const tr = row(page, mine.id);
  await tr.locator('[data-status="submitted"]').waitFor();
  assert.equal(await tr.getByRole('button', { name: '取消分配' }).count(), 0, 'a scored sheet cannot be unassigned');
  await tr.getByRole('button', { name: '退回修改' }).click();
  const dlg = page.getByRole('dialog', { name: '退回评分表' });
  await dlg.waitFor();
  await dlg.getByRole('button', { name: '确认退回' }).click();
  await dlg.locator('[data-field="reason"] .field-error', { hasText: '请填写理由。' }).waitFor();
  const reason = '第 2.1 项扣分未写依据，请补充后重新提交';
  await dlg.getByLabel('退回理由').fill(reason);
  await screenshot(page, 'assign-reopen.png');
  const post = page.waitForResponse((r) => r.url().endsWith(`/assignments/${mine.id}/reopen`));
  await dlg.getByRole('button', { name: '确认退回' }).click();
  const res = await post;
  assert.equal(res.status(), 200, await res.text());
  assert.deepEqual(JSON.parse(res.request().postData()), { reason });
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#assign-status', { hasText: `已将 县委党校法学教研室 刘若兰（reviewer6） 的${mine.unit_name}评分表退回修改。` }).waitFor();
  await tr.locator('[data-status="in_progress"]').waitFor();
  assert.equal((await assignmentsOf(REVIEW_CYCLE)).find((a) => a.id === mine.id).status, 'in_progress');
  await page.context().close();
});

test('复制名单: the late reviewers on the clipboard, one line each (and the fallback)', async () => {
  const p = await progressOf(REVIEW_CYCLE);
  assert.ok(p.late.length > 0, 'the demo cycle has late reviewers');
  const expected = p.late.map((r) => `${r.display_name}（${r.login}）：未提交 ${r.unsubmitted} 份`).join('\n');
  const page = await openPage('assign-copy', '/assignments?cycle=' + REVIEW_CYCLE, {
    contextOptions: { permissions: ['clipboard-read', 'clipboard-write'] },
  });
  assert.equal(await page.locator('#assign-late-table tbody tr[data-login]').count(), Math.min(10, p.late.length));
  const first = p.late[0];
  assert.match(await rowCells(page.locator(`#assign-late-table tr[data-login="${first.login}"]`)),
    new RegExp(`^${first.display_name} ${first.login} \\| ${first.unsubmitted} \\| `));
  await page.getByRole('button', { name: '复制名单' }).click();
  await page.locator('#assign-copy-status', { hasText: `已复制 ${p.late.length} 人的名单` }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), expected);
  await page.context().close();

  // Without the Clipboard API (plain http on an intranet host): the text area fallback.
  const page2 = await signedIn('assign-copy-fallback', 'admin');
  await page2.addInitScript(() => { Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true }); });
  await page2.goto(daemon.base + '/#/assignments?cycle=' + REVIEW_CYCLE);
  await page2.reload();
  await page2.locator('#assign-late-table tbody tr[data-login]').first().waitFor();
  await page2.getByRole('button', { name: '复制名单' }).click();
  await page2.locator('#assign-copy-status', { hasText: /已复制|无法自动复制/ }).waitFor();
  assert.equal(await page2.locator('#assign-copy-area').inputValue(), expected);
  await page2.context().close();
});

test('回避关系: recording a conflict for a reviewer', async () => {
  const page = await openPage('assign-conflict', '/assignments?cycle=' + REVIEW_CYCLE);
  await page.locator('#conflicts-table tbody tr').first().waitFor();
  await page.getByRole('button', { name: '登记回避关系' }).click();
  const dlg = page.getByRole('dialog', { name: '登记回避关系' });
  await dlg.waitFor();
  await dlg.getByLabel('评审人').fill('reviewer5');
  await dlg.getByLabel('被考核单位').fill('YL-ZRJ');
  await dlg.getByRole('button', { name: '确认登记' }).click();
  await dlg.locator('[data-field="reason"] .field-error', { hasText: '请填写理由。' }).waitFor();
  await dlg.getByLabel('回避理由').fill('2022 年前在该单位法规科任职');
  const post = page.waitForResponse((r) => r.url().endsWith('/api/v1/conflicts') && r.request().method() === 'POST');
  await dlg.getByRole('button', { name: '确认登记' }).click();
  const res = await post;
  assert.equal(res.status(), 201, await res.text());
  assert.deepEqual(JSON.parse(res.request().postData()), { reviewer: 'reviewer5', unit: 'YL-ZRJ', reason: '2022 年前在该单位法规科任职' });
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#assign-status', { hasText: '已登记 reviewer5 与 YL-ZRJ 的回避关系' }).waitFor();
  const tr = page.locator('#conflicts-table tbody tr[data-reviewer="reviewer5"][data-unit="YL-ZRJ"]');
  await tr.waitFor();
  assert.ok((await rowCells(tr)).includes('2022 年前在该单位法规科任职'));
  await page.context().close();
});

test('评分设置: saved and shown again, the server\'s refusals beside the control, disabled when closed', async () => {
  const page = await signedIn('cycle-settings', 'admin', {
    allow: [{ status: 400, url: /\/api\/v1\/cycles\/\d+$/ }, { status: 409, url: /\/api\/v1\/cycles\/\d+$/ }],
  });
  await page.goto(daemon.base + '/#/cycles/' + freshCycle.id);
  const box = page.locator('#cycle-settings');
  await box.waitFor();
  await box.getByRole('heading', { name: '评分设置' }).waitFor();
  const c0 = (await get('/api/v1/cycles/' + freshCycle.id)).cycle.settings;
  assert.equal(await box.getByLabel('评分步长').inputValue(), c0.score_step == null ? '' : String(c0.score_step));
  assert.equal(await box.getByLabel('得分低于满分的百分之几时须填写理由').inputValue(), String(Math.round(c0.comment_below * 100)));

  // A bad percentage is said here, without a request.
  await box.getByLabel('得分低于满分的百分之几时须填写理由').fill('150');
  await box.getByRole('button', { name: '保存评分设置' }).click();
  await box.locator('[data-field="comment_below"] .field-error', { hasText: '请输入 0 到 100 之间的数字。' }).waitFor();

  // Save: only what changed, the percentage as a fraction.
  await box.getByLabel('评分步长').selectOption('0.5');
  await box.getByLabel('得分低于满分的百分之几时须填写理由').fill('60');
  await box.getByLabel('打分时即可看到').check();
  await box.getByLabel('匿名评审（向评审人隐藏单位名称）').setChecked(!c0.blind);
  await box.getByLabel('评审人可查看单位自评').setChecked(!c0.show_self);
  const patch = page.waitForResponse((r) => r.url().endsWith('/api/v1/cycles/' + freshCycle.id) && r.request().method() === 'PATCH');
  await box.getByRole('button', { name: '保存评分设置' }).click();
  const res = await patch;
  assert.equal(res.status(), 200, await res.text());
  assert.deepEqual(JSON.parse(res.request().postData()), {
    settings: { score_step: 0.5, comment_below: 0.6, reveal_others: 'always', blind: !c0.blind, show_self: !c0.show_self },
  });
  await box.locator('#settings-state', { hasText: '评分设置已保存。' }).waitFor();
  const s1 = (await get('/api/v1/cycles/' + freshCycle.id)).cycle.settings;
  assert.equal(s1.score_step, 0.5);
  assert.equal(s1.comment_below, 0.6);
  assert.equal(s1.reveal_others, 'always');
  assert.equal(s1.blind, !c0.blind);
  assert.equal(s1.show_self, !c0.show_self);

  // Shown again after a reload.
  await page.reload();
  await box.waitFor();
  await page.waitForFunction(() => document.querySelector('#cycle-settings select').value === '0.5');
  assert.equal(await box.getByLabel('得分低于满分的百分之几时须填写理由').inputValue(), '60');
  assert.equal(await box.getByLabel('打分时即可看到').isChecked(), true);
  assert.equal(await box.getByLabel('匿名评审（向评审人隐藏单位名称）').isChecked(), !c0.blind);
  assert.equal(await box.getByLabel('评审人可查看单位自评').isChecked(), !c0.show_self);
  // Nothing changed: nothing sent.
  await box.getByRole('button', { name: '保存评分设置' }).click();
  await box.locator('#settings-state', { hasText: '设置没有变化，无需保存。' }).waitFor();

  // A step that does not divide every leaf's maximum: the server's message beside the step.
  await box.getByLabel('评分步长').selectOption('5');
  const bad = page.waitForResponse((r) => r.url().endsWith('/api/v1/cycles/' + freshCycle.id) && r.request().method() === 'PATCH');
  await box.getByRole('button', { name: '保存评分设置' }).click();
  const badRes = await bad;
  assert.equal(badRes.status(), 400);
  const err = (await badRes.json()).error;
  assert.equal(err.field, 'settings.score_step');
  await box.locator('[data-field="score_step"] .field-error', { hasText: err.detail }).waitFor();
  assert.equal(await box.getByLabel('评分步长').getAttribute('aria-invalid'), 'true');
  await box.evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 80));
  await screenshot(page, 'cycle-settings.png');

  // Leaving with the unsaved step asks first.
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '评审分配' }).click();
  const leave = page.getByRole('dialog', { name: '评分设置尚未保存' });
  await leave.waitFor();
  await leave.getByRole('button', { name: '取消' }).click();
  assert.equal(await box.getByLabel('评分步长').inputValue(), '5', 'the change is still there');
  assert.ok(page.url().endsWith('#/cycles/' + freshCycle.id));
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '评审分配' }).click();
  await leave.getByRole('button', { name: '放弃修改并离开' }).click();
  await page.locator('#assign-cycle').waitFor();

  // The review cycle has review scores by now: blind mode can no longer change.
  await page.goto(daemon.base + '/#/cycles/' + REVIEW_CYCLE);
  await box.locator('#settings-save').waitFor();
  const blind = box.getByLabel('匿名评审（向评审人隐藏单位名称）');
  await page.waitForFunction(() => document.querySelector('#cycle-settings').hidden === false);
  await blind.setChecked(!(await blind.isChecked()));
  const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/cycles/' + REVIEW_CYCLE) && r.request().method() === 'PATCH');
  await box.getByRole('button', { name: '保存评分设置' }).click();
  const refusedRes = await refused;
  assert.equal(refusedRes.status(), 409);
  const e2 = (await refusedRes.json()).error;
  await box.locator('[data-field="blind"] .field-error', { hasText: e2.detail }).waitFor();

  // A closed cycle: the form is disabled and says why (leaving the refused change asks first).
  await page.goto(daemon.base + '/#/cycles/1');
  await leave.getByRole('button', { name: '放弃修改并离开' }).click();
  await box.locator('#settings-locked', { hasText: '本周期当前为“已结束”，评分设置不能再修改。' }).waitFor();
  assert.equal(await box.getByRole('button', { name: '保存评分设置' }).isDisabled(), true);
  assert.equal(await box.getByLabel('评分步长').isDisabled(), true);
  assert.equal(await box.getByLabel('评审人可查看单位自评').isDisabled(), true);
  await page.context().close();
});
