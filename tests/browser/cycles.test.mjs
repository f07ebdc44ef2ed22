// tests/browser/cycles.test.mjs — 被考核单位 (#/units) and 考核周期 (#/cycles, #/cycles/{id}) in
// a real browser against the real daemon (its own demo daemon and Chromium via harness.mjs).
//
// Covers: the unit table (columns, search, kind filter); 新增单位 with the client checks, the
// server's error next to the code field for a taken code, and the 上级单位 picked by typing
// (combobox, keyboard); 编辑 (only the changes are sent, the parent cleared); 停用 after a
// confirmation and 启用 again; the cycle list; 新建考核周期 with the default title following
// the year, deadlines from date inputs sent as 23:59:59 Beijing time and the previous cycle's
// rubric copied by default; the cycle page with the five-phase stepper, 下一阶段 (draft →
// 报告填报) after a confirmation saying uploads open, 上一阶段 and forward again, 编辑周期信息 (deadline), the progress table (已提交 0 / y), 允许补交
// with a date (sent as 23:59:59 Beijing time, shown in the row) and withdrawing it; a closed
// cycle is read-only; no console or page errors. Screenshots: units.png, cycles.png,
// cycle-detail.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, stopDaemon, launchBrowser, screenshot, apiSession, chinaDay, chinaEndOfDay, rowCells, signedInPage,
} from './harness.mjs';

let daemon = null;
let browser = null;
const problems = [];


const signedIn = (label, who, opts) => signedInPage(browser, daemon.base, problems, label, who, opts);

const nav = (page, name) => page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name, exact: true }).click();
const unitRow = (page, code) => page.locator(`#units-table tbody tr[data-code="${code}"]`);

before(async () => {
  daemon = await startDaemon();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  await stopDaemon(daemon);
});

