// tests/browser/rubricversions.test.mjs — versions of a rubric, the comparison view and moving
// nodes in the editor, in a real browser against the real daemon (its own demo daemon and
// Chromium via harness.mjs).
//
// Covers: the frozen demo rubric's version picker ("v1 · 已冻结 · 2 个周期"); 另存为新版本 after
// changing two leaves' points (4 → 5, 2 → 1, total still 100) and one name sends derived_from
// and makes v2 of the same family, whose picker lists v2 and v1; 与…对比 (the family's versions
// first, then the other rubrics) opens #/rubrics/ID/diff?to=OTHER, 交换 turns it round, and the
// view lists exactly that 改名 and those 分值变化; a rubric compared with itself says
// "两个版本相同"; in the editor, 移动到… offers only the parents the depth limit allows, moves
// leaf 1.2 under area 2 (area sums follow, the total stays 100, the move is announced), Alt+↑
// and Alt+↓ move the focused node among its siblings with the focus kept and the position
// announced, the move reaches the server (the diff lists it as 移动); a deduction item's 所属一级
// 指标 is chosen among the areas, follows an area's new code, is refused by the client once its
// area is deleted, and is saved (the diff lists it as 其他修改); no console or page errors.
// Screenshots: rubric-diff.png, rubric-move.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, stopDaemon, launchBrowser, screenshot, signedInPage,
} from './harness.mjs';

let daemon = null;
let browser = null;
const problems = [];


const signedIn = (label, opts) => signedInPage(browser, daemon.base, problems, label, 'admin', opts);

const node = (page, code) => page.locator(`#rb-tree li.rb-node[data-code="${code}"]`);
const nodeRow = (page, code) => node(page, code).locator(':scope > .rb-row');
const DEMO = '云岭县2023年度法治政府建设考核指标';
const codesUnder = (page, code) => node(page, code).locator(':scope > ol > li').evaluateAll((els) => els.map((e) => e.dataset.code));
const optionTexts = (sel) => sel.locator('option').evaluateAll((els) => els.map((e) => e.textContent));
const diffItems = (page, key) => page.locator(`[data-diff="${key}"] li`).evaluateAll((els) => els.map((e) => e.textContent.replace(/\s+/g, ' ').trim()));

before(async () => {
  daemon = await startDaemon();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  await stopDaemon(daemon);
});

