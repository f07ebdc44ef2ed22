// tests/browser/appeals.test.mjs — publication and appeals (复核) in a real browser against the
// real daemon (its own demo daemon and Chromium via harness.mjs).
// The journey: the admin publishes the demo's review cycle 2 through the cycle page's phase
// stepper (with its confirmation) and the page shows 结果公示; a unit that reviewer3 scored
// (the first ranked unit of GET /api/v1/cycles/2/results as the admin) opens 本单位结果 and
// sees its total and grade as the API gives them, the appeal deadline, expands an indicator's
// reviewer comments, ticks one indicator under 申请复核, gives the reasons and files the
// appeal (我的复核申请 lists it as 待处理); the admin sees it on 考核结果 → 复核申请, assigns a
// reviewer who is not from the unit; that reviewer finds it under 复核任务 on 我的评审任务 and
// submits a re-review score and comment; the admin decides 采纳 (the points prefilled with the
// re-review's) and the ranking reloads; the unit sees before → after and the response.
// The 复核申请期限（天） control of 评分设置 shows the cycle's appeal_days. No console or page errors.
// Screenshots: appeals-published.png, myresults.png, myresults-appeal.png, appeals-admin.png,
// appeals-reviewer.png, myresults-decided.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, stopDaemon, launchBrowser, screenshot, apiSession, signedInPage,
} from './harness.mjs';

let daemon = null;
let browser = null;
let admin = null;
const problems = [];
const CYCLE = 2;
const RE_REVIEWER = 'reviewer1';

before(async () => {
  daemon = await startDaemon();
  browser = await launchBrowser();
  admin = await apiSession(daemon.base, 'admin');
});

after(async () => {
  if (browser) await browser.close();
  await stopDaemon(daemon);
  assert.deepEqual(problems, [], 'no console or page errors');
});

const signedIn = (label, who) => signedInPage(browser, daemon.base, problems, label, who);

async function get(p) {
  const r = await admin.call('GET', p);
  assert.equal(r.status, 200, `GET ${p}: ${JSON.stringify(r.body)}`);
  return r.body;
}

