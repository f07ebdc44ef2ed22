// tests/browser/imports.test.mjs — 导入单位 (#/units), 批量导入报告（压缩包） (#/cycles/2) and the
// audit filters 对象 and 从/到 (#/audit) in a real browser against the real daemon (its own demo
// daemon and Chromium via harness.mjs).
//
// Covers: the import dialog's columns and 下载模板 (a CSV with a UTF-8 BOM and the five column
// names); a UTF-8 CSV with one bad row (unknown 单位类别) → the preview (POST
// /api/v1/units/import?apply=0) shows that row in red with "单位类别：…", the counts and "表格中
// 有 1 行存在问题，请修改后重新导入", 确认导入 disabled; the fixed sheet encoded in GBK (bytes made
// here from the platform's GBK decoder) → preview without problems; a refusal of apply=1
// (400 with error.rows, answered by the test) shows the rows again with the server's detail
// and blocks 确认导入; the real apply → the counts said on the page and the new units in the
// list. Then, on the cycle page, a .rar refused here with what to do, and a zip of four .txt
// reports: two named after units without a 2023 report (云岭县交通运输局, 云岭县人力资源和社会
// 保障局), a second file for 交通运输局 (both rows red, import blocked until it is set to 不导入)
// and "报告.txt" without a unit, assigned by hand to 云岭县白沙镇人民政府 → 导入 3 份报告 sends
// apply=1 with assign = {"报告.txt": "YL-BSZ", the extra file: ""}; the result lists the
// versions and the progress table shows the three units submitted (已提交 17 / 20). Last,
// the audit log filtered by object (unit:YL-TJJ) and by a day range (since/until as 00:00:00
// and 23:59:59 Beijing time), an empty range, a reversed range refused here, and a click on
// an entry's object. No console or page errors beyond those provoked. Screenshots: unit-import.png, report-import.png, audit-filter.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, stopDaemon, launchBrowser, screenshot, makeZip, chinaDay, chinaEndOfDay, rowCells, signedInPage,
} from './harness.mjs';

let daemon = null;
let browser = null;
const problems = [];


before(async () => {
  daemon = await startDaemon();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  await stopDaemon(daemon);
});

const signedIn = (label, who, opts) => signedInPage(browser, daemon.base, problems, label, who, opts);

/* GBK bytes of text (ASCII as is), from a table built with the platform's GBK decoder. */
let gbkTable = null;
function gbk(text) {
  if (!gbkTable) {
    gbkTable = new Map();
    const dec = new TextDecoder('gbk');
    for (let a = 0x81; a <= 0xfe; a++) {
      for (let b = 0x40; b <= 0xfe; b++) {
        if (b === 0x7f) continue;
        const ch = dec.decode(new Uint8Array([a, b]));
        if (ch.length === 1 && ch !== '\ufffd' && !gbkTable.has(ch)) gbkTable.set(ch, [a, b]);
      }
    }
  }
  const out = [];
  for (const ch of text) {
    const c = ch.codePointAt(0);
    if (c < 0x80) out.push(c);
    else {
      const bytes = gbkTable.get(ch);
      assert.ok(bytes, `no GBK code for ${ch}`);
      out.push(...bytes);
    }
  }
  return Buffer.from(out);
}

const HEADER = '单位代码,单位名称,单位类别,上级单位代码,状态';
const sheet = (kindOfXfj) => [HEADER,
  'YL-TJJ,云岭县统计局,部门,YL,启用',
  `YL-XFJ,云岭县信访局,${kindOfXfj},YL-TJJ,`,
  'YL-SFJ,云岭县司法局,部门,YL,',
  ''].join('\r\n');

const csvFile = (name, buffer) => ({ name, mimeType: 'text/csv', buffer });

