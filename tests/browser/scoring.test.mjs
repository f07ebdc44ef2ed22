// tests/browser/scoring.test.mjs — 我的评审任务 (#/reviews), the scoring page
// (#/cycles/C/units/U/scoring) and 自评 (#/self-assessment) in a real browser against the real
// daemon (its own demo daemon and Chromium via harness.mjs). The demo's 2023 cycle (id 2) is in
// the review phase; reviewer1 is assigned YL-WJJ, YL-JYJ, YL-SCJ, YL-YJJ and YL-SMX among others.
//
// Covers: blind review in a cycle made for it (blind may only change before the first score):
// the list and the scoring page show 匿名单位 and 匿名评审, no unit name or code, the report's
// names masked; the work list (a panel per cycle, the unit's row with 报告 / 状态 / 已评, 开始评分); a
// reviewer scoring YL-WJJ end to end — a score typed after the S shortcut, a comment, a passage
// selected in the report and attached as evidence (highlighted in the text, quoted in the list,
// stored with its offsets), 可能相关的段落 scrolling the report to a passage and flashing it, 不适用,
// a deduction count, the 必填 marker of a low score under the cycle's comment_below — each save
// checked on the wire (only what changed, with the sheet's version); a reload finds everything;
// the rest of the leaves filled through the API, 提交 lists the one left open, which gets the
// focus, then submits after a confirmation; the sheet shows 已提交 with the time and is read-only,
// the list says 已提交, another reviewer's scores show only once reviewer1 has submitted; the
// admin's ?sheet= view is read-only; a second tab saving after the
// first gets the conflict message, nothing is overwritten (checked through the API), and 加载最新
// 版本 offers the unsaved change for review; offline: 未保存 with 重试, saved once back online, and
// a change typed offline in a tab that is then closed is restored in the next tab and saved;
// the keyboard (j/k, s, Esc, Enter, Alt+↓ from a score field, n, e, ?) and no horizontal
// scrolling at 1366×768 with both panes and the header in view; a town's leaves for other kinds
// greyed and skipped; 回避 with its reason dialog; the unit's self-assessment while the cycle is
// in the submission phase (evidence added and removed), and the reviewer seeing it beside their
// own sheet afterwards; no console or page errors. Screenshots: reviews.png, scoring.png,
// scoring-evidence.png, scoring-submitted.png, scoring-conflict.png, scoring-offline.png,
// scoring-blind.png, self-assessment.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, stopDaemon, launchBrowser, screenshot, apiSession, rowCells, signedInPage, VIEWPORT,
} from './harness.mjs';

let daemon = null;
let browser = null;
let admin = null;
const problems = [];

const CYCLE = 2;
const signedIn = (label, who, opts) => signedInPage(browser, daemon.base, problems, label, who, opts);
const nav = (page, name) => page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name, exact: true }).click();
const scoringUrl = (unit) => `/#/cycles/${CYCLE}/units/${unit}/scoring`;
const isPut = (r) => /\/api\/v1\/cycles\/\d+\/units\/[^/]+\/scores$/.test(r.url()) && r.request().method() === 'PUT';
const nextPut = (page) => page.waitForResponse(isPut);
const item = (page, code) => page.locator(`#sc-tree li.sc-item[data-code="${code}"]`);
const rowValue = async (page, code) => (await item(page, code).locator('.sc-row-value').textContent()).trim();
const ALLOW_409 = { allow: [{ status: 409, url: /\/scores$/ }] };

/* Opens indicator code on the page and waits for its editor. */
async function openItem(page, code) {
  await item(page, code).locator('button.sc-row').click();
  await item(page, code).locator('#sc-editor').waitFor();
}

/* The scoring page's data for who, through the API. */
async function scoring(who, unit) {
  const s = await apiSession(daemon.base, who);
  const r = await s.call('GET', `/api/v1/cycles/${CYCLE}/units/${unit}/scoring`);
  assert.equal(r.status, 200, `GET scoring ${unit} as ${who}: ${JSON.stringify(r.body)}`);
  return { s, data: r.body };
}

/* The applicable leaves of a rubric for a unit kind: [{code, max}]. */
function leaves(rubric, kind) {
  const out = [];
  const walk = (n) => {
    if (Array.isArray(n.children)) { n.children.forEach(walk); return; }
    if (Array.isArray(n.applies_to) && kind && !n.applies_to.includes(kind)) return;
    out.push({ code: n.code, max: n.max_points });
  };
  rubric.areas.forEach(walk);
  return out;
}

/* Code-point offsets of needle in text ({start, end}); fails when it is not there. */
function offsetsOf(text, needle) {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `"${needle}" is in the report text`);
  const start = [...text.slice(0, i)].length;
  return { start, end: start + [...needle].length };
}

/* Selects the code points [start, end) of the report text on the page, as a reader's drag
 * would (the selection may span several painted segments). */