test('被考核单位: admin lists, creates, edits, deactivates and activates a unit', async () => {
  const page = await signedIn('units', 'admin', { allow: [{ status: 409, url: /\/api\/v1\/units$/ }] });
  await nav(page, '被考核单位');
  await page.locator('h1', { hasText: '被考核单位' }).waitFor();
  await unitRow(page, 'YL-SFJ').waitFor();
  const heads = (await page.locator('#units-table thead th').allTextContents()).map((s) => s.trim());
  assert.deepEqual(heads, ['单位代码', '单位名称', '类别', '上级单位', '状态', '操作']);
  await page.locator('#units-count', { hasText: '共 20 个单位' }).waitFor();
  assert.equal(await rowCells(unitRow(page, 'YL-SFJ')), 'YL-SFJ | 云岭县司法局 | 部门 | 云岭县人民政府 YL | 启用 | 编辑 停用');
  // 导入单位 sits beside 新增单位 (imports.test.mjs covers the import itself).
  assert.deepEqual((await page.locator('.toolbar-actions .btn').allTextContents()).map((s) => s.trim()), ['导入单位', '新增单位']);

  // Kind filter (from GET /api/v1/unit-kinds) and search.
  await page.getByLabel('类别', { exact: true }).selectOption({ label: '镇' });
  await page.locator('#units-count', { hasText: /共 \d+ 个单位/ }).waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll('#units-table tbody tr[data-code] td:nth-child(3)')].every((td) => td.textContent.trim() === '镇'));
  assert.ok(await page.locator('#units-table tbody tr[data-code]').count() >= 1);
  await page.getByLabel('类别', { exact: true }).selectOption({ label: '全部类别' });
  await page.locator('#units-count', { hasText: '共 20 个单位' }).waitFor();
  await page.getByRole('searchbox', { name: '搜索单位' }).fill('司法');
  await page.locator('#units-count', { hasText: '共 1 个单位' }).waitFor();
  await page.getByRole('searchbox', { name: '搜索单位' }).fill('');
  await page.locator('#units-count', { hasText: '共 20 个单位' }).waitFor();
  await screenshot(page, 'units.png');

  // 新增单位: client checks, a taken code (server's detail next to the field), then success.
  await page.getByRole('button', { name: '新增单位' }).click();
  const dlg = page.getByRole('dialog', { name: '新增被考核单位' });
  await dlg.waitFor();
  await dlg.getByRole('button', { name: '添加单位' }).click();
  await dlg.locator('[data-field="code"] .field-error', { hasText: '请输入单位代码。' }).waitFor();
  await dlg.getByLabel('单位代码').fill('YL-SFJ');
  await dlg.getByLabel('单位名称').fill('云岭县营商环境服务局');
  await dlg.getByLabel('类别').selectOption({ label: '部门' });
  const taken = page.waitForResponse((r) => r.url().endsWith('/api/v1/units') && r.request().method() === 'POST');
  await dlg.getByRole('button', { name: '添加单位' }).click();
  assert.equal((await taken).status(), 409);
  await dlg.locator('[data-field="code"] .field-error', { hasText: '该单位代码已存在' }).waitFor();
  assert.equal(await dlg.getByLabel('单位代码').getAttribute('aria-invalid'), 'true');

  await dlg.getByLabel('单位代码').fill('YL-YSJ');
  // The parent by typing: the list comes from GET /api/v1/units?q=…; ↓ and Enter choose.
  const parent = dlg.getByRole('combobox', { name: /上级单位/ });
  await parent.fill('人民政府');
  const options = dlg.getByRole('listbox');
  await options.getByRole('option', { name: /云岭县人民政府/ }).waitFor();
  assert.equal(await parent.getAttribute('aria-expanded'), 'true');
  await parent.press('Enter'); // the first option is active
  assert.equal(await parent.inputValue(), '云岭县人民政府（YL）');
  assert.equal(await options.isVisible(), false);
  assert.equal(await dlg.isVisible(), true, 'Enter in the open list does not submit');
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/units') && r.request().method() === 'POST');
  await dlg.getByRole('button', { name: '添加单位' }).click();
  const res = await created;
  assert.equal(res.status(), 201);
  assert.deepEqual(JSON.parse(res.request().postData()), { code: 'YL-YSJ', name: '云岭县营商环境服务局', kind: 'department', parent: 'YL' });
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#units-status', { hasText: '已添加单位 云岭县营商环境服务局（YL-YSJ）。' }).waitFor();
  await unitRow(page, 'YL-YSJ').waitFor();
  await page.locator('#units-count', { hasText: '共 21 个单位' }).waitFor();

  // 编辑: rename, clear the parent; only the changes are sent.
  await unitRow(page, 'YL-YSJ').getByRole('button', { name: '编辑单位 云岭县营商环境服务局' }).click();
  const edit = page.getByRole('dialog', { name: '编辑单位：云岭县营商环境服务局' });
  await edit.waitFor();
  assert.equal(await edit.getByRole('combobox', { name: /上级单位/ }).inputValue(), '云岭县人民政府（YL）');
  await edit.getByLabel('单位名称').fill('云岭县营商环境建设局');
  await edit.getByRole('combobox', { name: /上级单位/ }).fill('');
  const patch = page.waitForResponse((r) => r.url().endsWith('/api/v1/units/YL-YSJ') && r.request().method() === 'PATCH');
  await edit.getByRole('button', { name: '保存' }).click();
  const pres = await patch;
  assert.equal(pres.status(), 200);
  assert.deepEqual(JSON.parse(pres.request().postData()), { name: '云岭县营商环境建设局', parent: null });
  await page.locator('#units-status', { hasText: '已保存单位 云岭县营商环境建设局 的修改。' }).waitFor();
  await unitRow(page, 'YL-YSJ').locator('td', { hasText: '云岭县营商环境建设局' }).waitFor();
  assert.equal((await unitRow(page, 'YL-YSJ').locator('td').nth(3).textContent()).trim(), '—');

  // 停用 after a confirmation; 启用 again at once.
  await unitRow(page, 'YL-YSJ').getByRole('button', { name: '停用单位 云岭县营商环境建设局' }).click();
  const confirm = page.getByRole('dialog', { name: '停用单位' });
  await confirm.getByText('不会再被加入新建的考核周期').waitFor();
  const off = page.waitForResponse((r) => r.url().endsWith('/api/v1/units/YL-YSJ') && r.request().method() === 'PATCH');
  await confirm.getByRole('button', { name: '确定停用' }).click();
  assert.deepEqual(JSON.parse((await off).request().postData()), { active: false });
  await page.locator('#units-status', { hasText: '已停用单位 云岭县营商环境建设局。' }).waitFor();
  await unitRow(page, 'YL-YSJ').locator('.badge', { hasText: '停用' }).waitFor();
  await page.getByLabel('状态', { exact: true }).selectOption({ label: '停用' });
  await page.locator('#units-count', { hasText: '共 1 个单位' }).waitFor();
  await unitRow(page, 'YL-YSJ').getByRole('button', { name: '启用单位 云岭县营商环境建设局' }).click();
  await page.locator('#units-status', { hasText: '已启用单位 云岭县营商环境建设局。' }).waitFor();
  await page.locator('#units-count', { hasText: '共 0 个单位' }).waitFor();
  // Deactivate again through the edit dialog (radio), so the cycle below has 20 units.
  await page.getByLabel('状态', { exact: true }).selectOption({ label: '全部状态' });
  await unitRow(page, 'YL-YSJ').getByRole('button', { name: '编辑单位 云岭县营商环境建设局' }).click();
  const edit2 = page.getByRole('dialog', { name: '编辑单位：云岭县营商环境建设局' });
  await edit2.getByRole('radio', { name: '停用' }).check();
  const off2 = page.waitForResponse((r) => r.url().endsWith('/api/v1/units/YL-YSJ') && r.request().method() === 'PATCH');
  await edit2.getByRole('button', { name: '保存' }).click();
  assert.deepEqual(JSON.parse((await off2).request().postData()), { active: false });
  await unitRow(page, 'YL-YSJ').locator('.badge', { hasText: '停用' }).waitFor();
  await page.context().close();
});

