// tests/browser/rubricio.test.mjs — rubrics in and out of files, in a real browser against the
// real daemon (its own demo daemon and Chromium via harness.mjs).
//
// Covers: 导出 in the editor header (JSON, CSV, Excel links that download with the rubric's
// name and version as file name and the right content type); 导入 on the rubric list — the
// demo rubric exported as CSV (fetched in the page) and imported through the dialog opens in
// the editor unsaved (#/rubrics/new?import=1) with the same nodes, total 100 and a notice
// naming the file, and saving it makes a new rubric (no derived_from) in the list; a CSV with
// a 0-point leaf opens with the server's "第 13 行：…" next to node 1.2; a CSV with a row of
// 类型 "未知" is refused and the dialog shows the server's "第 N 行" detail; 从文档生成草稿 from
// an uploaded .txt work plan (the areas, 责任单位 and a notice naming the file), and a .txt
// without numbered headings refused with the server's detail in the dialog; no console or
// page errors. Screenshots: rubric-import.png, rubric-import-error.png, rubric-draft-file.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, stopDaemon, launchBrowser, screenshot, rowCells, signedInPage,
} from './harness.mjs';

let daemon = null;
let browser = null;
const problems = [];


const signedIn = (label, opts) => signedInPage(browser, daemon.base, problems, label, 'admin', opts);

const node = (page, code) => page.locator(`#rb-tree li.rb-node[data-code="${code}"]`);
const DEMO = '云岭县2023年度法治政府建设考核指标';

/* The bytes of GET path, fetched in the page (with its session cookie). */
async function fetchBytes(page, path) {
  const r = await page.evaluate(async (p) => {
    const res = await fetch(p);
    return {
      status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'),
      bytes: Array.from(new Uint8Array(await res.arrayBuffer())),
    };
  }, path);
  return { ...r, buffer: Buffer.from(r.bytes) };
}

/* Every node of a rubric tree (areas and their descendants). */
function countNodes(list) {
  return (list || []).reduce((n, x) => n + 1 + countNodes(x.children), 0);
}

before(async () => {
  daemon = await startDaemon();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  await stopDaemon(daemon);
});

test('导出: the editor header links JSON, CSV and Excel downloads of the saved rubric', async () => {
  const page = await signedIn('rubric-export');
  await page.goto(daemon.base + '/#/rubrics/1');
  await page.locator('#rb-tree > li').first().waitFor();
  const group = page.getByRole('group', { name: '导出' });
  for (const [ext, text] of [['json', 'JSON'], ['csv', 'CSV'], ['xlsx', 'Excel']]) {
    const link = group.getByRole('link', { name: '导出为 ' + text });
    assert.equal(await link.getAttribute('href'), `api/v1/rubrics/1/export.${ext}`);
    assert.equal(await link.getAttribute('download'), '');
  }
  const expect = {
    json: /^application\/json/, csv: /^text\/csv/, xlsx: /^application\/vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet/,
  };
  for (const ext of ['csv', 'xlsx', 'json']) {
    const dl = page.waitForEvent('download');
    await page.locator('#rb-export-' + ext).click();
    const download = await dl;
    assert.equal(download.suggestedFilename(), `${DEMO}（v1）.${ext}`);
    assert.equal(await download.failure(), null, ext);
    // the same URL fetched: status, type, attachment
    const r = await fetchBytes(page, `api/v1/rubrics/1/export.${ext}`);
    assert.equal(r.status, 200, ext);
    assert.match(r.type, expect[ext], ext);
    assert.match(r.disposition, /^attachment/, ext);
    assert.ok(r.buffer.length > 1000, `${ext}: ${r.buffer.length} bytes`);
  }
  const json = await fetchBytes(page, 'api/v1/rubrics/1/export.json');
  const tree = JSON.parse(json.buffer.toString('utf8'));
  assert.equal(tree.name, DEMO);
  assert.equal(tree.total_points, 100);
  await page.close();
});

