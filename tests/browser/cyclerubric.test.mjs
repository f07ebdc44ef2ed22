// tests/browser/cyclerubric.test.mjs — a cycle's 评分细则 in a real browser against the real
// daemon (its own demo daemon and Chromium via harness.mjs).
//
// Covers: 新建考核周期 with 复制上一周期的细则 (the default: the newest cycle's rubric, named with
// its version; the POST sends rubric_copy_from and the new cycle's page links the copy, v2 of
// the demo rubric's family), with 使用内置模板 (rubric_template: true; a new rubric v1), with
// 使用已有细则 (rubric_id) and with 暂不选择 (nothing sent, 未选择 on the page); 更换评分细则 on a
// cycle's page: the rubrics offered with the same family's versions first, the preview of
// GET …/rubric-change (from → to, the changes as 改名 and 分值变化, "本周期还没有评分"), 确认更换
// sends PATCH {rubric_id, confirm_rubric_change: true} and the page then links the new rubric;
// no 更换评分细则 on a closed cycle; no console or page errors. (Scores cannot be given through
// the UI yet, so the scored case — counts and the required checkbox — is not exercised here.)
// Screenshots: cycle-create-rubric.png, cycle-rubric-change.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, stopDaemon, launchBrowser, screenshot, apiSession, signedInPage,
} from './harness.mjs';

let daemon = null;
let browser = null;
const problems = [];
const DEMO = '云岭县2023年度法治政府建设考核指标';


const signedIn = (label, opts) => signedInPage(browser, daemon.base, problems, label, 'admin', opts);

before(async () => {
  daemon = await startDaemon();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  await stopDaemon(daemon);
});

/* Creates a cycle through the dialog with the given 评分细则 radio (and select value); returns
 * {body (the POST body), cycle}. */
async function createCycle(page, year, choose) {
  await page.goto(daemon.base + '/#/cycles');
  await page.locator('#cycles-table tbody tr[data-id]').first().waitFor();
  await page.getByRole('button', { name: '新建考核周期' }).click();
  const dlg = page.getByRole('dialog', { name: '新建考核周期' });
  await dlg.waitFor();
  await dlg.getByLabel('年度', { exact: true }).fill(String(year));
  const group = dlg.getByRole('group', { name: '评分细则' });
  await group.getByRole('radio', { name: /^复制上一周期的细则（.* v\d+）$/ }).waitFor(); // loaded
  if (choose) await choose(dlg, group);
  const post = page.waitForResponse((r) => r.url().endsWith('/api/v1/cycles') && r.request().method() === 'POST');
  await dlg.getByRole('button', { name: '创建周期' }).click();
  const res = await post;
  assert.equal(res.status(), 201, await res.text());
  const cycle = (await res.json()).cycle;
  await page.waitForFunction((id) => location.hash === '#/cycles/' + id, cycle.id);
  await page.locator('#cycle-rubric').waitFor();
  return { body: JSON.parse(res.request().postData()), cycle };
}

test('新建考核周期: copy the previous cycle\'s rubric (default), the built-in template, an existing one, none', async () => {
  const page = await signedIn('cycle-create-rubric');

  // 复制上一周期的细则 is checked once the newest cycle's rubric is known
  const copied = await createCycle(page, 2024, async (dlg, group) => {
    const copy = group.getByRole('radio', { name: `复制上一周期的细则（${DEMO} v1）` });
    assert.equal(await copy.isChecked(), true, 'the default');
    await group.getByText('取自“云岭县2023年度法治政府建设考核”').waitFor();
    assert.deepEqual((await group.getByRole('radio').evaluateAll((els) => els.map((e) => e.labels[0].textContent.trim()))), [
      `复制上一周期的细则（${DEMO} v1）`, '使用内置模板（法治政府建设年度考核）', '使用已有细则', '暂不选择']);
    await screenshot(page, 'cycle-create-rubric.png');
  });
  assert.equal(copied.body.rubric_copy_from, 1);
  assert.equal(copied.cycle.rubric_id > 1, true, 'a new rubric');
  const link = page.locator('#cycle-rubric-link');
  await link.filter({ hasText: `${DEMO} v2` }).waitFor();
  assert.equal(await link.getAttribute('href'), '#/rubrics/' + copied.cycle.rubric_id);

  // 使用内置模板: a new rubric of its own
  const tpl = await createCycle(page, 2025, async (dlg, group) => {
    await group.getByRole('radio', { name: '使用内置模板（法治政府建设年度考核）' }).check();
  });
  assert.deepEqual(Object.keys(tpl.body).sort(), ['rubric_template', 'title', 'year']);
  assert.equal(tpl.body.rubric_template, true);
  assert.ok(tpl.cycle.rubric_id > copied.cycle.rubric_id, 'another new rubric');
  await link.filter({ hasText: / v1$/ }).waitFor();
  assert.equal(await link.getAttribute('href'), '#/rubrics/' + tpl.cycle.rubric_id);

  // 使用已有细则: choosing in the select checks its radio
  const used = await createCycle(page, 2026, async (dlg, group) => {
    const sel = group.getByLabel('已有的评分细则');
    await sel.selectOption('1');
    assert.equal(await group.getByRole('radio', { name: '使用已有细则' }).isChecked(), true);
  });
  assert.equal(used.body.rubric_id, 1);
  assert.equal(used.cycle.rubric_id, 1);
  await link.filter({ hasText: `${DEMO} v1` }).waitFor();
  assert.equal(await link.getAttribute('href'), '#/rubrics/1');

  // 暂不选择
  const none = await createCycle(page, 2027, async (dlg, group) => {
    await group.getByRole('radio', { name: '暂不选择' }).check();
  });
  assert.deepEqual(Object.keys(none.body).sort(), ['title', 'year']);
  assert.equal(none.cycle.rubric_id, null);
  await page.locator('#cycle-rubric', { hasText: '未选择' }).waitFor();
  await page.getByRole('button', { name: '选择评分细则' }).waitFor();
  await page.close();
});