test('考核周期: admin creates a cycle, opens uploads, edits a deadline and allows a late upload', async () => {
  const page = await signedIn('cycles', 'admin');
  await nav(page, '考核周期');
  await page.locator('#cycles-table tbody tr[data-id="2"]').waitFor();
  const heads = (await page.locator('#cycles-table thead th').allTextContents()).map((s) => s.trim());
  assert.deepEqual(heads, ['年度', '名称', '阶段', '填报截止', '评审截止', '单位数', '已提交报告', '操作']);
  assert.equal(await rowCells(page.locator('#cycles-table tbody tr[data-id="2"]')),
    '2023 | 云岭县2023年度法治政府建设考核 | 评审阶段 | 2024-03-01 23:59 | 2024-03-31 23:59 | 20 | 14 / 20 | 查看');

  // 新建考核周期: the title follows the year until edited; deadlines are days.
  await page.getByRole('button', { name: '新建考核周期' }).click();
  const dlg = page.getByRole('dialog', { name: '新建考核周期' });
  await dlg.waitFor();
  await dlg.getByLabel('年度', { exact: true }).fill('2024');
  assert.equal(await dlg.getByLabel('名称').inputValue(), '2024年度法治政府建设考核');
  await dlg.getByLabel('名称').fill('云岭县2024年度法治政府建设考核');
  const subDay = chinaDay(14);
  const revDay = chinaDay(30);
  await dlg.getByLabel(/填报截止/).fill(subDay);
  await dlg.getByLabel(/评审截止/).fill(revDay);
  // 评分细则: copying the previous cycle's rubric is the default once it is known
  // (cyclerubric.test.mjs covers the choices).
  await dlg.getByRole('radio', { name: '复制上一周期的细则（云岭县2023年度法治政府建设考核指标 v1）' }).waitFor();
  assert.equal(await dlg.getByRole('radio', { name: /复制上一周期的细则/ }).isChecked(), true);
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/cycles') && r.request().method() === 'POST');
  await dlg.getByRole('button', { name: '创建周期' }).click();
  const res = await created;
  assert.equal(res.status(), 201);
  assert.deepEqual(JSON.parse(res.request().postData()), {
    year: 2024, title: '云岭县2024年度法治政府建设考核',
    submission_deadline: chinaEndOfDay(subDay), review_deadline: chinaEndOfDay(revDay),
    rubric_copy_from: 1,
  });
  const id = (await res.json()).cycle.id;

  // The cycle page: stepper at 筹备, the unit table, 已提交 0 / 20.
  await page.waitForFunction((cid) => location.hash === '#/cycles/' + cid, id);
  await page.locator('h1', { hasText: '云岭县2024年度法治政府建设考核' }).waitFor();
  await page.locator('#cycle-status', { hasText: '考核周期已创建' }).waitFor();
  assert.equal((await page.locator('.stepper [aria-current="step"] .step-name').textContent()).trim(), '筹备');
  assert.deepEqual((await page.locator('.stepper .step-name').allTextContents()).map((s) => s.trim()),
    ['筹备', '报告填报', '评审', '结果公示', '结束归档']);
  assert.equal(await page.getByRole('button', { name: /退回/ }).count(), 0, 'no step back from the first phase');
  await page.locator('#cycle-progress-count', { hasText: '已提交 0 / 20' }).waitFor();
  assert.equal(await page.locator('#cycle-units-table tbody tr[data-code]').count(), 20, 'the deactivated unit is not in the new cycle');
  assert.equal(await page.locator('#cycle-units-table tbody tr[data-code="YL-YSJ"]').count(), 0);
  assert.equal(await rowCells(page.locator('#cycle-units-table tbody tr[data-code="YL-SFJ"]')), '云岭县司法局 YL-SFJ | 部门 | 未提交 | — | — | 上传报告 允许补交');
  assert.equal(await page.locator('#cycle-submission-deadline').textContent(), subDay + ' 23:59');

  // 下一阶段 after a confirmation that says uploads open.
  await page.getByRole('button', { name: '进入“报告填报”阶段' }).click();
  let confirm = page.getByRole('dialog', { name: '进入“报告填报”阶段' });
  await confirm.getByText('本周期的 20 个被考核单位即可登录上传年度报告').waitFor();
  await confirm.getByText(`填报截止时间为 ${subDay} 23:59`).waitFor();
  let patch = page.waitForResponse((r) => r.url().endsWith('/api/v1/cycles/' + id) && r.request().method() === 'PATCH');
  await confirm.getByRole('button', { name: '确定进入报告填报阶段' }).click();
  assert.deepEqual(JSON.parse((await patch).request().postData()), { phase: 'submission' });
  await page.locator('#cycle-status', { hasText: '考核周期已进入报告填报阶段。' }).waitFor();
  assert.equal((await page.locator('.stepper [aria-current="step"] .step-name').textContent()).trim(), '报告填报');
  await page.locator('.page-head .badge', { hasText: '报告填报阶段' }).waitFor();

  // One step back (confirmation says uploads pause) and forward again.
  await page.getByRole('button', { name: '退回到“筹备”' }).click();
  confirm = page.getByRole('dialog', { name: '退回到“筹备”阶段' });
  await confirm.getByText('报告填报暂停').waitFor();
  await confirm.getByRole('button', { name: '确定退回' }).click();
  await page.locator('#cycle-status', { hasText: '考核周期已进入筹备阶段。' }).waitFor();
  await page.getByRole('button', { name: '进入“报告填报”阶段' }).click();
  await page.getByRole('dialog', { name: '进入“报告填报”阶段' }).getByRole('button', { name: '确定进入报告填报阶段' }).click();
  await page.locator('#cycle-status', { hasText: '考核周期已进入报告填报阶段。' }).waitFor();

  // 编辑周期信息: move the submission deadline; only that is sent.
  await page.getByRole('button', { name: '编辑周期信息' }).click();
  const editDlg = page.getByRole('dialog', { name: '编辑周期信息' });
  assert.equal(await editDlg.getByLabel(/填报截止/).inputValue(), subDay);
  const newSub = chinaDay(21);
  await editDlg.getByLabel(/填报截止/).fill(newSub);
  patch = page.waitForResponse((r) => r.url().endsWith('/api/v1/cycles/' + id) && r.request().method() === 'PATCH');
  await editDlg.getByRole('button', { name: '保存' }).click();
  assert.deepEqual(JSON.parse((await patch).request().postData()), { submission_deadline: chinaEndOfDay(newSub) });
  await page.locator('#cycle-submission-deadline', { hasText: newSub + ' 23:59' }).waitFor();

  // 允许补交 for one unit, with a date.
  const row = page.locator('#cycle-units-table tbody tr[data-code="YL-SFJ"]');
  await row.getByRole('button', { name: '允许 云岭县司法局 补交报告' }).click();
  const late = page.getByRole('dialog', { name: '允许补交：云岭县司法局' });
  await late.waitFor();
  assert.equal(await late.getByLabel('补交截止日期').inputValue(), chinaDay(7), 'a week from today by default');
  const lateDay = chinaDay(40);
  await late.getByLabel('补交截止日期').fill(lateDay);
  const post = page.waitForResponse((r) => r.url().endsWith(`/api/v1/cycles/${id}/units/YL-SFJ/late-upload`));
  await late.getByRole('button', { name: '允许补交' }).click();
  const pr = await post;
  assert.equal(pr.status(), 204);
  assert.deepEqual(JSON.parse(pr.request().postData()), { until: chinaEndOfDay(lateDay) });
  await page.locator('#cycle-status', { hasText: `已允许 云岭县司法局 补交报告，截止到 ${lateDay} 23:59。` }).waitFor();
  await row.getByText(`可补交至 ${lateDay} 23:59`).waitFor();
  const admin = await apiSession(daemon.base, 'admin');
  const units = (await admin.call('GET', `/api/v1/cycles/${id}/units`)).body.units;
  assert.equal(units.find((u) => u.code === 'YL-SFJ').late_upload_until, chinaEndOfDay(lateDay));
  await page.getByLabel('状态', { exact: true }).selectOption({ label: '补交' });
  assert.equal(await page.locator('#cycle-units-table tbody tr[data-code]').count(), 1, 'the 补交 filter');
  await page.getByLabel('状态', { exact: true }).selectOption({ label: '全部' });
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'cycle-detail.png');

  // Withdraw the permission again.
  await row.getByRole('button', { name: '允许 云岭县司法局 补交报告' }).click();
  await late.getByText(`目前已允许补交至 ${lateDay} 23:59。`).waitFor();
  await late.getByRole('button', { name: '撤销补交许可' }).click();
  await page.locator('#cycle-status', { hasText: '已撤销 云岭县司法局 的补交许可。' }).waitFor();
  await row.getByText('可补交至').waitFor({ state: 'detached' });

  // The list shows the new cycle first.
  await page.getByRole('navigation', { name: '位置' }).getByRole('link', { name: '考核周期' }).click();
  await page.locator(`#cycles-table tbody tr[data-id="${id}"]`).waitFor();
  assert.equal(await page.locator('#cycles-table tbody tr').first().getAttribute('data-id'), String(id));
  assert.equal(await rowCells(page.locator(`#cycles-table tbody tr[data-id="${id}"]`)),
    `2024 | 云岭县2024年度法治政府建设考核 | 报告填报阶段 | ${newSub} 23:59 | ${revDay} 23:59 | 20 | 0 / 20 | 查看`);
  await page.locator('#current-cycle', { hasText: '云岭县2024年度法治政府建设考核' }).waitFor();
  await screenshot(page, 'cycles.png');
  await page.context().close();
});

