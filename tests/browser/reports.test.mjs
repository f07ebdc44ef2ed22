// tests/browser/reports.test.mjs — 报告填报 (#/report) and the report view
// (#/cycles/{id}/units/{code}/report) in a real browser against the real daemon (its own demo
// daemon and Chromium via harness.mjs). Needs POST/GET …/units/{code}/report[/versions…].
//
// Setup through the API: the admin creates a 2024 cycle with a submission deadline 10 days
// ahead and moves it to 报告填报. Then, as unit-YL-SFJ: the page picks that cycle and shows
// its phase, deadline and "距截止还有 N 天"; files refused before any request (.doc, > 50 MB);
// a .docx built here (makeDocx) dropped onto the drop zone (a DataTransfer made in the page)
// uploads with a progress bar reaching 100 % and shows version 1, the detected title, year
// and unit, the five parts (S3 missing) and the warning for the missing part; 取消 while the
// request is held aborts it; a damaged .docx gets the server's Chinese detail (422); a second,
// complete file through 选择文件 becomes version 2 in the versions list (with 下载原文件
// links); search finds a word only the current version has, and not one only version 1 had;
// the report view shows the headings (navigation scrolls), the section markers, the summary,
// and version 1 through the version switcher; the admin sees the unit as 已提交 v2 on the
// cycle page and reaches the same view; a reviewer not assigned to the unit gets the Chinese
// notice instead, and so does a unit typing another unit's report address (#/cycles/2/units/
// YL-GAJ/report: "未找到该报告，或您无权查看", one 404 and nothing of that report, a way back);
// no console or page errors beyond those provoked.
// Screenshots: upload.png (after the upload with warnings), report-view.png, report-refused.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, stopDaemon, launchBrowser, newPage as openPage, screenshot, openLogin, login,
  apiSession, makeDocx, chinaDay, chinaEndOfDay, rowCells,
} from './harness.mjs';

let daemon = null;
let browser = null;
let cycleId = null;
const problems = [];

const newPage = (label, opts) => openPage(browser, label, problems, opts);
const UNIT = 'YL-SFJ';
const TITLE = '云岭县司法局2024年度法治政府建设情况报告';

/* Paragraphs of a plausible report; complete: with part 三 (the duty holder), else without. */
function reportParagraphs({ complete, word }) {
  const measures = [
    ['（一）加强学习培训，提升依法行政能力', '局党组全年集中学习法律法规12次，组织全系统干部参加旁听庭审2次、专题培训5期，培训执法人员460人次，新录用人员全部完成岗前法律知识考试。'],
    ['（二）严格合法性审查，守住依法决策底线', '全年审核县政府行政规范性文件草案9件，提出修改意见41条，均被采纳；审查县政府合同、协议156份，审查重大行政决策事项6项，出具法律意见书210份。'],
    ['（三）发挥行政复议作用，化解行政争议', '全年收到行政复议申请61件，受理55件，审结50件，纠错率12.7%；对案情复杂的6件案件召开听证会，行政机关负责人出庭应诉率保持100%。'],
    ['（四）规范行政执法，推进严格规范公正文明执法', '组织全县行政执法案卷评查2次，抽查案卷300卷，发现问题83个并督促整改；全面落实行政执法公示、执法全过程记录、重大执法决定法制审核三项制度。'],
    ['（五）深化普法宣传，营造良好法治氛围', `组织“八五”普法中期评估，开展宪法宣传周、民法典宣传月等活动42场，在${word}建成法治文化阵地1处，全县村（社区）法律顾问实现全覆盖。`],
  ];
  return [
    TITLE,
    '云岭县人民政府、云州市司法局：',
    '2024年，县司法局在县委、县政府的坚强领导下，围绕法治政府建设目标任务，认真履行职责，现将本局2024年度法治政府建设情况报告如下。',
    '一、2024年度推进法治政府建设的主要举措和成效',
    ...measures.flat(),
    '二、2024年度推进法治政府建设存在的不足和原因',
    '一是部分执法人员法治素养还有差距，执法程序不够规范的问题仍然存在；二是普法宣传的针对性和实效性有待增强。原因主要是学习培训的针对性不强，监督检查的力度不够。',
    ...(complete ? [
      '三、党政主要负责人履行推进法治建设第一责任人职责情况',
      '局党组书记、局长认真履行推进法治建设第一责任人职责，全年主持召开党组会专题研究法治建设工作4次，带头开展述法，对重点任务亲自部署、重大问题亲自过问。',
    ] : []),
    '四、2025年度推进法治政府建设的主要安排',
    '下一步，本局将继续完善合法性审查机制，加强行政执法监督，提升行政复议规范化水平，推动全县法治政府建设再上新台阶。',
    '云岭县司法局',
    '2025年1月15日',
  ];
}