test('导入: the demo rubric exported as CSV opens unsaved in the editor and is saved as a new rubric', async () => {
  const page = await signedIn('rubric-import', { allow: [{ status: 400, url: /\/api\/v1\/rubrics\/import/ }] });
  await page.goto(daemon.base + '/#/rubrics');
  await page.locator('#rubrics-table tbody tr[data-id="1"]').waitFor();
  const csv = await fetchBytes(page, 'api/v1/rubrics/1/export.csv');
  assert.equal(csv.status, 200);
  assert.match(csv.type, /^text\/csv/);
  const demo = await page.evaluate(async () => (await (await fetch('api/v1/rubrics/1')).json()).rubric);
  const nodes = countNodes(demo.areas);
  assert.ok(nodes > 20, `the demo rubric has ${nodes} nodes`);

  // 导入 → the dialog → the file → the preview → 在编辑器中打开
  assert.deepEqual((await page.locator('.toolbar-actions .btn').allTextContents()).map((s) => s.trim()), ['导入', '从文档生成草稿', '新建']);
  await page.getByRole('button', { name: '导入', exact: true }).click();
  const dlg = page.getByRole('dialog', { name: '导入考核指标' });
  await dlg.waitFor();
  const reply = page.waitForResponse((r) => r.url().includes('/api/v1/rubrics/import?save=0'));
  await page.locator('#rubric-import-drop-file').setInputFiles({ name: '2023考核指标.csv', mimeType: 'text/csv', buffer: csv.buffer });
  const res = await reply;
  assert.equal(res.status(), 200);
  const body = await res.json();
  assert.equal(body.format, 'csv');
  assert.equal(body.problem, null);
  await dlg.locator('#rubric-import-filename', { hasText: '2023考核指标.csv' }).waitFor();
  await dlg.locator('#rubric-import-counts', { hasText: `10 个一级指标，共 ${nodes} 个指标` }).waitFor();
  await dlg.locator('#rubric-import-state', { hasText: '文件检查通过' }).waitFor();
  await screenshot(page, 'rubric-import.png');
  let posted = 0;
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/rubrics')) posted += 1; });
  await dlg.getByRole('button', { name: '在编辑器中打开' }).click();
  await page.waitForURL(/#\/rubrics\/new\?import=1$/);
  await page.locator('#rb-title', { hasText: '导入：' + DEMO }).waitFor();
  await page.locator('#rb-import-note', { hasText: '以下内容导入自文件“2023考核指标.csv”（CSV），尚未保存。' }).waitFor();
  await page.locator('#rb-badges').getByText('尚未保存').waitFor();
  assert.equal(await page.locator('#rb-tree li.rb-node').count(), nodes, 'the same nodes');
  assert.equal(await page.locator('#rb-tree > li').count(), 10);
  assert.equal((await page.locator('#rb-total').textContent()).trim(), '合计 100 分，与总分一致');
  assert.equal(await page.locator('#rb-deduction li').count(), demo.deduction.length);
  assert.equal(await page.locator('#rb-veto li').count(), demo.veto.length);
  assert.equal(posted, 0, 'nothing saved by opening');
  // a keyword with 、 stays one keyword
  assert.match(await node(page, '2.3').getByLabel('关键词').inputValue(), /(^|；)双随机、一公开(；|$)/);

  await page.locator('#rb-name').fill('导入的考核指标（测试）');
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/rubrics') && r.request().method() === 'POST');
  await page.locator('#rb-save-new').click();
  const sres = await saved;
  assert.equal(sres.status(), 201);
  assert.equal('derived_from' in JSON.parse(sres.request().postData()), false, 'an import is no new version of anything');
  const created = (await sres.json()).rubric;
  assert.equal(created.version, 1);
  assert.equal(created.family, created.id);
  await page.waitForURL(new RegExp(`#/rubrics/${created.id}$`));
  await page.locator('#rb-saved', { hasText: '已保存为新版本' }).waitFor();
  // the stored copy equals the demo rubric but for the name
  const diff = await page.evaluate(async (id) => (await fetch(`api/v1/rubrics/1/diff?to=${id}`)).json(), created.id);
  assert.equal(diff.same, true, JSON.stringify(diff));

  await page.locator('.back-link').click();
  const row = page.locator(`#rubrics-table tbody tr[data-id="${created.id}"]`);
  await row.waitFor();
  assert.match(await rowCells(row), /^导入的考核指标（测试） \| v1 \| 100 分 \| 可编辑 \| 0 \| .* \| 编辑$/);

  // a file the server can read but whose node 1.2 has 0 points: the problem sits at 1.2
  const lines = csv.buffer.toString('utf8').split(/\r?\n/);
  const i12 = lines.findIndex((l) => l.startsWith('1.2,1,'));
  assert.ok(i12 > 0, 'row 1.2 in the CSV');
  const zero = [...lines];
  zero[i12] = zero[i12].replace(/^(1\.2,1,二级指标,[^,]*,)2,/, '$10,');
  assert.notEqual(zero[i12], lines[i12], 'the points of 1.2 changed');
  await page.getByRole('button', { name: '导入', exact: true }).click();
  await dlg.waitFor();
  await page.locator('#rubric-import-drop-file').setInputFiles({ name: 'zero.csv', mimeType: 'text/csv', buffer: Buffer.from(zero.join('\r\n'), 'utf8') });
  const problem = `第 ${i12 + 1} 行：末级指标 1.2 的分值应为大于 0 的数字`;
  await dlg.locator('#rubric-import-problem', { hasText: problem }).waitFor();
  await dlg.getByRole('button', { name: '在编辑器中打开' }).click();
  await page.waitForURL(/#\/rubrics\/new\?import=1$/);
  await page.locator('#rb-import-problem', { hasText: problem }).waitFor();
  await node(page, '1.2').locator(':scope > .rb-error', { hasText: problem }).waitFor();
  await page.close();
});

test('导入: an unreadable CSV shows the server\'s "第 N 行" detail in the dialog', async () => {
  const page = await signedIn('rubric-import-bad', { allow: [{ status: 400, url: /\/api\/v1\/rubrics\/import/ }] });
  await page.goto(daemon.base + '/#/rubrics');
  await page.locator('#rubrics-table tbody tr[data-id="1"]').waitFor();
  const csv = await fetchBytes(page, 'api/v1/rubrics/1/export.csv');
  const lines = csv.buffer.toString('utf8').split(/\r?\n/);
  const at = lines.findIndex((l) => l.startsWith('2.1,2,'));
  lines[at] = lines[at].replace('二级指标', '未知');
  await page.getByRole('button', { name: '导入', exact: true }).click();
  const dlg = page.getByRole('dialog', { name: '导入考核指标' });
  const reply = page.waitForResponse((r) => r.url().includes('/api/v1/rubrics/import?save=0'));
  await page.locator('#rubric-import-drop-file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\r\n'), 'utf8') });
  const res = await reply;
  assert.equal(res.status(), 400);
  const err = (await res.json()).error;
  assert.match(err.detail, new RegExp(`^第 ${at + 1} 行：`));
  await dlg.locator('#rubric-import-error', { hasText: '无法导入“bad.csv”' }).waitFor();
  await dlg.locator('#rubric-import-detail', { hasText: `第 ${at + 1} 行：类型（C 列）“未知”不认识` }).waitFor();
  assert.equal((await dlg.locator('#rubric-import-detail').textContent()).trim(), err.detail);
  assert.equal(await dlg.getByRole('button', { name: '在编辑器中打开' }).isVisible(), false);
  await screenshot(page, 'rubric-import-error.png');
  // a Word file is pointed to 从文档生成草稿 without a request
  await page.locator('#rubric-import-drop-file').setInputFiles({ name: '考核办法.docx', mimeType: 'application/octet-stream', buffer: Buffer.from('x') });
  await dlg.locator('#rubric-import-error', { hasText: '请用“从文档生成草稿”' }).waitFor();
  await dlg.getByRole('button', { name: '取消' }).click();
  await dlg.waitFor({ state: 'detached' });
  assert.match(page.url(), /#\/rubrics$/);
  await page.close();
});