test('更换评分细则: the preview shows the changes, 确认更换 switches, the page shows the new rubric', async () => {
  const page = await signedIn('cycle-rubric-change');
  // a cycle using a copy of the demo rubric (a new version of its family)
  const { cycle } = await createCycle(page, 2030);
  const admin = await apiSession(daemon.base, 'admin');
  const copy = (await admin.call('GET', '/api/v1/rubrics/' + cycle.rubric_id)).body.rubric;
  assert.equal(copy.family, 1);
  // the next version of it, made through the API: one leaf renamed, two leaves' points moved
  const tree = {
    name: copy.name, total_points: copy.total_points, rules: copy.rules, grade_bands: copy.grade_bands,
    areas: copy.areas, bonus: copy.bonus, deduction: copy.deduction, veto: copy.veto, derived_from: copy.id,
  };
  tree.areas[0].children[0].max_points = 3;
  tree.areas[0].children[1].max_points = 3;
  tree.areas[1].children[0].name = '权责清单动态管理';
  const made = await admin.call('POST', '/api/v1/rubrics', tree);
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const next = made.body.rubric;
  assert.equal(next.family, 1);
  assert.ok(next.version > copy.version);
  const from = `${DEMO} v${copy.version}`;
  const to = `${DEMO} v${next.version}`;

  await page.reload();
  await page.locator('#cycle-rubric-link', { hasText: from }).waitFor();
  await page.getByRole('button', { name: '更换评分细则' }).click();
  const dlg = page.getByRole('dialog', { name: '更换评分细则' });
  await dlg.waitFor();
  await dlg.getByText(`本周期目前使用 ${from}。`).waitFor();
  const sel = dlg.getByLabel('换用的评分细则');
  assert.equal(await sel.locator('optgroup').first().getAttribute('label'), '同一指标的其他版本');
  const family = await sel.locator('optgroup').first().locator('option').evaluateAll((els) => els.map((e) => e.textContent));
  assert.equal(family[0], `${DEMO} · v${next.version} · 可编辑 · 未被周期使用`, 'the newest version first');
  assert.match(family[family.length - 1], new RegExp(`^${DEMO} · v1 · 已冻结 · \\d+ 个周期$`), 'the oldest last');
  assert.ok(!family.some((x) => x.includes(` v${copy.version} `)), 'not the rubric in use');
  await sel.selectOption(String(next.id));
  const preview = page.waitForResponse((r) => r.url().includes(`/api/v1/cycles/${cycle.id}/rubric-change?to=${next.id}`));
  await dlg.getByRole('button', { name: '查看变化' }).click();
  assert.equal((await preview).status(), 200);
  await dlg.locator('#rubric-change-line', { hasText: `从 ${from} 换为 ${to}` }).waitFor();
  await dlg.locator('#rubric-change-scores', { hasText: '本周期还没有评分' }).waitFor();
  assert.deepEqual(await dlg.locator('[data-diff]').evaluateAll((els) => els.map((e) => e.dataset.diff)), ['renamed', 'repointed']);
  await dlg.locator('[data-diff="renamed"] li', { hasText: '权责清单管理 → 权责清单动态管理' }).waitFor();
  assert.equal(await dlg.locator('[data-diff="repointed"] li').count(), 2);
  await dlg.locator('[data-diff="repointed"] li[data-code="1.1"]', { hasText: '4 分 → 3 分' }).waitFor();
  assert.equal(await dlg.locator('#rubric-change-ack').count(), 0, 'no scores: nothing to acknowledge');
  await screenshot(page, 'cycle-rubric-change.png');
  const confirm = dlg.getByRole('button', { name: '确认更换' });
  assert.equal(await confirm.isEnabled(), true);
  const patch = page.waitForResponse((r) => r.url().endsWith(`/api/v1/cycles/${cycle.id}`) && r.request().method() === 'PATCH');
  await confirm.click();
  const pres = await patch;
  assert.equal(pres.status(), 200);
  assert.deepEqual(JSON.parse(pres.request().postData()), { rubric_id: next.id, confirm_rubric_change: true });
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#cycle-status', { hasText: `本周期的评分细则已更换为 ${to}。` }).waitFor();
  await page.locator('#cycle-rubric-link', { hasText: to }).waitFor();
  assert.equal(await page.locator('#cycle-rubric-link').getAttribute('href'), '#/rubrics/' + next.id);
  await page.reload();
  await page.locator('#cycle-rubric-link', { hasText: to }).waitFor();

  // 重新选择 in the dialog goes back to the choice; 取消 changes nothing
  await page.getByRole('button', { name: '更换评分细则' }).click();
  await dlg.waitFor();
  await dlg.getByRole('button', { name: '查看变化' }).click();
  await dlg.locator('#rubric-change-line').waitFor();
  await dlg.getByRole('button', { name: '重新选择' }).click();
  await dlg.getByLabel('换用的评分细则').waitFor();
  await dlg.getByRole('button', { name: '取消' }).click();
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#cycle-rubric-link', { hasText: to }).waitFor();

  // a closed cycle offers no change
  await page.goto(daemon.base + '/#/cycles/1');
  await page.locator('#cycle-rubric-link', { hasText: `${DEMO} v1` }).waitFor();
  assert.equal(await page.getByRole('button', { name: '更换评分细则' }).count(), 0);
  await page.close();
});

test('no console or page errors on the cycle rubric pages', () => {
  assert.deepEqual(problems, []);
});