async function selectInReport(page, { start, end }) {
  await page.evaluate(([s, e]) => {
    const spans = [...document.querySelectorAll('#sc-text [data-o]')];
    const at = (o, isEnd) => {
      for (const sp of spans) {
        const b = Number(sp.dataset.o);
        const cps = [...sp.textContent];
        if (o >= b && (isEnd ? o <= b + cps.length : o < b + cps.length)) return [sp.firstChild, cps.slice(0, o - b).join('').length];
      }
      throw new Error('offset ' + o + ' not in the text');
    };
    const [sn, so] = at(s, false);
    const [en, eo] = at(e, true);
    const r = document.createRange();
    r.setStart(sn, so);
    r.setEnd(en, eo);
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
  }, [start, end]);
}

before(async () => {
  daemon = await startDaemon();
  browser = await launchBrowser();
  admin = await apiSession(daemon.base, 'admin');
  // comments are required below half of a leaf's maximum in this cycle
  const r = await admin.call('PATCH', `/api/v1/cycles/${CYCLE}`, { settings: { comment_below: 0.5 } });
  assert.equal(r.status, 200, `cycle settings: ${JSON.stringify(r.body)}`);
});

after(async () => {
  if (browser) await browser.close();
  await stopDaemon(daemon);
});

/* Uploads a .txt report for unit in cycle as the admin (multipart, as the upload page sends it). */
async function uploadReport(cycle, unit, name, text) {
  const login = await fetch(daemon.base + '/api/v1/session', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Origin: daemon.base },
    body: JSON.stringify({ login: 'admin', password: 'kaoping-demo' }),
  });
  const session = await login.json();
  const form = new FormData();
  form.append('file', new Blob([text], { type: 'text/plain' }), name);
  const res = await fetch(`${daemon.base}/api/v1/cycles/${cycle}/units/${unit}/report`, {
    method: 'POST', body: form,
    headers: { Cookie: (login.headers.get('set-cookie') || '').split(';')[0], Origin: daemon.base, 'X-CSRF-Token': session.csrf_token },
  });
  assert.equal(res.status, 201, await res.text());
}