test('an admin publishes, a unit sees its results and appeals, the appeal is re-reviewed and decided', async () => {
  // ── the admin publishes cycle 2 through the stepper ──
  const adminPage = await signedIn('admin', 'admin');
  await adminPage.goto(daemon.base + '/#/cycles/' + CYCLE);
  await adminPage.locator('.stepper li[aria-current="step"][data-phase="review"]').waitFor();
  // 评分设置 offers the appeal period (appeal_days, 10 by default)
  const days = adminPage.locator('#settings-appeal-days');
  await days.waitFor();
  const stored = (await get(`/api/v1/cycles/${CYCLE}`)).cycle;
  assert.equal(await days.inputValue(), String(stored.settings && stored.settings.appeal_days != null ? stored.settings.appeal_days : 10));
  await adminPage.locator('#cycle-next').click();
  const dlg = adminPage.locator('#cycle-phase-dialog');
  await dlg.waitFor();
  await dlg.locator('[data-action="submit"]').click();
  await dlg.waitFor({ state: 'detached' });
  await adminPage.locator('.stepper li[aria-current="step"][data-phase="publication"]').waitFor();
  const published = (await get(`/api/v1/cycles/${CYCLE}`)).cycle;
  assert.equal(published.phase, 'publication');
  await screenshot(adminPage, 'appeals-published.png');

  // ── a unit scored by reviewer3 ──
  const res = (await get(`/api/v1/cycles/${CYCLE}/results`)).results;
  const row = res.units.find((u) => u.status === 'ok');
  assert.ok(row, 'a unit with results');
  const unitLogin = 'unit-' + row.code;
  const li = row.values.findIndex((v, i) => typeof v === 'number' && v < res.leaves[i].max);
  assert.ok(li >= 0, 'an indicator below its maximum');
  const leaf = res.leaves[li];
  const before = row.values[li];

  const unitPage = await signedIn('unit', unitLogin);
  await unitPage.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '本单位结果', exact: true }).click();
  await unitPage.locator('#myres-summary').waitFor();
  assert.equal((await unitPage.locator('#myres-total .stat-value').textContent()).trim(), row.total.toFixed(2));
  assert.equal((await unitPage.locator('#myres-grade .stat-value').textContent()).trim(), row.grade);
  assert.match(await unitPage.locator('#myres-deadline').textContent(), /复核申请截止：\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  // the indicator's comments open and close
  const leafRow = unitPage.locator(`.myres-leaf[data-leaf="${leaf.code}"]`);
  assert.equal((await leafRow.locator('td.cell-total').textContent()).trim(), String(Math.round(before * 100) / 100));
  const toggle = leafRow.locator('[data-action="comments"]');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const detail = unitPage.locator('#' + (await toggle.getAttribute('aria-controls')));
  await detail.waitFor();
  assert.match(await detail.textContent(), /评审专家\d/);
  // no reviewer login leaks to the unit
  assert.doesNotMatch(await detail.textContent(), /reviewer\d/);
  await screenshot(unitPage, 'myresults.png');

  // ── the appeal ──
  await unitPage.locator('#myres-appeal').click();
  const box = unitPage.locator(`.myres-table input[type="checkbox"][data-leaf="${leaf.code}"]`);
  await box.check();
  await unitPage.locator(`#myres-items textarea[data-leaf="${leaf.code}"]`).fill('报告第二部分已写明该项工作的具体成效，评分偏低。');
  await unitPage.locator('#myres-reason').fill('部分指标评分未充分考虑报告内容。');
  await screenshot(unitPage, 'myresults-appeal.png');
  const postP = unitPage.waitForResponse((r) => r.url().endsWith(`/api/v1/cycles/${CYCLE}/appeals`) && r.request().method() === 'POST');
  await unitPage.locator('#myres-submit').click();
  assert.equal((await postP).status(), 201);
  const mine = unitPage.locator(`#myres-appeals-table tr[data-leaf="${leaf.code}"]`);
  await mine.waitFor();
  assert.equal(await mine.getAttribute('data-status'), 'open');
  await mine.getByText('待处理').waitFor();

  // ── the admin assigns a re-review ──
  await adminPage.goto(daemon.base + `/#/results?cycle=${CYCLE}&tab=appeals`);
  const arow = adminPage.locator(`#appeals-table tr[data-unit="${row.code}"]`);
  await arow.waitFor();
  await arow.locator('[data-action="assign"]').click();
  const adlg = adminPage.locator('#appeal-assign-dialog');
  await adlg.waitFor();
  await adlg.locator('input[name="reviewer"]').fill(RE_REVIEWER);
  await adlg.locator('[data-action="submit"]').click();
  await adlg.waitFor({ state: 'detached' });
  await adminPage.locator(`#appeals-table tr[data-unit="${row.code}"][data-status="in_review"]`).waitFor();
  await arow.getByText(RE_REVIEWER).waitFor();

  // ── the reviewer re-reviews ──
  const after = Math.min(leaf.max, before + 1);
  const revPage = await signedIn('reviewer', RE_REVIEWER);
  await revPage.goto(daemon.base + '/#/reviews');
  const task = revPage.locator(`#reviews-appeals .appeal-task[data-unit="${row.code}"]`);
  await task.waitFor();
  await task.getByText('报告第二部分已写明该项工作的具体成效').waitFor();
  await task.locator('input[name="points"]').fill(String(after));
  await task.locator('textarea[name="comment"]').fill('经复核，报告对该项工作记述较完整，酌情加分。');
  await screenshot(revPage, 'appeals-reviewer.png');
  await task.locator('[data-action="rescore"]').click();
  await revPage.locator('#appeal-tasks-status .notice-ok').waitFor();

  // ── the admin decides ──
  await adminPage.reload();
  const drow = adminPage.locator(`#appeals-table tr[data-unit="${row.code}"]`);
  await drow.getByText('经复核').waitFor();
  await drow.locator('[data-action="decide"]').click();
  const ddlg = adminPage.locator('#appeal-decide-dialog');
  await ddlg.waitFor();
  assert.equal(await ddlg.locator('input[value="upheld"]').isChecked(), true);
  assert.equal(Number(await ddlg.locator('input[name="points"]').inputValue()), after);
  await ddlg.locator('textarea[name="response"]').fill('经复核，采纳申请，调整该指标得分。');
  const reload = adminPage.waitForResponse((r) => /\/results(\?|$)/.test(r.url()) && r.request().method() === 'GET');
  await ddlg.locator('[data-action="submit"]').click();
  await ddlg.waitFor({ state: 'detached' });
  await adminPage.locator(`#appeals-table tr[data-unit="${row.code}"][data-status="upheld"]`).waitFor();
  await reload; // the ranking recomputes
  await screenshot(adminPage, 'appeals-admin.png');
  const decided = (await get(`/api/v1/cycles/${CYCLE}/appeals`)).appeals.find((a) => a.unit === row.code);
  assert.equal(decided.status, 'upheld');
  assert.equal(decided.before, before);
  assert.equal(decided.after, after);

  // ── the unit sees before → after ──
  await unitPage.reload();
  const done = unitPage.locator(`#myres-appeals-table tr[data-leaf="${leaf.code}"][data-status="upheld"]`);
  await done.waitFor();
  assert.equal(await done.locator('.appeal-change').getAttribute('data-before'), String(Math.round(before * 100) / 100));
  assert.equal(await done.locator('.appeal-change').getAttribute('data-after'), String(Math.round(after * 100) / 100));
  await done.getByText('经复核，采纳申请').waitFor();
  await screenshot(unitPage, 'myresults-decided.png');

  for (const p of [adminPage, unitPage, revPage]) await p.context().close();
});