test('考核周期: a closed cycle is read-only; the demo cycle shows its progress', async () => {
  const page = await signedIn('cycle-closed', 'admin');
  await page.goto(daemon.base + '/#/cycles/1');
  await page.locator('h1', { hasText: '云岭县2022年度法治政府建设考核' }).waitFor();
  await page.getByText('本周期已结束归档，所有数据只读。').waitFor();
  await page.locator('#cycle-units-table tbody tr[data-code]').first().waitFor();
  assert.equal(await page.getByRole('button', { name: /进入|退回|编辑周期信息/ }).count(), 0);
  assert.equal(await page.getByRole('button', { name: /允许补交/ }).count(), 0);
  await page.locator('#cycle-progress-count', { hasText: '已提交 4 / 20' }).waitFor();

  await page.goto(daemon.base + '/#/cycles/2');
  await page.locator('#cycle-progress-count', { hasText: '已提交 14 / 20' }).waitFor();
  assert.equal(await page.locator('#cycle-progress-bar').getAttribute('aria-valuenow'), '14');
  // Rows with structure hints show their count in red; 查看报告 leads to the report view.
  const warned = page.locator('#cycle-units-table .hint-count.is-bad');
  if (await warned.count()) assert.match(await warned.first().textContent(), /\d+ 条提示/);
  const view = page.locator('#cycle-units-table tbody tr[data-code="YL-SFJ"]').getByRole('link', { name: '查看 云岭县司法局 的报告' });
  assert.equal(await view.getAttribute('href'), '#/cycles/2/units/YL-SFJ/report');
  page.allowHttpErrors.push({ status: 404, url: /\/api\/v1\/cycles\/999/ });
  await page.goto(daemon.base + '/#/cycles/999');
  await page.locator('h1', { hasText: '考核周期不存在' }).waitFor();
  await page.context().close();
});

test('no console errors and no page errors during the whole run', () => {
  assert.deepEqual(problems, []);
});