test('blind review: the work list and the scoring page show no unit name', async () => {
  // a cycle of its own: blind may only be switched before anyone scores
  let r = await admin.call('POST', '/api/v1/cycles', { year: 2024, title: '云岭县2024年度法治政府建设考核', rubric_template: true });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const cycle = r.body.cycle.id;
  r = await admin.call('PATCH', `/api/v1/cycles/${cycle}`, { settings: { blind: true } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await admin.call('POST', `/api/v1/cycles/${cycle}/assignments`, { unit: 'YL-JYJ', reviewer: 'reviewer1' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await uploadReport(cycle, 'YL-JYJ', '云岭县教育局2024年度法治政府建设情况报告.txt',
    '云岭县教育局2024年度法治政府建设情况报告\n\n一、主要举措和成效\n云岭县教育局坚持依法治教，局党组理论学习中心组开展专题学习4次。\n\n' +
    '二、存在的不足和原因\n教育局执法人员数量不足。\n\n三、党政主要负责人履行推进法治建设第一责任人职责情况\n局长带头学法。\n\n' +
    '四、下一年度推进法治政府建设的主要安排\n继续完善制度。\n');
  for (const phase of ['submission', 'review']) {
    r = await admin.call('PATCH', `/api/v1/cycles/${cycle}`, { phase });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }

  const page = await signedIn('scoring-blind', 'reviewer1');
  await nav(page, '我的评审任务');
  const panel = page.locator(`.reviews-panel[data-cycle="${cycle}"]`);
  const row = panel.locator('tbody tr[data-unit^="~"]');
  await row.waitFor();
  assert.doesNotMatch(await panel.locator('tbody').innerText(), /云岭县教育局|YL-JYJ/, 'no unit name or code in the list');
  await row.getByText('匿名评审').waitFor();
  await row.getByRole('link', { name: /^开始评分/ }).click();
  await page.waitForURL(new RegExp(`#/cycles/${cycle}/units/~\\d+/scoring$`));
  await page.locator('#sc-badges .badge', { hasText: '匿名评审' }).waitFor();
  await page.locator('#sc-text p').first().waitFor();
  assert.match(await page.locator('h1').textContent(), /^匿名单位/);
  const text = await page.locator('.sc-report').innerText();
  assert.doesNotMatch(text, /云岭县教育局|教育局/, 'the unit\'s names are masked in the report');
  assert.match(text, /＊＊＊/);
  await screenshot(page, 'scoring-blind.png');
  await page.context().close();
});

test('a reviewer scores a unit end to end: evidence, comments, reload, submit, locked', async () => {
  const page = await signedIn('scoring', 'reviewer1');
  const { s: api, data: before } = await scoring('reviewer1', 'YL-WJJ');
  const applicable = leaves(before.rubric, before.unit.kind);
  assert.ok(applicable.length >= 20, 'the demo rubric has its leaves');
  const text = before.report.text;

  // 我的评审任务: one panel per cycle, the unit's row, 开始评分
  await nav(page, '我的评审任务');
  const panel = page.locator(`.reviews-panel[data-cycle="${CYCLE}"]`);
  await panel.waitFor();
  await panel.getByRole('heading', { name: '云岭县2023年度法治政府建设考核' }).waitFor();
  const row = panel.locator('tbody tr[data-unit="YL-WJJ"]');
  assert.equal(await rowCells(row), `云岭县卫生健康局 YL-WJJ | 已提交 | 待评 | 已评 0 / ${applicable.length} | — | 开始评分 回避`);
  assert.ok(await panel.locator('tbody tr').count() >= 5, 'reviewer1 has several units');
  await screenshot(page, 'reviews.png');
  await row.getByRole('link', { name: '开始评分：云岭县卫生健康局' }).click();
  await page.waitForURL(/#\/cycles\/2\/units\/YL-WJJ\/scoring$/);
  await page.locator('h1', { hasText: '云岭县卫生健康局' }).waitFor();
  await page.locator('#sc-save', { hasText: '已保存' }).waitFor();
  assert.equal((await page.locator('#sc-progress').textContent()).trim(), `已评 0 / ${applicable.length}`);
  await page.locator('#sc-text .section-marker', { hasText: '一、主要举措和成效' }).waitFor();
  // the first leaf is open: its guidance, the score field, the keyword passages
  await item(page, '1.1').locator('#sc-editor').waitFor();
  assert.equal(await item(page, '1.1').locator('button.sc-row').getAttribute('aria-expanded'), 'true');
  await page.locator('#sc-editor .sc-guidance', { hasText: '评分标准' }).waitFor();

  // S focuses the score; typing saves only what changed, with the sheet's version
  await page.locator('#sc-title').focus();
  await page.keyboard.press('s');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'sc-points');
  let put = nextPut(page);
  await page.keyboard.type('3');
  let res = await put;
  assert.equal(res.status(), 200);
  assert.deepEqual(JSON.parse(res.request().postData()), { version: before.sheet.version, items: { '1.1': { points: 3 } } });
  let version = (await res.json()).sheet.version;
  assert.equal(version, before.sheet.version + 1);
  await page.locator('#sc-save', { hasText: '已保存' }).waitFor();
  assert.equal(await rowValue(page, '1.1'), '3 / 4');

  put = nextPut(page);
  await page.getByLabel('评语', { exact: true }).fill('学习计划齐备，专题学习有记录，落实举措偏少。');
  res = await put;
  assert.deepEqual(JSON.parse(res.request().postData()), { version, items: { '1.1': { comment: '学习计划齐备，专题学习有记录，落实举措偏少。' } } });
  version = (await res.json()).sheet.version;

  // a passage selected in the report becomes evidence: highlighted and listed, offsets stored
  const needle = '全年经局党组会议、局务会议集体研究重大事项48项';
  const at = offsetsOf(text, needle);
  const addBtn = page.getByRole('button', { name: '添加选中文字为证据' });
  assert.equal(await addBtn.isDisabled(), true, 'nothing selected yet');
  await selectInReport(page, at);
  await page.waitForFunction(() => !document.getElementById('sc-add-evidence').disabled);
  put = nextPut(page);
  await addBtn.click();
  res = await put;
  assert.equal(res.status(), 200);
  assert.deepEqual(JSON.parse(res.request().postData()).items, { '1.1': { evidence: [at] } });
  const saved = (await res.json()).sheet;
  version = saved.version;
  assert.equal(saved.items['1.1'].evidence[0].quote, needle, 'the server quotes the same text');
  await page.locator('#sc-ev-list .sc-ev-quote', { hasText: needle }).waitFor();
  assert.equal(await page.locator('#sc-editor #sc-ev-title').textContent(), '证据（1）');
  const marked = await page.locator('#sc-text .sc-ev-cur').evaluateAll((els) => els.map((e) => e.textContent).join(''));
  assert.equal(marked, needle, 'the passage is highlighted in the report');
  await screenshot(page, 'scoring-evidence.png');

  // 可能相关的段落: a click scrolls the report to the passage and flashes it
  const hints = before.hints['2.3'];
  assert.ok(Array.isArray(hints) && hints.length >= 2, 'leaf 2.3 has keyword passages in this report');
  await openItem(page, '2.3');
  const last = hints[hints.length - 1];
  await page.locator('#sc-text').evaluate((el) => { el.closest('.sc-doc-scroll').scrollTop = 0; });
  const hintLinks = page.locator('#sc-hints .sc-hint-link');
  assert.equal(await hintLinks.count(), hints.length);
  assert.match(await page.locator('#sc-hints-title').textContent(), new RegExp(`可能相关的段落（${hints.length}）`));
  await hintLinks.nth(hints.length - 1).click();
  const flashed = page.locator('#sc-text .sc-hint.is-flash').first();
  await flashed.waitFor();
  assert.equal(Number(await flashed.getAttribute('data-o')) >= last.start, true);
  const pane = await page.locator('.sc-report .sc-doc-scroll').boundingBox();
  const box = await flashed.boundingBox();
  assert.ok(box.y >= pane.y && box.y + box.height <= pane.y + pane.height, 'the passage is in view');
  assert.ok(await page.locator('#sc-text .sc-kw').count() >= 1, 'the keywords are marked');

  // 不适用 on the next leaf
  await openItem(page, '1.2');
  put = nextPut(page);
  await page.getByLabel('不适用').check();
  res = await put;
  assert.deepEqual(JSON.parse(res.request().postData()).items, { '1.2': { na: true } });
  version = (await res.json()).sheet.version;
  assert.equal(await rowValue(page, '1.2'), '不适用');
  assert.equal(await page.locator('#sc-points').isDisabled(), true);

  // a low score asks for a comment (comment_below 0.5 of 3 = 1.5)
  await openItem(page, '2.1');
  put = nextPut(page);
  await page.getByLabel('得分', { exact: true }).fill('1');
  res = await put;
  version = (await res.json()).sheet.version;
  await page.locator('#sc-comment-req', { hasText: '必填' }).waitFor();
  assert.equal(await page.locator('#sc-comment').getAttribute('aria-required'), 'true');
  assert.match(await item(page, '2.1').getAttribute('class'), /is-warn/);
  put = nextPut(page);
  await page.getByLabel('评语', { exact: true }).fill('权责清单未按年度动态调整。');
  version = (await (await put).json()).sheet.version;
  assert.doesNotMatch(await item(page, '2.1').getAttribute('class'), /is-warn/);

  // a deduction count: D2 (0.5 each, at most 2)
  await openItem(page, 'D2');
  put = nextPut(page);
  await page.getByLabel('发生次数').fill('2');
  await page.getByLabel('发生次数').blur();
  res = await put;
  assert.deepEqual(JSON.parse(res.request().postData()).items, { D2: { count: 2 } });
  version = (await res.json()).sheet.version;
  assert.equal(await rowValue(page, 'D2'), '2 次');
  await page.locator('#sc-total summary').click();
  await page.locator('#sc-total-steps li', { hasText: '扣分 1 分' }).waitFor();
  await page.locator('#sc-total summary').click();
  assert.equal((await page.locator('#sc-progress').textContent()).trim(), `已评 3 / ${applicable.length}`);

  // reload mid-way: everything is there
  await page.reload();
  await page.locator('#sc-save', { hasText: '已保存' }).waitFor();
  await item(page, '2.2').locator('#sc-editor').waitFor(); // the first leaf not scored yet is open
  assert.equal(await rowValue(page, '1.1'), '3 / 4');
  assert.equal(await rowValue(page, '1.2'), '不适用');
  assert.equal(await rowValue(page, '2.1'), '1 / 3');
  assert.equal(await rowValue(page, 'D2'), '2 次');
  await openItem(page, '1.1');
  assert.equal(await page.locator('#sc-points').inputValue(), '3');
  assert.equal(await page.getByLabel('评语', { exact: true }).inputValue(), '学习计划齐备，专题学习有记录，落实举措偏少。');
  await page.locator('#sc-ev-list .sc-ev-quote', { hasText: needle }).waitFor();
  assert.equal(await page.locator('#sc-text .sc-ev-cur').evaluateAll((els) => els.map((e) => e.textContent).join('')), needle);

  // the rest through the API, except one leaf
  const open = applicable.filter((l) => !['1.1', '1.2', '2.1'].includes(l.code));
  const left = open.pop();
  const items = Object.fromEntries(open.map((l) => [l.code, { points: l.max }]));
  const filled = await api.call('PUT', `/api/v1/cycles/${CYCLE}/units/YL-WJJ/scores`, { version, items });
  assert.equal(filled.status, 200, JSON.stringify(filled.body));
  // another reviewer of the unit submits a full sheet: reviewer1 sees it only after submitting
  const assignments = (await admin.call('GET', `/api/v1/cycles/${CYCLE}/assignments`)).body.assignments;
  const colleague = assignments.find((a) => a.unit === 'YL-WJJ' && a.kind === 'review' && a.reviewer !== 'reviewer1' && a.status !== 'submitted');
  assert.ok(colleague, 'YL-WJJ has another reviewer');
  const { s: other, data: theirs } = await scoring(colleague.reviewer, 'YL-WJJ');
  const full = Object.fromEntries(applicable.map((l) => [l.code, { points: l.max }]));
  const sent = await other.call('PUT', `/api/v1/cycles/${CYCLE}/units/YL-WJJ/scores`, { version: theirs.sheet.version, items: full, submit: true });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  await page.reload();
  await page.locator('#sc-others-note', { hasText: '提交本评分表后，可以看到其他评审专家对该单位的评分。' }).waitFor();
  assert.equal(await page.locator('#sc-others-total').count(), 0, 'no other scores before submitting');
  assert.equal(await item(page, '1.1').locator('.sc-row-compare').textContent(), '');
  await page.locator('#sc-save', { hasText: '已保存' }).waitFor();
  await item(page, left.code).locator('#sc-editor').waitFor();
  assert.equal((await page.locator('#sc-progress').textContent()).trim(), `已评 ${applicable.length - 1} / ${applicable.length}`);

  // 提交 lists what is incomplete; its code takes the reviewer there
  await openItem(page, '1.1');
  await page.getByRole('button', { name: '提交评分' }).click();
  const incomplete = page.getByRole('dialog', { name: '还不能提交' });
  await incomplete.getByText('未打分（请打分或勾选“不适用”）：1 项').waitFor();
  await incomplete.getByRole('button', { name: left.code, exact: true }).click();
  await incomplete.waitFor({ state: 'detached' });
  await item(page, left.code).locator('#sc-editor').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'sc-points');
  put = nextPut(page);
  await page.keyboard.type(String(left.max));
  await page.keyboard.press('Tab');
  await put;
  await page.locator('#sc-save', { hasText: '已保存' }).waitFor();
  assert.equal((await page.locator('#sc-progress').textContent()).trim(), `已评 ${applicable.length} / ${applicable.length}`);
  const expected = (await (await apiSession(daemon.base, 'reviewer1')).call('GET', `/api/v1/cycles/${CYCLE}/units/YL-WJJ/scores`)).body.sheet.total;
  assert.equal((await page.locator('#sc-total-value').textContent()).trim(), String(expected.total), 'the header shows the server total');

  await page.getByRole('button', { name: '提交评分' }).click();
  const confirm = page.getByRole('dialog', { name: '提交评分表' });
  await confirm.getByText(`总分 ${expected.total} 分，等次：${expected.grade}。`).waitFor();
  put = nextPut(page);
  await confirm.getByRole('button', { name: '确认提交' }).click();
  res = await put;
  assert.equal(res.status(), 200);
  assert.equal(JSON.parse(res.request().postData()).submit, true);
  await page.locator('#sc-locked', { hasText: /评分表已于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d 提交并锁定/ }).waitFor();
  await page.locator('#sc-badges .badge', { hasText: '已提交' }).waitFor();
  assert.equal(await page.locator('#sc-submit, #sc-recuse').count(), 0, 'no 提交 or 回避 on a submitted sheet');
  // now the other reviewer's scores show, beside each indicator and as a total
  await page.locator('#sc-others-total', { hasText: /^其他评审总分 (\S+ \/ )*100( \/ \S+)*$/ }).waitFor();
  await item(page, '1.1').locator('.sc-row-compare', { hasText: /^其他评审 (\S+ \/ )*4( \/ \S+)*$/ }).waitFor();
  await openItem(page, '1.1');
  assert.equal(await page.locator('#sc-points').isDisabled(), true);
  assert.equal(await page.locator('#sc-comment').isDisabled(), true);
  assert.equal(await page.locator('#sc-add-evidence').count(), 0);
  await screenshot(page, 'scoring-submitted.png');
  const after = (await api.call('GET', `/api/v1/cycles/${CYCLE}/units/YL-WJJ/scores`)).body.sheet;
  assert.equal(after.status, 'submitted');

  // the work list says so
  await nav(page, '我的评审任务');
  const done = page.locator(`.reviews-panel[data-cycle="${CYCLE}"] tbody tr[data-unit="YL-WJJ"]`);
  await done.locator('.sc-status', { hasText: '已提交' }).waitFor();
  assert.match(await rowCells(done), new RegExp(`已评 ${applicable.length} / ${applicable.length} \\| \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\| 查看评分表$`));
  await page.context().close();

  // the admin's ?sheet= view is read-only
  const office = await signedIn('scoring-admin', 'admin');
  await office.goto(daemon.base + `${scoringUrl('YL-WJJ')}?sheet=${after.id}`);
  await office.locator('h1', { hasText: '云岭县卫生健康局' }).waitFor();
  await item(office, '1.1').locator('button.sc-row').waitFor();
  assert.equal(await rowValue(office, '1.1'), '3 / 4');
  assert.equal(await office.locator('#sc-submit, #sc-recuse, #sc-save').count(), 0);
  await openItem(office, '1.1');
  assert.equal(await office.locator('#sc-points').isDisabled(), true);
  await office.context().close();
});

test('a second tab that saves after the first gets the conflict message; nothing is overwritten', async () => {
  const page = await signedIn('scoring-tab1', 'reviewer1', ALLOW_409);
  const other = await page.context().newPage(); // a second tab of the same browser
  other.allowHttpErrors = [{ status: 409, url: /\/scores$/ }];
  other.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 409\b/.test(msg.text())) problems.push(`[scoring-tab2] console error: ${msg.text()}`);
  });
  other.on('pageerror', (e) => problems.push(`[scoring-tab2] page error: ${e.message}`));
  await page.goto(daemon.base + scoringUrl('YL-JYJ'));
  await other.goto(daemon.base + scoringUrl('YL-JYJ'));
  await item(page, '1.1').locator('#sc-editor').waitFor();
  await item(other, '1.1').locator('#sc-editor').waitFor();

  let put = nextPut(page);
  await page.getByLabel('得分', { exact: true }).fill('4');
  assert.equal((await put).status(), 200);
  await page.locator('#sc-save', { hasText: '已保存' }).waitFor();

  put = nextPut(other);
  await other.getByLabel('得分', { exact: true }).fill('1');
  assert.equal((await put).status(), 409);
  const conflict = other.locator('#sc-conflict');
  await conflict.getByText('该评分表已在其他窗口或标签页中修改，为避免覆盖，本页的修改没有保存。').waitFor();
  await other.locator('#sc-save', { hasText: '未保存（冲突）' }).waitFor();
  await screenshot(other, 'scoring-conflict.png');
  const { data } = await scoring('reviewer1', 'YL-JYJ');
  assert.equal(data.sheet.items['1.1'].points, 4, 'the first tab\'s score stands');

  // 加载最新版本: the latest values, and the unsaved change offered for review
  await conflict.getByRole('button', { name: '加载最新版本' }).click();
  const review = other.locator('#sc-draft-conflict');
  await review.getByText('1.1 习近平法治思想学习宣传和贯彻落实：得分改为 1').waitFor();
  assert.equal(await rowValue(other, '1.1'), '4 / 4');
  await review.getByRole('button', { name: '丢弃' }).click();
  await review.waitFor({ state: 'detached' });
  await other.locator('#sc-save', { hasText: '已保存' }).waitFor();
  assert.equal((await scoring('reviewer1', 'YL-JYJ')).data.sheet.items['1.1'].points, 4);
  await page.context().close();
});