const PLAN = [
  '云岭县2025年法治政府建设工作要点',
  '一、总体要求',
  '坚持以习近平法治思想为指导，全面推进依法行政。',
  '二、主要任务',
  '（一）健全依法决策机制',
  '1. 严格落实重大行政决策程序规定，决策前开展合法性审查。',
  '责任单位：县司法局、县政府办',
  '2. 推行重大决策事项目录管理，向社会公布。',
  '责任单位：县政府办',
  '（二）严格规范公正文明执法',
  '1. 全面推行行政执法公示、执法全过程记录、重大执法决定法制审核制度。',
  '责任单位：各行政执法部门',
  '2. 开展行政执法案卷评查。',
  '责任单位：县司法局',
  '三、保障措施',
  '各单位要加强组织领导，按时报送落实情况。',
].join('\n');

test('从文档生成草稿: an uploaded .txt work plan opens as a draft; a file without headings is refused in the dialog', async () => {
  const page = await signedIn('rubric-draft-file', { allow: [{ status: 400, url: /\/api\/v1\/rubrics\/draft\/file/ }, { status: 422, url: /\/api\/v1\/rubrics\/draft\/file/ }] });
  await page.goto(daemon.base + '/#/rubrics');
  await page.getByRole('button', { name: '从文档生成草稿' }).click();
  const dlg = page.getByRole('dialog', { name: '从文档生成草稿' });
  await dlg.waitFor();

  // a file without numbered headings: the server's detail stays in the dialog
  await page.locator('#draft-file-file').setInputFiles({ name: '随笔.txt', mimeType: 'text/plain', buffer: Buffer.from('今年工作很多，大家都很努力。\n明年继续努力。\n', 'utf8') });
  await dlg.locator('#draft-file-chosen', { hasText: '随笔.txt' }).waitFor();
  assert.equal(await dlg.getByLabel('工作要点或考核办法全文').isDisabled(), true, 'the file is used, not the text');
  let reply = page.waitForResponse((r) => r.url().includes('/api/v1/rubrics/draft/file'));
  await dlg.getByRole('button', { name: '生成' }).click();
  let res = await reply;
  assert.ok([400, 422].includes(res.status()), `refused: ${res.status()}`);
  const detail = (await res.json()).error.detail;
  assert.ok(detail, 'the server says why');
  await dlg.locator('#draft-file-error', { hasText: '无法用“随笔.txt”生成草稿' }).waitFor();
  await dlg.locator('#draft-file-detail', { hasText: detail }).waitFor();
  assert.equal(await dlg.isVisible(), true);

  // 不用此文件 gives the text box back; then the real work plan
  await dlg.getByRole('button', { name: '不用此文件' }).click();
  assert.equal(await dlg.getByLabel('工作要点或考核办法全文').isDisabled(), false);
  await page.locator('#draft-file-file').setInputFiles({ name: '2025年工作要点.txt', mimeType: 'text/plain', buffer: Buffer.from(PLAN, 'utf8') });
  await dlg.locator('#draft-file-chosen', { hasText: '2025年工作要点.txt' }).waitFor();
  await screenshot(page, 'rubric-draft-file.png');
  reply = page.waitForResponse((r) => r.url().includes('/api/v1/rubrics/draft/file'));
  await dlg.getByRole('button', { name: '生成' }).click();
  res = await reply;
  assert.equal(res.status(), 200);
  assert.match(res.url(), /\/api\/v1\/rubrics\/draft\/file\?total_points=100$/);
  const draft = await res.json();
  await page.waitForURL(/#\/rubrics\/new\?draft=1$/);
  await page.locator('#rb-title', { hasText: '考核指标草稿' }).waitFor();
  await page.locator('#rb-draft-file-note', { hasText: '2025年工作要点.txt' }).waitFor();
  assert.equal(await page.locator('#rb-tree > li').count(), draft.rubric.areas.length);
  const names = await page.locator('#rb-tree li.rb-depth-1 > .rb-row').getByLabel('名称').evaluateAll((els) => els.map((e) => e.value));
  assert.deepEqual(names, ['健全依法决策机制', '严格规范公正文明执法']);
  const leaves = await page.locator('#rb-tree li.rb-depth-2 > .rb-row').getByLabel('名称').evaluateAll((els) => els.map((e) => e.value));
  assert.equal(leaves.length, 4);
  const resp = await page.locator('#rb-tree').getByLabel('责任单位').evaluateAll((els) => els.map((e) => e.value));
  assert.ok(resp.some((x) => x.includes('县司法局')), resp.join(','));
  await page.locator('#rb-total.is-ok', { hasText: '合计 100 分' }).waitFor();
  await page.close();
});

test('no console or page errors on the rubric file pages', () => {
  assert.deepEqual(problems, []);
});
