// tests/browser/rubrics.test.mjs — 考核指标 (#/rubrics) in a real browser against the real daemon
// (its own demo daemon and Chromium via harness.mjs).
//
// Covers: the list with the demo rubric (已冻结, 2 cycles); its read-only view (10 areas, total
// 100); 另存为新版本 → one leaf N → N+1 turns the total red ("相差 1 分") and the save is refused
// client-side with the message next to the total, no request sent; back to N → green → saved
// as a new rubric (POST) that the list shows as 可编辑; a rubric built from scratch (one area,
// two leaves 6 + 4 = 10, a veto item), with focus on each new node, the unsaved-changes guard,
// a server 400 (a keyword over 50 characters, which the client does not check) shown next to
// its node, and the saved rubric read back after a reload; the 从文档生成草稿 dialog on a pasted
// work plan (fails while POST /api/v1/rubrics/draft does not exist — on purpose); no console
// or page errors. Screenshots: rubric-list.png, rubric-editor.png (total mismatch),
// rubric-draft.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, stopDaemon, launchBrowser, screenshot, rowCells, signedInPage,
} from './harness.mjs';

let daemon = null;
let browser = null;
const problems = [];


const signedIn = (label, opts) => signedInPage(browser, daemon.base, problems, label, 'admin', opts);

const totalBox = (page) => page.locator('#rb-total');
const node = (page, code) => page.locator(`#rb-tree li.rb-node[data-code="${code}"]`);
const nodeRow = (page, code) => node(page, code).locator(':scope > .rb-row');

before(async () => {
  daemon = await startDaemon();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  await stopDaemon(daemon);
});

test('the demo rubric: frozen view, 另存为新版本, a mismatch refused, then saved as a new rubric', async () => {
  const page = await signedIn('rubrics-demo');
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '考核指标' }).click();
  await page.locator('h1', { hasText: '考核指标' }).waitFor();
  assert.match(page.url(), /#\/rubrics$/);
  const row = page.locator('#rubrics-table tbody tr[data-id="1"]');
  await row.waitFor();
  const cells = await rowCells(row);
  assert.match(cells, /^云岭县2023年度法治政府建设考核指标 \| v1 \| 100 分 \| 已冻结 \| 2 \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \| 查看$/, cells);
  await page.getByRole('button', { name: '从文档生成草稿' }).waitFor();
  await page.getByRole('link', { name: '新建' }).waitFor();
  await screenshot(page, 'rubric-list.png');

  await row.getByRole('link', { name: '查看' }).click();
  await page.locator('#rb-title', { hasText: '云岭县2023年度法治政府建设考核指标' }).waitFor();
  await page.locator('#rb-tree > li').first().waitFor();
  assert.equal(await page.locator('#rb-tree > li').count(), 10, '10 areas');
  assert.equal(await page.locator('#rb-badges').getByText('已冻结').count(), 1);
  assert.equal((await totalBox(page).textContent()).trim(), '合计 100 分，与总分一致');
  assert.match(await totalBox(page).getAttribute('class'), /is-ok/);
  // read only: no save, no node actions, inputs read-only
  assert.equal(await page.locator('#rb-save, #rb-save-new, [data-action="add-child"]').count(), 0);
  assert.equal(await page.locator('#rb-name').getAttribute('readonly'), '');
  assert.equal(await page.locator('#rb-veto li').count(), 3, 'three veto items');
  // area 1 shows the live sum of its leaves (4 + 2)
  assert.equal(await nodeRow(page, '1').locator('.rb-sum').textContent(), '6 分');

  await page.locator('#rb-copy').click();
  await page.waitForURL(/#\/rubrics\/new\?from=1$/);
  await page.locator('#rb-save-new').waitFor();
  const pts = nodeRow(page, '1.1').locator('input[data-points]');
  const n = Number(await pts.inputValue());
  assert.equal(n, 4);
  await pts.fill(String(n + 1));
  await page.locator('#rb-total.is-bad', { hasText: '合计 101 分，与总分 100 分相差 1 分' }).waitFor();
  assert.equal(await nodeRow(page, '1').locator('.rb-sum').textContent(), '7 分', 'area sum follows');
  await screenshot(page, 'rubric-editor.png');

  let posted = 0;
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/rubrics')) posted += 1; });
  await page.locator('#rb-save-new').click();
  await page.locator('#rb-save-error', { hasText: '合计 101 分，与总分 100 分不一致' }).waitFor();
  assert.equal(posted, 0, 'refused before any request');
  assert.match(await page.url(), /new\?from=1$/);

  await pts.fill(String(n));
  await page.locator('#rb-total.is-ok', { hasText: '合计 100 分，与总分一致' }).waitFor();
  await page.locator('#rb-name').fill('云岭县2024年度法治政府建设考核指标');
  const reply = page.waitForResponse((r) => r.url().endsWith('/api/v1/rubrics') && r.request().method() === 'POST');
  await page.locator('#rb-save-new').click();
  const res = await reply;
  assert.equal(res.status(), 201, 'POST /api/v1/rubrics');
  const created = (await res.json()).rubric;
  await page.waitForURL(new RegExp(`#/rubrics/${created.id}$`));
  await page.locator('#rb-saved', { hasText: '已保存为新版本' }).waitFor();
  await page.locator('#rb-badges').getByText('可编辑').waitFor();
  await page.locator('#rb-save').waitFor();

  await page.locator('.back-link').click();
  const newRow = page.locator(`#rubrics-table tbody tr[data-id="${created.id}"]`);
  await newRow.waitFor();
  assert.match(await rowCells(newRow), /^云岭县2024年度法治政府建设考核指标 \| v\d+ \| 100 分 \| 可编辑 \| 0 \| .* \| 编辑$/);
  assert.equal(await page.locator('#rubrics-table tbody tr').count(), 2);
  await page.close();
});