test('offline: 未保存 with 重试, saved when back online; a closed tab loses nothing', async () => {
  // a request that fails for want of a network is logged by Chromium; that one is expected
  const watch = (p, label) => {
    p.on('console', (msg) => {
      if (msg.type() === 'error' && !/ERR_INTERNET_DISCONNECTED/.test(msg.text())) problems.push(`[${label}] console error: ${msg.text()}`);
    });
    p.on('pageerror', (e) => problems.push(`[${label}] page error: ${e.message}`));
  };
  const page = await signedIn('scoring-offline', 'reviewer1', { watch: false });
  watch(page, 'scoring-offline');
  const context = page.context();
  await page.goto(daemon.base + scoringUrl('YL-SCJ'));
  await item(page, '1.1').locator('#sc-editor').waitFor();
  let put = nextPut(page);
  await page.getByLabel('得分', { exact: true }).fill('2');
  await put;
  await page.locator('#sc-save', { hasText: '已保存' }).waitFor();

  await context.setOffline(true);
  await openItem(page, '1.2');
  await page.getByLabel('得分', { exact: true }).fill('1.5');
  await page.locator('#sc-save', { hasText: '未保存' }).waitFor();
  await page.locator('#sc-save').getByRole('button', { name: '重试' }).waitFor();
  assert.match(await page.locator('#sc-save').textContent(), /网络已断开/);
  assert.equal(await rowValue(page, '1.2'), '1.5 / 2', 'the page keeps what was typed');
  const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('kaoping.sheet:')).map((k) => localStorage.getItem(k)).join());
  assert.match(stored, /"1\.2":\{"points":1\.5\}/, 'the change is kept in the browser');
  await screenshot(page, 'scoring-offline.png');
  put = nextPut(page);
  await context.setOffline(false);
  assert.equal((await put).status(), 200);
  await page.locator('#sc-save', { hasText: '已保存' }).waitFor();
  assert.equal((await scoring('reviewer1', 'YL-SCJ')).data.sheet.items['1.2'].points, 1.5);

  // typed offline, then the tab is closed: the next tab restores the change and saves it
  await context.setOffline(true);
  await openItem(page, '2.1');
  await page.getByLabel('得分', { exact: true }).fill('2.5');
  await page.locator('#sc-save', { hasText: '未保存' }).waitFor();
  await page.close();
  await context.setOffline(false);
  const next = await context.newPage();
  watch(next, 'scoring-offline-2');
  put = next.waitForResponse(isPut);
  await next.goto(daemon.base + scoringUrl('YL-SCJ'));
  await next.locator('#sc-restored', { hasText: '已恢复上次未保存的 1 处修改' }).waitFor();
  const res = await put;
  assert.deepEqual(JSON.parse(res.request().postData()).items, { '2.1': { points: 2.5 } });
  await next.locator('#sc-save', { hasText: '已保存' }).waitFor();
  assert.equal(await rowValue(next, '2.1'), '2.5 / 3');
  assert.equal((await scoring('reviewer1', 'YL-SCJ')).data.sheet.items['2.1'].points, 2.5);
  await context.close();
});