/* Drops a file onto selector through a DataTransfer made in the page (as a person dragging a
 * file from the desktop): dragenter, dragover, then drop. */
async function dropFile(page, selector, name, bytes, type) {
  const dt = await page.evaluateHandle(({ b64, fileName, mime }) => {
    const bin = atob(b64);
    const u8 = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
    const transfer = new DataTransfer();
    transfer.items.add(new File([u8], fileName, { type: mime }));
    return transfer;
  }, { b64: Buffer.from(bytes).toString('base64'), fileName: name, mime: type });
  await page.dispatchEvent(selector, 'dragenter', { dataTransfer: dt });
  await page.dispatchEvent(selector, 'dragover', { dataTransfer: dt });
  assert.equal(await page.locator(selector).evaluate((el) => el.classList.contains('is-over')), true, 'the drop zone lights up');
  await page.dispatchEvent(selector, 'drop', { dataTransfer: dt });
  await dt.dispose();
}

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const isUpload = (r) => r.url().endsWith(`/api/v1/cycles/${cycleId}/units/${UNIT}/report`) && r.request().method() === 'POST';

before(async () => {
  daemon = await startDaemon();
  browser = await launchBrowser();
  const admin = await apiSession(daemon.base, 'admin');
  const c = await admin.call('POST', '/api/v1/cycles', {
    year: 2024, title: '云岭县2024年度法治政府建设考核', submission_deadline: chinaEndOfDay(chinaDay(10)),
  });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  cycleId = c.body.cycle.id;
  const p = await admin.call('PATCH', `/api/v1/cycles/${cycleId}`, { phase: 'submission' });
  assert.equal(p.status, 200, JSON.stringify(p.body));
});

after(async () => {
  if (browser) await browser.close();
  await stopDaemon(daemon);
});