test('a small rubric from scratch: focus, guard, server 400 next to its node, saved and read back', async () => {
  const page = await signedIn('rubrics-new', { allow: [{ status: 400, url: /\/api\/v1\/rubrics$/ }] });
  await page.goto(daemon.base + '/#/rubrics');
  await page.getByRole('link', { name: '新建' }).click();
  await page.waitForURL(/#\/rubrics\/new$/);
  await page.locator('#rb-title', { hasText: '新建考核指标' }).waitFor();
  await page.locator('#rb-name').fill('测试指标');
  await page.locator('#rb-total-points').fill('10');
  // Enter in a field submits nothing
  await page.locator('#rb-name').press('Enter');
  assert.match(page.url(), /#\/rubrics\/new$/);

  await nodeRow(page, '1').getByLabel('名称').fill('依法决策');
  await nodeRow(page, '1.1').getByLabel('名称').fill('重大决策合法性审查');
  await nodeRow(page, '1.1').getByLabel('分值').fill('6');
  await page.locator('#rb-total.is-bad', { hasText: '相差 4 分' }).waitFor();

  await nodeRow(page, '1.1').getByRole('button', { name: '在 1.1 后添加同级指标' }).click();
  const second = node(page, '1.2');
  await second.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.closest('li.rb-node')?.dataset.code), '1.2', 'focus on the new node');
  await nodeRow(page, '1.2').getByLabel('名称').fill('行政规范性文件备案');
  await nodeRow(page, '1.2').getByLabel('分值').fill('4');
  await page.locator('#rb-total.is-ok', { hasText: '合计 10 分，与总分一致' }).waitFor();
  assert.equal(await nodeRow(page, '1').locator('.rb-sum').textContent(), '10 分');

  // add and delete a child (with confirmation), move 1.2 up and back
  await nodeRow(page, '1.2').getByRole('button', { name: '在 1.2 下添加下级指标' }).click();
  await node(page, '1.2.1').waitFor();
  await nodeRow(page, '1.2.1').getByRole('button', { name: '删除 1.2.1' }).click();
  await page.getByRole('dialog', { name: '删除指标' }).getByRole('button', { name: '删除' }).click();
  await node(page, '1.2.1').waitFor({ state: 'detached' });
  await nodeRow(page, '1.2').getByLabel('分值').fill('4');
  await nodeRow(page, '1.2').getByRole('button', { name: '上移 1.2' }).click();
  assert.deepEqual(await page.locator('#rb-tree li.rb-depth-2').evaluateAll((els) => els.map((e) => e.dataset.code)), ['1.2', '1.1']);
  await nodeRow(page, '1.2').getByRole('button', { name: '下移 1.2' }).click();

  // veto item with its effect from the grade bands
  await page.locator('#rb-veto').getByRole('button', { name: '添加一票否决项' }).click();
  const veto = page.locator('#rb-veto li').first();
  await veto.getByLabel('否决情形').fill('发生重大违法行政事件');
  await veto.getByLabel('否决效果').selectOption('grade:不合格');

  // leaving asks first
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '工作台' }).click();
  const leave = page.getByRole('dialog', { name: '放弃未保存的修改？' });
  await leave.waitFor();
  await leave.getByRole('button', { name: '取消' }).click();
  await leave.waitFor({ state: 'detached' });
  assert.match(page.url(), /#\/rubrics\/new$/);
  assert.equal(await page.locator('#rb-name').inputValue(), '测试指标');

  // a keyword of 51 characters: only the server refuses it, next to node 1.1
  await nodeRow(page, '1.1').locator('xpath=..').locator('summary').first().click();
  await node(page, '1.1').getByLabel('关键词').fill('合法性审查；' + '审'.repeat(51));
  const bad = page.waitForResponse((r) => r.url().endsWith('/api/v1/rubrics') && r.request().method() === 'POST');
  await page.locator('#rb-save-new').click();
  const badRes = await bad;
  assert.equal(badRes.status(), 400);
  const badBody = await badRes.json();
  assert.equal(badBody.error.field, 'areas[0].children[0].keywords');
  await node(page, '1.1').locator(':scope > .rb-error', { hasText: badBody.error.detail }).waitFor();
  assert.match(badBody.error.detail, /1\.1/);
  await page.locator('#rb-save-error', { hasText: '未保存' }).waitFor();
  await node(page, '1.1').getByLabel('关键词').fill('合法性审查；法律顾问');
  assert.equal(await node(page, '1.1').locator(':scope > .rb-error').isHidden(), true, 'the message goes once edited');

  const ok = page.waitForResponse((r) => r.url().endsWith('/api/v1/rubrics') && r.request().method() === 'POST');
  await page.locator('#rb-save-new').click();
  const res = await ok;
  assert.equal(res.status(), 201);
  const id = (await res.json()).rubric.id;
  await page.waitForURL(new RegExp(`#/rubrics/${id}$`));

  await page.reload();
  await page.locator('#rb-title', { hasText: '测试指标' }).waitFor();
  await page.locator('#rb-tree > li').first().waitFor();
  assert.equal(await page.locator('#rb-tree > li').count(), 1);
  assert.deepEqual(await page.locator('#rb-tree li.rb-depth-2').evaluateAll((els) => els.map((e) => e.dataset.code)), ['1.1', '1.2']);
  assert.equal(await nodeRow(page, '1.1').getByLabel('分值').inputValue(), '6');
  assert.equal(await nodeRow(page, '1.2').getByLabel('分值').inputValue(), '4');
  assert.equal(await nodeRow(page, '1.2').getByLabel('名称').inputValue(), '行政规范性文件备案');
  assert.equal(await node(page, '1.1').getByLabel('关键词').inputValue(), '合法性审查；法律顾问');
  assert.equal((await totalBox(page).textContent()).trim(), '合计 10 分，与总分一致');
  assert.equal(await page.locator('#rb-veto li').first().getByLabel('否决情形').inputValue(), '发生重大违法行政事件');
  assert.equal(await page.locator('#rb-veto li').first().getByLabel('否决效果').inputValue(), 'grade:不合格');
  await page.locator('#rb-badges').getByText('可编辑').waitFor();
  await page.close();
});