test('keyboard navigation and the layout at 1366×768', async () => {
  const page = await signedIn('scoring-keys', 'reviewer1');
  await page.goto(daemon.base + scoringUrl('YL-YJJ'));
  await item(page, '1.1').locator('#sc-editor').waitFor();
  await page.locator('#sc-text p').first().waitFor();

  // fits: no horizontal scrolling, the header and both panes in view
  const size = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
  assert.ok(size.sw <= size.cw, `no horizontal scrolling (${size.sw} > ${size.cw})`);
  for (const sel of ['#sc-save', '#sc-progress', '#sc-total', '#sc-submit', '#sc-recuse', '#sc-help-btn', '.sc-report', '.sc-rubric', '#sc-points']) {
    const b = await page.locator(sel).boundingBox();
    assert.ok(b, `${sel} is shown`);
    assert.ok(b.x >= 0 && b.x + b.width <= VIEWPORT.width && b.y >= 0 && b.y + b.height <= VIEWPORT.height, `${sel} is inside the window: ${JSON.stringify(b)}`);
  }
  await screenshot(page, 'scoring.png');

  const current = () => page.locator('#sc-tree li.sc-item.is-current').getAttribute('data-code');
  const focused = () => page.evaluate(() => document.activeElement && (document.activeElement.id || document.activeElement.tagName));
  await page.locator('#sc-title').focus();
  await page.keyboard.press('j');
  assert.equal(await current(), '1.2');
  assert.equal(await focused(), 'sc-row-1.2');
  await page.keyboard.press('j');
  assert.equal(await current(), '2.1');
  await page.keyboard.press('k');
  assert.equal(await current(), '1.2');
  await page.keyboard.press('s');
  assert.equal(await focused(), 'sc-points');
  // letters typed into a field are not shortcuts
  await page.keyboard.type('1');
  await page.keyboard.press('j');
  assert.equal(await current(), '1.2');
  assert.equal(await page.locator('#sc-points').inputValue(), '1');
  await page.locator('#sc-save', { hasText: '已保存' }).waitFor();
  // Alt+↓ from a score field goes to the next one, focus in its score
  await page.keyboard.press('Alt+ArrowDown');
  assert.equal(await current(), '2.1');
  assert.equal(await focused(), 'sc-points');
  await page.keyboard.press('Alt+ArrowUp');
  assert.equal(await current(), '1.2');
  // Esc goes back to the list; Enter on a row focuses its score
  await page.keyboard.press('Escape');
  assert.equal(await focused(), 'sc-row-1.2');
  await page.keyboard.press('k');
  assert.equal(await focused(), 'sc-row-1.1');
  await page.keyboard.press('Enter');
  assert.equal(await focused(), 'sc-points');
  await page.keyboard.press('Escape');
  // n takes the report to the current indicator's next keyword passage
  const hints = await page.locator('#sc-hints .sc-hint-link').count();
  assert.ok(hints >= 1, 'leaf 1.1 has passages in this report');
  await page.keyboard.press('n');
  await page.locator('#sc-text .sc-hint.is-flash').first().waitFor();
  await page.locator('#sc-hints .sc-hint-link.is-on').waitFor();
  // e attaches the selection to the current indicator
  const { data } = await scoring('reviewer1', 'YL-YJJ');
  const at = offsetsOf(data.report.text, '带头学法');
  await selectInReport(page, at);
  const put = nextPut(page);
  await page.keyboard.press('e');
  const res = await put;
  assert.deepEqual(JSON.parse(res.request().postData()).items, { '1.1': { evidence: [at] } });
  await page.locator('#sc-ev-list .sc-ev-quote', { hasText: '带头学法' }).waitFor();
  // ? shows the shortcuts
  await page.keyboard.press('?');
  const help = page.getByRole('region', { name: '键盘快捷键' });
  await help.getByText('跳到当前指标的下一个相关段落').waitFor();
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'hidden' });
  // leaves that do not apply to the unit's kind are greyed and skipped (a town: YL-SMX, below)
  await page.context().close();
});