test('unit-YL-SFJ uploads by drag and drop and by the file button; versions, search and the report view', async () => {
  const page = await newPage('upload', {
    allow: [{ status: 422, url: /\/report$/ }],
  });
  await openLogin(page, daemon.base);
  assert.equal((await login(page, 'unit-YL-SFJ', 'kaoping-demo')).status, 200);
  await page.locator('.page-dashboard').waitFor();
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '报告填报' }).click();
  await page.locator('h1', { hasText: '报告填报' }).waitFor();

  // The cycle open for submission is chosen; phase, deadline, countdown, status.
  await page.locator('#upload-cycle').waitFor();
  assert.equal(await page.locator('#upload-cycle').inputValue(), String(cycleId));
  await page.locator('.cycle-bar .badge', { hasText: '报告填报阶段' }).waitFor();
  assert.equal(await page.locator('#upload-deadline').textContent(), chinaDay(10) + ' 23:59');
  assert.match(await page.locator('#upload-countdown').textContent(), /^距截止还有 1[01] 天$/);
  await page.locator('#upload-current', { hasText: '未提交' }).waitFor();
  assert.equal(await page.locator('#upload-pick').isEnabled(), true);
  assert.equal(await page.locator('#upload-file').getAttribute('accept'), '.docx,.pdf,.txt');
  assert.equal(await page.locator('#upload-versions').isVisible(), false, 'no versions yet');

  // Refused here, before any request: an old Word file, a file over 50 MB.
  let posts = 0;
  page.on('request', (q) => { if (isUpload({ url: () => q.url(), request: () => q })) posts += 1; });
  await dropFile(page, '#drop-zone', '旧版报告.doc', Buffer.from('old word file'), 'application/msword');
  await page.locator('#upload-error', { hasText: '“旧版报告.doc”是旧版 Word/WPS 格式（.doc），请在 Word 或 WPS 中“另存为” .docx 后再上传。' }).waitFor();
  await page.evaluate(() => {
    const input = document.getElementById('upload-file');
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(50 * 1024 * 1024 + 1)], '扫描件.pdf', { type: 'application/pdf' }));
    input.files = dt.files;
    input.dispatchEvent(new Event('change'));
  });
  await page.locator('#upload-error', { hasText: '“扫描件.pdf”大小为 50 MB，超过了 50 MB 的上限' }).waitFor();
  assert.equal(posts, 0, 'nothing was sent');

  // 取消 while the request is held: xhr.abort().
  let held = null;
  await page.route(`**/api/v1/cycles/${cycleId}/units/${UNIT}/report`, (route) => { held = route; });
  await dropFile(page, '#drop-zone', '草稿.docx', makeDocx(reportParagraphs({ complete: false, word: '白鹤滩' })), DOCX);
  await page.locator('#upload-job[data-phase="sending"], #upload-job[data-phase="processing"]').waitFor();
  await page.getByRole('button', { name: '取消' }).click();
  await page.locator('#upload-job[data-phase="cancelled"]', { hasText: '已取消上传，报告未提交。' }).waitFor();
  // The held request is answered before its handler goes: one still pending when the route is
  // removed may go on to the server, which would then store this draft as version 1.
  for (let i = 0; !held && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
  if (held) await held.abort().catch(() => {});
  await page.unroute(`**/api/v1/cycles/${cycleId}/units/${UNIT}/report`);

  // A damaged .docx: the server's Chinese detail.
  const bad = page.waitForResponse(isUpload);
  await dropFile(page, '#drop-zone', '损坏的报告.docx', Buffer.from('PK\x03\x04 this is not really a zip file', 'latin1'), DOCX);
  assert.equal((await bad).status(), 422);
  await page.locator('#upload-error', { hasText: '压缩包' }).waitFor();
  await page.locator('#upload-job[data-phase="failed"]', { hasText: '上传未成功' }).waitFor();

  // Version 1 by drag and drop: progress to 100 %, the analysis with the missing part.
  const v1 = makeDocx(reportParagraphs({ complete: false, word: '白鹤滩' }));
  const up1 = page.waitForResponse(isUpload);
  await dropFile(page, '#drop-zone', '司法局2024年度报告（初稿）.docx', v1, DOCX);
  const res1 = await up1;
  assert.equal(res1.status(), 201, await res1.text());
  assert.ok(res1.request().headers()['x-csrf-token'], 'the upload carries X-CSRF-Token');
  assert.match(res1.request().headers()['content-type'], /^multipart\/form-data; boundary=/);
  await page.locator('#upload-progress[aria-valuenow="100"]').waitFor();
  await page.locator('#upload-job[data-phase="done"]').waitFor();
  assert.equal(await page.locator('#upload-name').textContent(), '司法局2024年度报告（初稿）.docx');
  assert.match(await page.locator('#upload-bytes').textContent(), /^100% · [\d.]+ KB \/ [\d.]+ KB$/);
  await page.locator('#upload-version', { hasText: '已提交第 1 版。' }).waitFor();
  const analysis = page.locator('#upload-analysis');
  assert.equal(await analysis.locator('[data-fact="title"]').textContent(), TITLE);
  assert.equal(await analysis.locator('[data-fact="year"]').textContent(), '2024');
  assert.equal(await analysis.locator('[data-fact="unit"]').textContent(), '云岭县司法局');
  const found = await page.locator('#upload-sections li').evaluateAll((ls) => ls.map((l) => `${l.dataset.section}:${l.dataset.found}`));
  assert.deepEqual(found.slice(0, 4), ['S1:true', 'S2:true', 'S3:false', 'S4:true']);
  assert.match(await page.locator('#upload-sections li[data-section="S1"]').textContent(), /✓主要举措和成效.*按标题识别.*一、2024年度推进法治政府建设的主要举措和成效/);
  assert.match(await page.locator('#upload-sections li[data-section="S3"]').textContent(), /✗党政主要负责人履行第一责任人职责情况.*未找到/);
  const warn = page.locator('#upload-warnings');
  await warn.locator('li[data-code="missing_part"][data-part="S3"]').waitFor();
  assert.match(await warn.locator('li[data-part="S3"]').textContent(), /党政主要负责人履行第一责任人职责情况/);
  assert.equal(await warn.getAttribute('role'), 'alert');
  await page.locator('#upload-current', { hasText: '已提交第 1 版' }).waitFor();
  await page.locator('#versions-table tbody tr[data-version="1"]').waitFor();
  await page.locator('#upload-job').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.evaluate(() => window.scrollBy(0, -80));
  await screenshot(page, 'upload.png');

  // Version 2 through 选择文件 (the complete report).
  const up2 = page.waitForResponse(isUpload);
  await page.locator('#upload-file').setInputFiles({
    name: '司法局2024年度法治政府建设情况报告.docx', mimeType: DOCX,
    buffer: makeDocx(reportParagraphs({ complete: true, word: '鹭鸶坪' })),
  });
  assert.equal((await up2).status(), 201);
  await page.locator('#upload-version', { hasText: '已提交第 2 版。' }).waitFor();
  await page.locator('#upload-sections li[data-section="S3"][data-found="true"]').waitFor();
  assert.equal(await page.locator('#upload-warnings li[data-code="missing_part"]').count(), 0);
  await page.locator('#versions-table tbody tr[data-version="2"]').waitFor();
  const versions = await page.locator('#versions-table tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.version));
  assert.deepEqual(versions, ['2', '1'], 'newest first');
  const row2 = page.locator('#versions-table tbody tr[data-version="2"]');
  assert.match(await rowCells(row2), /^第 2 版 ?当前 \| 司法局2024年度法治政府建设情况报告\.docx \| DOCX \| [\d.]+ KB \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \| 云岭县司法局 \| — \| 查看 下载原文件$/);
  assert.equal(await page.locator('#versions-table tbody tr[data-version="1"]').getByRole('link', { name: '下载第 1 版原文件' }).getAttribute('href'),
    `api/v1/cycles/${cycleId}/units/${UNIT}/report/versions/1/file`);
  await page.locator('#versions-count', { hasText: '共 2 个版本' }).waitFor();

  // The original file comes back as uploaded.
  const download = page.waitForEvent('download');
  await page.locator('#versions-table tbody tr[data-version="1"]').getByRole('link', { name: '下载第 1 版原文件' }).click();
  const file = await download;
  assert.equal(file.suggestedFilename(), '司法局2024年度报告（初稿）.docx');

  // Search finds a word only version 2 has, not one only version 1 had.
  await page.getByRole('searchbox', { name: '全文检索' }).fill('鹭鸶坪');
  await page.getByRole('searchbox', { name: '全文检索' }).press('Enter');
  const hit = page.locator(`#search-list li[data-cycle="${cycleId}"][data-unit="${UNIT}"]`);
  await hit.waitFor();
  assert.equal(await hit.locator('mark').first().textContent(), '鹭鸶坪');
  assert.match(await hit.textContent(), /第 2 版/);
  await page.getByRole('searchbox', { name: '搜索内容' }).fill('白鹤滩');
  await page.getByRole('searchbox', { name: '搜索内容' }).press('Enter');
  await page.locator('#search-empty', { hasText: '未找到包含“白鹤滩”的报告' }).waitFor();

  // The report view: headings, section markers, summary; version 1 by the switcher.
  await page.goBack();
  await hit.waitFor();
  await hit.locator('a').click();
  await page.locator('#report-text').waitFor();
  await page.locator('h1', { hasText: '云岭县司法局' }).waitFor();
  const toc = await page.locator('#report-toc a').allTextContents();
  assert.ok(toc.includes('一、2024年度推进法治政府建设的主要举措和成效'), toc.join(' | '));
  assert.ok(toc.includes('二、2024年度推进法治政府建设存在的不足和原因'));
  assert.ok(toc.includes('（三）发挥行政复议作用，化解行政争议'));
  const markers = await page.locator('#report-text .section-marker-label').allTextContents();
  assert.deepEqual(markers, ['一、主要举措和成效', '二、存在的不足和原因', '三、党政主要负责人履行第一责任人职责情况', '四、下一年度主要安排']);
  // The heading navigation scrolls: from the bottom of the page up to part 一.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.locator('#report-toc a', { hasText: '一、2024年度推进法治政府建设的主要举措和成效' }).click();
  await page.waitForFunction(() => {
    const el = [...document.querySelectorAll('#report-text .doc-h1')].find((e) => e.textContent.startsWith('一、'));
    const r = el.getBoundingClientRect();
    return r.top >= 56 && r.top < 160;
  });
  assert.equal(await page.locator('#report-text .doc-h1').count(), 4, 'the four level-1 headings');
  await page.locator('#report-text mark.hit', { hasText: '鹭鸶坪' }).waitFor();
  assert.equal(await page.locator('#report-sections li[data-found="true"]').count(), 4);
  await page.locator('#report-version').waitFor();
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'report-view.png');

  await page.locator('#report-version').selectOption('1');
  await page.locator('#report-older', { hasText: '您正在查看第 1 版，这不是当前版本。' }).waitFor();
  await page.locator('#report-sections li[data-section="S3"][data-found="false"]').waitFor();
  assert.equal(await page.locator('#report-download').getAttribute('href'), `api/v1/cycles/${cycleId}/units/${UNIT}/report/versions/1/file`);
  await page.context().close();
});