const WORK_PLAN = [
  '云岭县2025年法治政府建设工作要点',
  '一、总体要求',
  '坚持以习近平法治思想为指导，全面推进依法行政。',
  '二、主要任务',
  '（一）健全依法决策机制',
  '1. 严格落实重大行政决策程序规定，决策前开展合法性审查。责任单位：县司法局、县政府办',
  '2. 推行重大决策事项目录管理，向社会公布。责任单位：县政府办',
  '（二）严格规范公正文明执法',
  '1. 全面推行行政执法公示、执法全过程记录、重大执法决定法制审核制度。责任单位：各行政执法部门',
  '2. 开展行政执法案卷评查。责任单位：县司法局',
  '3. 加强行政执法人员资格管理和培训。责任单位：县司法局',
  '三、保障措施',
  '各单位要加强组织领导，按时报送落实情况。',
].join('\n');

test('从文档生成草稿: a pasted work plan becomes an unsaved draft that is adjusted to 100 and saved', async () => {
  const page = await signedIn('rubrics-draft', { allow: [{ status: 404, url: /\/api\/v1\/rubrics\/draft$/ }, { status: 405, url: /\/api\/v1\/rubrics\/draft$/ }] });
  await page.goto(daemon.base + '/#/rubrics');
  await page.getByRole('button', { name: '从文档生成草稿' }).click();
  const dlg = page.getByRole('dialog', { name: '从文档生成草稿' });
  await dlg.waitFor();
  await dlg.getByLabel('工作要点或考核办法全文').fill(WORK_PLAN);
  assert.equal(await dlg.getByLabel('总分').inputValue(), '100');
  await screenshot(page, 'rubric-draft.png');
  const reply = page.waitForResponse((r) => r.url().endsWith('/api/v1/rubrics/draft'));
  await dlg.getByRole('button', { name: '生成' }).click();
  const res = await reply;
  await page.locator('#rb-tree, #draft-not-open').first().waitFor();
  assert.equal(await page.locator('#draft-not-open').count(), 0,
    `POST /api/v1/rubrics/draft answered ${res.status()}: the dialog says 该功能尚未开放`);
  assert.equal(res.status(), 200);
  const draft = await res.json();

  await page.waitForURL(/#\/rubrics\/new\?draft=1$/);
  await page.locator('#rb-title', { hasText: '考核指标草稿' }).waitFor();
  assert.equal(await page.locator('#rb-tree > li').count(), draft.rubric.areas.length);
  assert.ok(draft.rubric.areas.length >= 2, 'two task groups became areas');
  const names = await page.locator('#rb-tree li.rb-depth-1 > .rb-row').getByLabel('名称').evaluateAll((els) => els.map((e) => e.value));
  assert.ok(names.some((x) => x.includes('依法决策')), names.join(','));
  assert.ok(!names.some((x) => /总体要求|保障措施/.test(x)), 'preamble and closing parts are not areas');
  if (Array.isArray(draft.notes) && draft.notes.length) await page.locator('#rb-notes').waitFor();
  const resp = await page.locator('#rb-tree').getByLabel('责任单位').evaluateAll((els) => els.map((e) => e.value));
  assert.ok(resp.some((x) => x.includes('县司法局')), 'responsible units kept');

  // adjust: make the first leaf 1 point more, then the last leaf takes up the difference
  const leaves = page.locator('#rb-tree input[data-points]');
  const first = leaves.first();
  await first.fill(String(Number(await first.inputValue()) + 1));
  await page.locator('#rb-total.is-bad').waitFor();
  const values = (await leaves.evaluateAll((els) => els.map((e) => Number(e.value))));
  const sum = values.reduce((a, b) => a + b, 0);
  const last = leaves.last();
  await last.fill(String(Math.round((values[values.length - 1] + 100 - sum) * 100) / 100));
  await page.locator('#rb-total.is-ok', { hasText: '合计 100 分' }).waitFor();
  if (!(await page.locator('#rb-name').inputValue())) await page.locator('#rb-name').fill('云岭县2025年法治政府建设考核指标');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'rubric-draft.png');
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/rubrics') && r.request().method() === 'POST');
  await page.locator('#rb-save-new').click();
  const sres = await saved;
  assert.equal(sres.status(), 201, JSON.stringify(await sres.json()));
  await page.waitForURL(/#\/rubrics\/\d+$/);
  await page.close();
});

test('no console or page errors on the rubric pages', () => {
  assert.deepEqual(problems, []);
});