test('导入单位: template, a bad row blocks the import, the fixed GBK sheet is imported', async () => {
  const page = await signedIn('unit-import', 'admin', { allow: [{ status: 400, url: /\/api\/v1\/units\/import\?apply=1$/ }] });
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '被考核单位' }).click();
  await page.locator('#units-count', { hasText: '共 20 个单位' }).waitFor();
  await page.getByRole('button', { name: '导入单位' }).click();
  const dlg = page.getByRole('dialog', { name: '导入被考核单位' });
  await dlg.waitFor();
  assert.deepEqual((await dlg.locator('#unit-import-columns tbody th').allTextContents()).map((s) => s.trim()),
    ['单位代码', '单位名称', '单位类别', '上级单位代码', '状态']);
  await dlg.getByText('UTF-8 或 GBK 编码均可').waitFor();
  assert.equal(await dlg.getByRole('button', { name: '确认导入' }).isVisible(), false, 'nothing to confirm before a file');

  // 下载模板: a CSV made in the browser, with a UTF-8 BOM.
  const dl = page.waitForEvent('download');
  await dlg.getByRole('button', { name: '下载模板（CSV）' }).click();
  const download = await dl;
  assert.equal(download.suggestedFilename(), '被考核单位导入模板.csv');
  const chunks = [];
  for await (const c of await download.createReadStream()) chunks.push(c);
  const template = Buffer.concat(chunks);
  assert.deepEqual([...template.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
  assert.equal(template.subarray(3).toString('utf8'), HEADER + '\r\n');

  // A file of the wrong type is refused here, without a request.
  await dlg.locator('#unit-import-drop-file').setInputFiles({ name: '单位.docx', mimeType: 'application/octet-stream', buffer: Buffer.from('x') });
  await dlg.locator('#unit-import-file-note', { hasText: '不支持“单位.docx”的格式，请选择 .xlsx / .csv 文件。' }).waitFor();

  // A UTF-8 sheet with one bad row: the preview marks it, the import is blocked.
  const previewP = page.waitForResponse((r) => r.url().endsWith('/api/v1/units/import?apply=0'));
  await dlg.locator('#unit-import-drop-file').setInputFiles(csvFile('单位名录.csv', Buffer.from(sheet('局'), 'utf8')));
  assert.equal((await previewP).status(), 200);
  const table = dlg.locator('#unit-import-table');
  await table.waitFor();
  assert.deepEqual((await table.locator('thead th').allTextContents()).map((s) => s.trim()),
    ['行号', '单位代码', '单位名称', '类别', '上级', '操作', '问题']);
  const bad = table.locator('tbody tr[data-row="3"]');
  assert.equal(await bad.getAttribute('class'), 'row-bad');
  assert.equal(await rowCells(bad), '3 | YL-XFJ | 云岭县信访局 | 局 | YL-TJJ | 新增 | 单位类别：应为：市、区、县、部门、开发区/园区、镇、乡、街道');
  assert.equal(await rowCells(table.locator('tbody tr[data-row="2"]')), '2 | YL-TJJ | 云岭县统计局 | 部门 | YL | 新增 | —');
  assert.equal(await rowCells(table.locator('tbody tr[data-row="4"]')), '4 | YL-SFJ | 云岭县司法局 | 部门 | YL | 不变 | —');
  assert.equal(await table.locator('tbody tr.row-bad').count(), 1);
  await dlg.locator('#unit-import-state', { hasText: '表格中有 1 行存在问题，请修改后重新导入' }).waitFor();
  assert.equal((await dlg.locator('#unit-import-summary').innerText()).replace(/\s+/g, ' '), '共 3 新增 1 更新 0 不变 1 有问题 1');
  const apply = dlg.getByRole('button', { name: '确认导入' });
  assert.equal(await apply.isDisabled(), true, '确认导入 is disabled while a row has problems');
  await screenshot(page, 'unit-import.png');
  await dlg.getByLabel('只显示有问题的行').check();
  assert.equal(await table.locator('tbody tr[data-row]:visible').count(), 1);

  // The fixed sheet, encoded in GBK (as WPS/Excel save a CSV on Chinese Windows).
  await dlg.getByRole('button', { name: '重新选择文件' }).click();
  const preview2P = page.waitForResponse((r) => r.url().endsWith('/api/v1/units/import?apply=0'));
  await dlg.locator('#unit-import-drop-file').setInputFiles(csvFile('单位名录-修改.csv', gbk(sheet('部门'))));
  assert.equal((await preview2P).status(), 200);
  await dlg.locator('#unit-import-filename', { hasText: '单位名录-修改.csv' }).waitFor();
  await dlg.locator('#unit-import-state', { hasText: '检查通过：将新增 2 个单位，更新 0 个单位。' }).waitFor();
  assert.equal(await rowCells(table.locator('tbody tr[data-row="3"]')), '3 | YL-XFJ | 云岭县信访局 | 部门 | YL-TJJ | 新增 | —');
  assert.equal(await table.locator('tbody tr.row-bad').count(), 0);
  assert.equal(await apply.isEnabled(), true);

  // A refusal of the apply (the data changed meanwhile) shows the rows again, import blocked.
  const refused = {
    error: {
      code: 'E_VALIDATION', message: '输入内容不符合要求', detail: '表格中有问题的行，未导入任何单位；请修改后重新导入',
      rows: [
        { row: 2, code: 'YL-TJJ', name: '云岭县统计局', kind: '部门', parent: 'YL', action: 'create', problems: [{ column: '单位代码', message: '该单位代码已存在' }] },
        { row: 3, code: 'YL-XFJ', name: '云岭县信访局', kind: '部门', parent: 'YL-TJJ', action: 'create', problems: [] },
      ],
      summary: { rows: 2, create: 1, update: 0, unchanged: 0, problems: 1 },
    },
  };
  await page.route('**/api/v1/units/import?apply=1', (route) => route.fulfill({
    status: 400, contentType: 'application/json; charset=utf-8', body: JSON.stringify(refused),
  }));
  await apply.click();
  await dlg.getByRole('alert').filter({ hasText: '表格中有问题的行，未导入任何单位；请修改后重新导入' }).waitFor();
  await table.locator('tbody tr.row-bad[data-row="2"]', { hasText: '单位代码：该单位代码已存在' }).waitFor();
  assert.equal(await apply.isDisabled(), true, 'still blocked after the refusal');
  await page.unroute('**/api/v1/units/import?apply=1');

  // The real apply: the page says the counts, the list has the new units.
  await dlg.getByRole('button', { name: '重新选择文件' }).click();
  await dlg.locator('#unit-import-drop-file').setInputFiles(csvFile('单位名录-修改.csv', gbk(sheet('部门'))));
  await dlg.locator('#unit-import-state', { hasText: '检查通过' }).waitFor();
  const applyP = page.waitForResponse((r) => r.url().endsWith('/api/v1/units/import?apply=1'));
  await apply.click();
  const applied = await applyP;
  assert.equal(applied.status(), 200);
  assert.equal((await applied.json()).applied, true);
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#units-status', { hasText: '导入完成：新增 2 个单位，更新 0 个单位，1 个不变。' }).waitFor();
  await page.locator('#units-count', { hasText: '共 22 个单位' }).waitFor();
  assert.equal(await rowCells(page.locator('#units-table tbody tr[data-code="YL-XFJ"]')),
    'YL-XFJ | 云岭县信访局 | 部门 | 云岭县统计局 YL-TJJ | 启用 | 编辑 停用');
  await page.context().close();
});