test('the admin sees the upload on the cycle page and opens the report view', async () => {
  const page = await newPage('admin-report');
  await openLogin(page, daemon.base);
  assert.equal((await login(page, 'admin', 'kaoping-demo')).status, 200);
  await page.locator('.page-dashboard').waitFor();
  await page.goto(`${daemon.base}/#/cycles/${cycleId}`);
  const row = page.locator(`#cycle-units-table tbody tr[data-code="${UNIT}"]`);
  await row.locator('.badge', { hasText: '已提交 v2' }).waitFor();
  await page.locator('#cycle-progress-count', { hasText: '已提交 1 / 20' }).waitFor();
  await row.getByRole('link', { name: '查看 云岭县司法局 的报告' }).click();
  await page.locator('#report-toc a').first().waitFor();
  assert.equal(await page.getByRole('navigation', { name: '主导航' }).locator('[aria-current="page"]').textContent(), '考核周期');
  await page.locator('#report-upload', { hasText: '上传新版本' }).click();
  await page.locator('h1', { hasText: '上传报告：云岭县司法局' }).waitFor();
  await page.locator('#upload-current', { hasText: '已提交第 2 版' }).waitFor();
  assert.equal(await page.locator('#upload-pick').isEnabled(), true);
  await page.context().close();
});