test('回避 from the work list asks for a reason', async () => {
  const page = await signedIn('scoring-recuse', 'reviewer1');
  await nav(page, '我的评审任务');
  const row = page.locator(`.reviews-panel[data-cycle="${CYCLE}"] tbody tr[data-unit="YL-SMX"]`);
  await row.waitFor();
  // a town: the leaves for other kinds are greyed and skipped on its scoring page
  await row.getByRole('link', { name: /开始评分/ }).click();
  await item(page, '1.1').locator('#sc-editor').waitFor();
  await item(page, '3.1').locator('.sc-row.is-off', { hasText: '不适用于本单位' }).waitFor();
  assert.equal(await item(page, '3.1').locator('button').count(), 0);
  await openItem(page, '2.3');
  await page.locator('#sc-title').focus();
  await page.keyboard.press('j');
  const cur = await page.locator('#sc-tree li.sc-item.is-current').getAttribute('data-code');
  assert.notEqual(cur, '3.1', 'j skips a leaf that does not apply');

  await nav(page, '我的评审任务');
  await row.getByRole('button', { name: '回避：云岭县松木乡人民政府' }).click();
  const dlg = page.getByRole('dialog', { name: '回避评审：云岭县松木乡人民政府' });
  await dlg.getByRole('button', { name: '确认回避' }).click();
  await dlg.getByText('请填写回避理由。').waitFor();
  await dlg.getByLabel('回避理由').fill('本人配偶在该乡政府任职。');
  await dlg.getByLabel(/同时声明与该单位存在利益冲突/).check();
  const post = page.waitForResponse((r) => /\/assignments\/\d+\/recuse$/.test(r.url()));
  await dlg.getByRole('button', { name: '确认回避' }).click();
  const res = await post;
  assert.equal(res.status(), 200, await res.text());
  assert.deepEqual(JSON.parse(res.request().postData()), { reason: '本人配偶在该乡政府任职。', conflict: true });
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#reviews-status', { hasText: '已回避 云岭县松木乡人民政府 的评审。' }).waitFor();
  await row.locator('.badge', { hasText: '已回避' }).waitFor();
  assert.equal(await row.getByRole('link').count(), 0, 'a recused sheet is not opened any more');
  await page.context().close();
});