test('versions: 另存为新版本 of the frozen demo rubric is v2 of its family; the diff lists the changes', async () => {
  const page = await signedIn('rubric-versions');
  await page.goto(daemon.base + '/#/rubrics/1');
  await page.locator('#rb-tree > li').first().waitFor();
  const picker = page.getByLabel('版本', { exact: true });
  assert.deepEqual(await optionTexts(picker), ['v1 · 已冻结 · 2 个周期']);
  assert.equal(await picker.inputValue(), '1');

  await page.locator('#rb-copy').click();
  await page.waitForURL(/#\/rubrics\/new\?from=1$/);
  await nodeRow(page, '1.1').getByLabel('分值').fill('5');
  await nodeRow(page, '1.2').getByLabel('分值').fill('1');
  await nodeRow(page, '2.1').getByLabel('名称').fill('权责清单动态管理');
  await page.locator('#rb-total.is-ok', { hasText: '合计 100 分，与总分一致' }).waitFor();
  const post = page.waitForResponse((r) => r.url().endsWith('/api/v1/rubrics') && r.request().method() === 'POST');
  await page.locator('#rb-save-new').click();
  const res = await post;
  assert.equal(res.status(), 201);
  assert.equal(JSON.parse(res.request().postData()).derived_from, 1, 'a new version of rubric 1');
  const v2 = (await res.json()).rubric;
  assert.equal(v2.version, 2);
  assert.equal(v2.family, 1);
  assert.equal(v2.derived_from, 1);
  await page.waitForURL(new RegExp(`#/rubrics/${v2.id}$`));
  await page.locator('#rb-saved', { hasText: `已保存为新版本：${DEMO}（v2）` }).waitFor();
  await page.locator('#rb-badges').getByText('v2', { exact: true }).waitFor();
  assert.deepEqual(await optionTexts(picker), ['v2 · 可编辑 · 未被周期使用', 'v1 · 已冻结 · 2 个周期']);

  // the picker goes to v1 (no unsaved changes: no question)
  await picker.selectOption({ label: 'v1 · 已冻结 · 2 个周期' });
  await page.waitForURL(/#\/rubrics\/1$/);
  await page.locator('#rb-badges').getByText('v1', { exact: true }).waitFor();
  await page.goBack();
  await page.waitForURL(new RegExp(`#/rubrics/${v2.id}$`));
  await page.locator('#rb-badges').getByText('v2', { exact: true }).waitFor();

  // another rubric of another family, to see the grouping of the compare select
  await page.evaluate(async () => {
    const me = await (await fetch('api/v1/me')).json();
    const r = (await (await fetch('api/v1/rubrics/1')).json()).rubric;
    const body = { name: '另一套指标', total_points: r.total_points, rules: r.rules, grade_bands: r.grade_bands, areas: r.areas, bonus: r.bonus, deduction: r.deduction, veto: r.veto };
    const res = await fetch('api/v1/rubrics', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token }, body: JSON.stringify(body) });
    if (res.status !== 201) throw new Error('POST ' + res.status);
  });

  await page.getByRole('button', { name: '与…对比' }).click();
  const dlg = page.getByRole('dialog', { name: '与其他版本对比' });
  await dlg.waitFor();
  const to = dlg.getByLabel('对比对象');
  assert.equal(await to.inputValue(), '1', 'the previous version by default');
  assert.deepEqual(await to.locator('optgroup').evaluateAll((els) => els.map((e) => e.label)), ['同一指标的其他版本', '其他考核指标']);
  assert.deepEqual(await to.locator('optgroup').first().locator('option').evaluateAll((els) => els.map((e) => e.textContent)), [`${DEMO} · v1 · 已冻结 · 2 个周期`]);
  assert.match((await to.locator('optgroup').nth(1).locator('option').allTextContents()).join('|'), /另一套指标 · v1 · 可编辑/);
  await dlg.getByRole('button', { name: '对比' }).click();
  await page.waitForURL(new RegExp(`#/rubrics/${v2.id}/diff\\?to=1$`));
  await page.locator('h1', { hasText: '版本对比' }).waitFor();
  await page.locator('#diff-sections').waitFor();
  // from v1 to v2 reads better: 交换
  await page.getByRole('button', { name: '交换对比方向' }).click();
  await page.waitForURL(new RegExp(`#/rubrics/1/diff\\?to=${v2.id}$`));
  await page.locator('#diff-sub', { hasText: `从 ${DEMO} v1` }).waitFor();
  await page.locator('#diff-sub', { hasText: `${DEMO} v2` }).waitFor();
  await page.locator('[data-diff="renamed"]').waitFor();
  assert.deepEqual(await page.locator('[data-diff]').evaluateAll((els) => els.map((e) => e.dataset.diff)), ['renamed', 'repointed']);
  assert.deepEqual(await diffItems(page, 'renamed'), ['2.1 权责清单管理 → 权责清单动态管理']);
  assert.deepEqual(await diffItems(page, 'repointed'), [
    '1.1 习近平法治思想学习宣传和贯彻落实：4 分 → 5 分',
    '1.2 法治政府建设年度部署和任务分解：2 分 → 1 分',
  ]);
  assert.equal((await page.locator('[data-diff="renamed"] h3').textContent()).replace(/\d+$/, ''), '改名');
  assert.equal((await page.locator('[data-diff="repointed"] h3').textContent()).replace(/\d+$/, ''), '分值变化');
  await screenshot(page, 'rubric-diff.png');

  // the same rubric: 两个版本相同
  await page.goto(daemon.base + '/#/rubrics/1/diff?to=1');
  await page.locator('#diff-same', { hasText: '两个版本相同' }).waitFor();
  assert.equal(await page.locator('[data-diff]').count(), 0);
  await page.locator('#diff-back').click();
  await page.waitForURL(/#\/rubrics\/1$/);
  await page.close();
});

test('moves: 移动到… another parent within the depth limit and Alt+↑ / Alt+↓, totals follow', async () => {
  const page = await signedIn('rubric-moves');
  await page.goto(daemon.base + '/#/rubrics/new?from=1');
  await page.locator('#rb-save-new').waitFor();
  await page.locator('#rb-tree > li').first().waitFor();
  assert.equal(await nodeRow(page, '1').locator('.rb-sum').textContent(), '6 分');
  const area2 = Number((await nodeRow(page, '2').locator('.rb-sum').textContent()).replace(' 分', ''));
  const before2 = await codesUnder(page, '2');

  // an area (with children) may only go under another area, never into its own subtree
  await nodeRow(page, '3').getByRole('button', { name: '移动 3 到其他上级指标' }).click();
  let dlg = page.getByRole('dialog', { name: '移动指标 3' });
  await dlg.waitFor();
  const areaTargets = await optionTexts(dlg.getByLabel('移到'));
  assert.ok(areaTargets.length === 9, areaTargets.join('|'));
  assert.ok(areaTargets.every((x) => /（一级）$/.test(x)), 'only areas can take a node with children');
  assert.ok(!areaTargets.some((x) => /^3 /.test(x)), 'not into itself');
  assert.ok(!areaTargets.includes('作为一级指标'), 'already an area');
  await dlg.getByRole('button', { name: '取消' }).click();
  await dlg.waitFor({ state: 'detached' });

  // leaf 1.2 (2 points) under area 2
  await nodeRow(page, '1.2').getByRole('button', { name: '移动 1.2 到其他上级指标' }).click();
  dlg = page.getByRole('dialog', { name: '移动指标 1.2' });
  const sel = dlg.getByLabel('移到');
  const leafTargets = await optionTexts(sel);
  assert.equal(leafTargets[0], '作为一级指标');
  assert.ok(leafTargets.some((x) => /^\u30002\.1 /.test(x)), 'a leaf may go under a second-level node');
  assert.ok(!leafTargets.some((x) => /^1 /.test(x)), 'not under its own parent again');
  const label2 = leafTargets.find((x) => /^2 /.test(x));
  await sel.selectOption({ label: label2 });
  await screenshot(page, 'rubric-move.png');
  await dlg.getByRole('button', { name: '移动' }).click();
  await dlg.waitFor({ state: 'detached' });
  assert.deepEqual(await codesUnder(page, '2'), [...before2, '1.2']);
  assert.deepEqual(await codesUnder(page, '1'), ['1.1']);
  assert.equal(await nodeRow(page, '1').locator('.rb-sum').textContent(), '4 分');
  assert.equal(await nodeRow(page, '2').locator('.rb-sum').textContent(), `${area2 + 2} 分`);
  assert.equal((await page.locator('#rb-total').textContent()).trim(), '合计 100 分，与总分一致');
  await page.locator('#rb-announce', { hasText: '已将 1.2 移到 2 之下' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.closest('li.rb-node')?.dataset.code), '1.2', 'focus stays with the moved node');

  // Alt+↑ in its name field: one place up, the focus stays in that field
  const name12 = nodeRow(page, '1.2').getByLabel('名称');
  await name12.focus();
  await name12.press('Alt+ArrowUp');
  const n = before2.length + 1;
  assert.deepEqual(await codesUnder(page, '2'), [...before2.slice(0, -1), '1.2', before2[before2.length - 1]]);
  await page.locator('#rb-announce', { hasText: `已将 1.2 上移，现为第 ${n - 1} 项（共 ${n} 项）` }).waitFor();
  assert.deepEqual(await page.evaluate(() => [document.activeElement.closest('li.rb-node')?.dataset.code, document.activeElement.closest('[data-key]')?.dataset.key]), ['1.2', 'name']);
  await page.keyboard.press('Alt+ArrowUp');
  assert.equal((await codesUnder(page, '2')).indexOf('1.2'), n - 3);
  await page.keyboard.press('Alt+ArrowDown');
  await page.locator('#rb-announce', { hasText: `已将 1.2 下移，现为第 ${n - 1} 项（共 ${n} 项）` }).waitFor();
  // the sums do not change by moving among siblings
  assert.equal(await nodeRow(page, '2').locator('.rb-sum').textContent(), `${area2 + 2} 分`);
  // Alt+↑ on an area moves the area
  await nodeRow(page, '2').getByLabel('编号').focus();
  await page.keyboard.press('Alt+ArrowUp');
  assert.deepEqual((await page.locator('#rb-tree > li').evaluateAll((els) => els.map((e) => e.dataset.code))).slice(0, 2), ['2', '1']);
  await page.keyboard.press('Alt+ArrowUp');
  await page.locator('#rb-announce', { hasText: '2 已是第一项' }).waitFor();
  assert.equal((await page.locator('#rb-total').textContent()).trim(), '合计 100 分，与总分一致');

  // saved, the server sees 1.2 under 2
  await page.locator('#rb-name').fill('移动测试');
  const post = page.waitForResponse((r) => r.url().endsWith('/api/v1/rubrics') && r.request().method() === 'POST');
  await page.locator('#rb-save-new').click();
  const res = await post;
  assert.equal(res.status(), 201);
  const id = (await res.json()).rubric.id;
  await page.waitForURL(new RegExp(`#/rubrics/${id}$`));
  await page.goto(daemon.base + `/#/rubrics/1/diff?to=${id}`);
  await page.locator('[data-diff="moved"]').waitFor();
  assert.deepEqual(await diffItems(page, 'moved'), ['1.2 法治政府建设年度部署和任务分解：从 1 之下移到 2 之下']);
  await page.close();
});

test('扣分项 所属一级指标: chosen among the areas, following a new area code, refused once the area is gone', async () => {
  const page = await signedIn('rubric-deduction-area');
  await page.goto(daemon.base + '/#/rubrics/new?from=1');
  await page.locator('#rb-save-new').waitFor();
  const d2 = page.locator('#rb-deduction li').nth(1);
  const d3 = page.locator('#rb-deduction li').nth(2);
  const sel2 = d2.getByLabel('所属一级指标');
  const opts = await optionTexts(sel2);
  assert.equal(opts.length, 11);
  assert.equal(opts[0], '总分（不限指标）');
  assert.equal(opts[2], '2 健全政府机构职能体系');
  assert.equal(await sel2.inputValue(), '', 'the demo deductions come off the total');
  await sel2.selectOption('2');

  // area 2 gets another code: the deduction follows it
  await nodeRow(page, '2').getByLabel('编号').fill('2A');
  await page.waitForFunction(() => document.querySelectorAll('#rb-deduction li')[1].querySelector('select').value === '2A');
  assert.match((await optionTexts(page.locator('#rb-deduction li').nth(1).getByLabel('所属一级指标'))).join('|'), /\|2A 健全政府机构职能体系\|/);
  await page.locator('#rb-tree li.rb-node[data-code="2A"] > .rb-row').getByLabel('编号').fill('2');
  await page.waitForFunction(() => document.querySelectorAll('#rb-deduction li')[1].querySelector('select').value === '2');

  // D3 comes off area 10, then area 10 is deleted: the client refuses D3
  await d3.getByLabel('所属一级指标').selectOption('10');
  await nodeRow(page, '10').getByRole('button', { name: '删除 10' }).click();
  await page.getByRole('dialog', { name: '删除指标' }).getByRole('button', { name: '删除' }).click();
  await node(page, '10').waitFor({ state: 'detached' });
  await d3.locator('.rb-error', { hasText: '扣分项 D3 所属的一级指标 10 不存在，请重新选择。' }).waitFor();
  assert.equal(await d3.getByLabel('所属一级指标').inputValue(), '10');
  const sum = await page.locator('#rb-total').getAttribute('data-sum');
  await page.locator('#rb-total-points').fill(sum);
  await page.locator('#rb-name').fill('扣分项测试');
  let posted = 0;
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/rubrics')) posted += 1; });
  await page.locator('#rb-save-new').click();
  await page.locator('#rb-save-error', { hasText: '未保存：请先修正标出的问题。' }).waitFor();
  assert.equal(posted, 0);
  await d3.getByLabel('所属一级指标').selectOption('');
  const post = page.waitForResponse((r) => r.url().endsWith('/api/v1/rubrics') && r.request().method() === 'POST');
  await page.locator('#rb-save-new').click();
  const res = await post;
  assert.equal(res.status(), 201, await res.text());
  const sent = JSON.parse(res.request().postData());
  assert.equal(sent.deduction[1].area, '2');
  assert.equal('area' in sent.deduction[2], false);
  const id = (await res.json()).rubric.id;
  await page.waitForURL(new RegExp(`#/rubrics/${id}$`));
  await page.locator('#rb-deduction li').nth(1).getByLabel('所属一级指标').waitFor();
  assert.equal(await page.locator('#rb-deduction li').nth(1).getByLabel('所属一级指标').inputValue(), '2', 'read back');
  await page.goto(daemon.base + `/#/rubrics/1/diff?to=${id}`);
  await page.locator('[data-diff="changed"]').waitFor();
  assert.deepEqual(await diffItems(page, 'changed'), ['D2 重大行政决策、行政规范性文件应审未审即出台（每件）：修改了所属一级指标']);
  assert.ok((await diffItems(page, 'removed')).some((x) => x.startsWith('10 ')), 'area 10 removed');
  await page.locator('[data-diff="general"] li', { hasText: `总分：100 分 → ${sum} 分` }).waitFor();
  await page.close();
});

test('no console or page errors on the version pages', () => {
  assert.deepEqual(problems, []);
});