/* A plausible annual report as text; unit may be '' (then nothing in it names a unit). */
function reportText(unit) {
  return [
    `${unit}2023年度法治政府建设情况报告`,
    '一、2023年度推进法治政府建设的主要举措和成效',
    '全年组织集中学法8次，完成行政规范性文件合法性审核5件，行政执法案卷评查全覆盖。',
    '二、2023年度推进法治政府建设存在的不足和原因',
    '执法人员法治素养仍有差距，普法宣传针对性不强。',
    '三、党政主要负责人履行推进法治建设第一责任人职责情况',
    '主要负责人主持专题研究法治建设工作3次。',
    '四、2024年度推进法治政府建设的主要安排',
    '继续完善合法性审查机制，加强行政执法监督。',
  ].join('\n');
}

test('批量导入报告: a zip previewed, one file assigned by hand, a duplicate set aside, imported', async () => {
  const page = await signedIn('report-import', 'admin');
  await page.goto(daemon.base + '/#/cycles/2');
  await page.locator('#cycle-progress-count', { hasText: '已提交 14 / 20' }).waitFor();
  await page.getByRole('button', { name: '批量导入报告（压缩包）' }).click();
  const dlg = page.getByRole('dialog', { name: '批量导入报告（压缩包）' });
  await dlg.waitFor();
  await dlg.getByText('现在导入的报告将标注“补交”').waitFor();

  const zip = makeZip([
    ['云岭县交通运输局2023年度法治政府建设情况报告.txt', reportText('云岭县交通运输局')],
    ['各单位/云岭县人力资源和社会保障局.txt', reportText('云岭县人力资源和社会保障局')],
    ['报告.txt', reportText('')],
    ['云岭县交通运输局（旧稿）.txt', reportText('云岭县交通运输局')],
  ]);
  // A RAR archive gets a sentence on what to do, without a request.
  await dlg.locator('#report-import-drop-file').setInputFiles({ name: '各单位报告.rar', mimeType: 'application/octet-stream', buffer: Buffer.from('Rar!') });
  await dlg.locator('#report-import-file-note', { hasText: '“各单位报告.rar”不是 .zip 压缩包' }).waitFor();

  const previewP = page.waitForResponse((r) => r.url().endsWith('/api/v1/cycles/2/reports/import?apply=0'));
  await dlg.locator('#report-import-drop-file').setInputFiles({ name: '2023年度报告.zip', mimeType: 'application/zip', buffer: zip });
  assert.equal((await previewP).status(), 200);
  const table = dlg.locator('#report-import-table');
  await table.waitFor();
  assert.deepEqual((await table.locator('thead th').allTextContents()).map((s) => s.trim()),
    ['文件名', '格式', '识别的标题', '对应单位', '匹配方式', '问题']);
  const row = (name) => table.locator(`tbody tr[data-entry="${name}"]`);
  const select = (name) => dlg.getByRole('combobox', { name: `“${name}”对应的单位` });
  const jtj = '云岭县交通运输局2023年度法治政府建设情况报告.txt';
  const old = '云岭县交通运输局（旧稿）.txt';
  assert.equal(await select(jtj).inputValue(), 'YL-JTJ');
  assert.equal(await select('各单位/云岭县人力资源和社会保障局.txt').inputValue(), 'YL-RSJ');
  assert.equal(await select('报告.txt').inputValue(), '-', '请选择对应单位… until chosen');
  assert.match(await rowCells(row(jtj)), /^云岭县交通运输局2023年度法治政府建设情况报告\.txt \S+ B \| TXT \| 云岭县交通运输局2023年度法治政府建设情况报告 \| .* \| 按文件名 \| 与“云岭县交通运输局（旧稿）\.txt”对应同一单位/);
  assert.match(await rowCells(row('报告.txt')), /\| 未能确定所属单位，请在“对应单位”中选择，或选择“不导入”。$/);
  assert.equal(await table.locator('tbody tr.row-bad').count(), 2, 'both files of one unit in red');
  await dlg.locator('#report-import-state', { hasText: '有 2 个文件对应了同一单位，暂不能导入。' }).waitFor();
  const apply = dlg.locator('[data-action="submit"]');
  assert.equal(await apply.isDisabled(), true);
  assert.equal((await apply.textContent()).trim(), '导入 1 份报告', 'RSJ only: 交通运输局 has two files, 报告.txt no unit');
  await screenshot(page, 'report-import.png');

  // The old draft is not imported; 报告.txt goes to 白沙镇 by hand.
  await select(old).selectOption({ label: '不导入' });
  await select('报告.txt').selectOption({ label: '云岭县白沙镇人民政府（YL-BSZ）' });
  assert.match(await rowCells(row('报告.txt')), /\| 手动指定 \| —$/);
  assert.equal(await table.locator('tbody tr.row-bad').count(), 0);
  await dlg.locator('#report-import-state', { hasText: '将导入 3 份报告' }).waitFor();
  assert.equal((await dlg.locator('#report-import-summary').innerText()).replace(/\s+/g, ' '), '文件 4 将导入 3 不导入 1 单位重复 0');

  // Chromium does not hand multipart bodies with files to the test: note the text fields here.
  await page.evaluate(() => {
    const append = FormData.prototype.append;
    window.testFormFields = [];
    FormData.prototype.append = function (name, value, ...rest) {
      if (typeof value === 'string') window.testFormFields.push([name, value]);
      return append.call(this, name, value, ...rest);
    };
  });
  const applyP = page.waitForResponse((r) => r.url().endsWith('/api/v1/cycles/2/reports/import?apply=1'));
  await dlg.getByRole('button', { name: '导入 3 份报告' }).click();
  const res = await applyP;
  assert.equal(res.status(), 200);
  const fields = await page.evaluate(() => window.testFormFields);
  assert.equal(fields.length, 1);
  assert.equal(fields[0][0], 'assign');
  assert.deepEqual(JSON.parse(fields[0][1]), { '报告.txt': 'YL-BSZ', [old]: '' });
  await dlg.locator('#report-import-done', { hasText: '已导入 3 份报告' }).waitFor();
  const results = dlg.locator('#report-import-results');
  assert.equal(await results.locator('tbody tr[data-version="1"]').count(), 3);
  assert.match(await rowCells(results.locator('tbody tr[data-entry="报告.txt"]')), /^报告\.txt \| 云岭县白沙镇人民政府 YL-BSZ \| 已导入为第 1 版$/);
  assert.match(await rowCells(results.locator(`tbody tr[data-entry="${old}"]`)), /按选择不导入/);
  await dlg.getByRole('button', { name: '关闭' }).last().click();
  await dlg.waitFor({ state: 'detached' });

  await page.locator('#cycle-status', { hasText: '已导入 3 份报告' }).waitFor();
  await page.locator('#cycle-progress-count', { hasText: '已提交 17 / 20' }).waitFor();
  for (const code of ['YL-JTJ', 'YL-RSJ', 'YL-BSZ']) {
    await page.locator(`#cycle-units-table tbody tr[data-code="${code}"] .badge`, { hasText: '已提交 v1' }).waitFor();
  }
  await page.context().close();
});