test('the unit self-assesses during the submission phase; the reviewer sees it beside their sheet', async () => {
  // back to the submission phase (one step), as the office may do
  let r = await admin.call('PATCH', `/api/v1/cycles/${CYCLE}`, { phase: 'submission' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const page = await signedIn('self', 'unit-YL-WJJ');
  await nav(page, '自评');
  const row = page.locator(`#self-table tbody tr[data-cycle="${CYCLE}"]`);
  await row.waitFor();
  assert.match(await rowCells(row), /^云岭县2023年度法治政府建设考核 \| 报告填报阶段 \| 未开始 \| 已评 0 \/ \d+ \| — \| 开始自评$/);
  await row.getByRole('link', { name: '开始自评' }).click();
  await page.locator('h1', { hasText: '自评：云岭县卫生健康局' }).waitFor();
  assert.equal(await page.locator('#sc-recuse').count(), 0, 'no 回避 for a unit');
  await page.getByRole('button', { name: '提交自评' }).waitFor();
  await item(page, '1.1').locator('#sc-editor').waitFor();
  let put = nextPut(page);
  await page.getByLabel('得分', { exact: true }).fill('3.5');
  let res = await put;
  assert.equal(res.status(), 200, await res.text());
  assert.deepEqual(JSON.parse(res.request().postData()), { version: 0, items: { '1.1': { points: 3.5 } } });
  put = nextPut(page);
  await page.getByLabel('说明', { exact: true }).fill('已制定年度学习计划并开展专题学习。');
  await put;
  const { data } = await scoring('unit-YL-WJJ', 'YL-WJJ');
  const at = offsetsOf(data.report.text, '聘请云州正衡律师事务所律师担任常年法律顾问');
  await selectInReport(page, at);
  put = nextPut(page);
  await page.getByRole('button', { name: '添加选中文字为证据' }).click();
  res = await put;
  assert.deepEqual(JSON.parse(res.request().postData()).items, { '1.1': { evidence: [at] } });
  await page.locator('#sc-save', { hasText: '已保存' }).waitFor();
  await page.reload();
  await page.locator('#sc-save', { hasText: '已保存' }).waitFor();
  assert.equal(await rowValue(page, '1.1'), '3.5 / 4');
  await openItem(page, '1.1');
  await page.locator('#sc-ev-list .sc-ev-quote', { hasText: '常年法律顾问' }).waitFor();
  await page.locator('#sc-text .sc-ev-cur').first().waitFor();
  await screenshot(page, 'self-assessment.png');
  // 删除 takes the passage off the list and out of the text
  put = nextPut(page);
  await page.getByRole('button', { name: '删除第 1 条证据' }).click();
  res = await put;
  assert.deepEqual(JSON.parse(res.request().postData()).items, { '1.1': { evidence: [] } });
  await page.locator('#sc-editor .sc-ev-empty', { hasText: '在左侧报告原文中选中相关文字' }).waitFor();
  assert.equal(await page.locator('#sc-text .sc-ev').count(), 0);
  await nav(page, '自评');
  await row.locator('.badge', { hasText: '自评中' }).waitFor();
  await page.context().close();

  // review phase again: reviewer1's submitted sheet of YL-WJJ shows the self-assessment
  r = await admin.call('PATCH', `/api/v1/cycles/${CYCLE}`, { phase: 'review' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const reviewer = await signedIn('self-seen', 'reviewer1');
  await reviewer.goto(daemon.base + scoringUrl('YL-WJJ'));
  await item(reviewer, '1.1').locator('.sc-row-compare', { hasText: '自评 3.5' }).waitFor();
  await openItem(reviewer, '1.1');
  await reviewer.locator('#sc-compare', { hasText: '自评 3.5' }).waitFor();
  await reviewer.context().close();
});

test('no console or page errors', () => {
  assert.deepEqual(problems, []);
});