test('a reviewer not assigned to the unit gets 404 and a Chinese notice, not the report', async () => {
  const page = await newPage('reviewer-report', { allow: [{ status: 404, url: /\/report$/ }] });
  await openLogin(page, daemon.base);
  assert.equal((await login(page, 'reviewer1', 'kaoping-demo')).status, 200);
  await page.locator('.page-dashboard').waitFor();
  const res = page.waitForResponse((r) => r.url().endsWith(`/api/v1/cycles/${cycleId}/units/${UNIT}/report`));
  await page.goto(`${daemon.base}/#/cycles/${cycleId}/units/${UNIT}/report`);
  assert.equal((await res).status(), 404);
  await page.locator('#report-error', { hasText: '未找到该报告，或您无权查看。' }).waitFor();
  assert.equal(await page.locator('#report-text').count(), 0);
  assert.equal(await page.getByRole('navigation', { name: '主导航' }).locator('[aria-current="page"]').textContent(), '我的评审任务');
  await page.context().close();
});

test('a unit typing another unit\'s report address gets a Chinese refusal, nothing of the report', async () => {
  const page = await newPage('unit-other-report', { allow: [{ status: 404, url: /\/api\/v1\/cycles\/2\/units\/YL-GAJ\/report$/ }] });
  await openLogin(page, daemon.base);
  assert.equal((await login(page, 'unit-YL-SFJ', 'kaoping-demo')).status, 200);
  await page.locator('.page-dashboard').waitFor();
  const seen = [];
  page.on('response', (r) => { if (r.url().includes('/api/v1/')) seen.push(`${r.status()} ${new URL(r.url()).pathname}`); });
  const res = page.waitForResponse((r) => r.url().endsWith('/api/v1/cycles/2/units/YL-GAJ/report'));
  await page.goto(`${daemon.base}/#/cycles/2/units/YL-GAJ/report`);
  assert.equal((await res).status(), 404);
  const refusal = page.locator('#report-error');
  await refusal.getByText('未找到该报告，或您无权查看。').waitFor();
  await refusal.getByText('被考核单位只能查看本单位的报告。').waitFor();
  assert.equal(await refusal.getAttribute('role'), 'alert');
  assert.equal(await page.locator('#report-text').count(), 0);
  assert.equal(await page.locator('#report-download').count(), 0);
  assert.equal(await page.locator('body').innerText().then((s) => s.includes('云岭县公安局')), false, 'not even the unit\'s name');
  assert.equal(await page.getByRole('navigation', { name: '主导航' }).locator('[aria-current="page"]').textContent(), '报告填报');
  await page.waitForLoadState('networkidle');
  assert.deepEqual(seen.filter((x) => !x.startsWith('200 ')), ['404 /api/v1/cycles/2/units/YL-GAJ/report'], 'only the one 404');
  await screenshot(page, 'report-refused.png');
  await refusal.getByRole('link', { name: '返回本单位报告填报' }).click();
  await page.waitForFunction(() => location.hash === '#/report?cycle=2');
  await page.locator('#upload-current').waitFor();
  await page.context().close();
});

test('no console errors and no page errors during the whole run', () => {
  assert.deepEqual(problems, []);
});