test('审计日志: filter by object and by a day range', async () => {
  const page = await signedIn('audit-filter', 'admin');
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '审计日志' }).click();
  await page.locator('#audit-table tbody tr[data-id]').first().waitFor();

  const today = chinaDay(0);
  const listed = () => page.waitForResponse((r) => r.url().includes('/api/v1/audit?'));
  await page.getByLabel('对象', { exact: true }).fill('unit:YL-TJJ');
  let req = listed();
  await page.getByRole('button', { name: '查询' }).click();
  let url = new URL((await req).url());
  assert.equal(url.searchParams.get('object'), 'unit:YL-TJJ');
  await page.waitForFunction(() => {
    const rs = [...document.querySelectorAll('#audit-table tbody tr[data-id]')];
    return rs.length >= 1 && rs.every((r) => r.querySelector('[data-object]').dataset.object === 'unit:YL-TJJ');
  });
  await page.locator('#audit-table tbody tr[data-audit-action="unit.create"]', { hasText: '单位 YL-TJJ' }).waitFor();

  // The day range: since = 00:00:00 and until = 23:59:59 of the days, Beijing time.
  req = listed();
  await page.getByLabel('从', { exact: true }).fill(today);
  url = new URL((await req).url());
  assert.equal(url.searchParams.get('since'), String(chinaEndOfDay(today) - 86399));
  req = listed();
  await page.getByLabel('到', { exact: true }).fill(today);
  url = new URL((await req).url());
  assert.equal(url.searchParams.get('until'), String(chinaEndOfDay(today)));
  assert.equal(url.searchParams.get('object'), 'unit:YL-TJJ');
  await page.locator('#audit-table tbody tr[data-audit-action="unit.create"]').waitFor();
  await page.locator('h1').focus();
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'audit-filter.png');

  // A range before anything happened: nothing; a reversed range is refused here.
  const yesterday = chinaDay(-1);
  req = listed();
  await page.getByLabel('到', { exact: true }).fill(yesterday);
  await page.getByLabel('从', { exact: true }).fill(chinaDay(-3)); // from ≤ to again after the first change
  await req;
  await page.locator('#audit-table').getByText('没有符合条件的审计记录').waitFor();
  await page.getByLabel('从', { exact: true }).fill(today);
  await page.locator('#audit-filter-error', { hasText: '开始日期不能晚于结束日期。' }).waitFor();
  assert.equal(await page.getByLabel('到', { exact: true }).getAttribute('aria-invalid'), 'true');

  // 清除筛选, then a click on an entry's object filters by it.
  req = listed();
  await page.getByRole('button', { name: '清除筛选' }).click();
  url = new URL((await req).url());
  assert.deepEqual([...url.searchParams.keys()], ['limit']);
  assert.equal(await page.locator('#audit-filter-error').isVisible(), false);
  const importRow = page.locator('#audit-table tbody tr[data-audit-action="report.import"]').first();
  await importRow.waitFor();
  assert.match(await rowCells(importRow), /批量导入报告 \| 考核周期 #2 \| 文件数\s*4\s*已对应\s*3/);
  req = listed();
  await importRow.getByRole('button', { name: '考核周期 #2' }).click();
  url = new URL((await req).url());
  assert.equal(url.searchParams.get('object'), 'cycle:2');
  assert.equal(await page.getByLabel('对象', { exact: true }).inputValue(), 'cycle:2');
  await page.context().close();
});

test('no console errors and no page errors during the whole run', () => {
  assert.deepEqual(problems, []);
});
