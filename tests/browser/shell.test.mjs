// tests/browser/shell.test.mjs — the web app shell in a real browser against the real daemon.
//
// Starts its own demo daemon and Chromium through harness.mjs (see there: KAOPING_BIN,
// KAOPING_WEB_ROOT, KAOPING_ARTIFACTS), at 1366×768.
//
// Covers: the login page in Chinese, CJK glyphs drawn with a CJK font, the CSP header on /,
// login → role navigation → dashboard (cards fed by GET /api/v1/cycles, the newest cycle in
// the header) → every page frame → logout for admin, reviewer1 and a unit user, the
// wrong-password message, the language switch, client error reports, and no console or page
// errors during the whole run. The account pages are covered by accounts.test.mjs; units,
// cycles, uploads, reports and search by cycles, reports and search.test.mjs.
//
// Run: cd tests/browser && npm ci && KAOPING_BIN=../../build/kaoping node --test

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD, startDaemon, stopDaemon, launchBrowser, newPage as openPage, screenshot,
  openLogin as openLoginAt, login,
} from './harness.mjs';

const CJK_FONT = /Noto Sans CJK|Source Han Sans|Microsoft YaHei|PingFang/i;

const REQUIRED_CSP = {
  'default-src': "'self'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' data:",
  'connect-src': "'self'",
  'font-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
};

const NAV = {
  admin: ['工作台', '考核周期', '被考核单位', '考核指标', '评审分配', '考核结果', '单位对比', '全文检索', '用户管理', '审计日志'],
  reviewer: ['工作台', '我的评审任务', '单位对比', '全文检索'],
  unit: ['工作台', '报告填报', '自评', '本单位结果', '全文检索'],
};
const CARDS = {
  admin: ['考核周期', '被考核单位', '评审进度'],
  reviewer: ['待评审', '已提交'],
  unit: ['本单位报告', '截止时间'],
};
/* What each card shows with the demo data (GET /api/v1/cycles: 2 cycles, the newest with
 * 20 units, 14 of them with a report, submission deadline 2024-03-01 23:59 in Beijing);
 * null: the empty state "暂无数据" (no API feeds it yet). */
const CARD_TEXT = {
  admin: [/2\s*个考核周期[\s\S]*最新：云岭县2023年度法治政府建设考核\s*评审阶段/, /20\s*个被考核单位[\s\S]*2023年度考核：已有 14 个单位提交年度报告/, null],
  reviewer: [null, null],
  unit: [null, /2024-03-01 23:59\s*2023年度报告提交截止时间\s*已截止/],
};
/* Pages that are built (their own views, covered by accounts, cycles, reports, rubrics and
 * search .test.mjs; 本单位结果 by appeals.test.mjs): what each shows once loaded, instead of the
 * empty state. */
const BUILT = {
  用户管理: 'main table tbody tr',
  审计日志: 'main table tbody tr',
  考核周期: '#cycles-table tbody tr[data-id]',
  考核指标: '#rubrics-table tbody tr[data-id]',
  被考核单位: '#units-table tbody tr[data-code]',
  报告填报: '#upload-current',
  全文检索: '#search-q',
  评审分配: '#assign-table tbody tr',
  考核结果: '#results-summary',
  单位对比: '#compare-cycle',
  我的评审任务: '.reviews-table tbody tr',
  自评: '#self-table tbody tr',
  本单位结果: '#myres-summary',
};
const NEWEST_CYCLE = '云岭县2023年度法治政府建设考核';
const ROLE_LABEL = { admin: '考核办', reviewer: '评审专家', unit: '被考核单位' };

let daemon = null;   // { proc, base, dataDir, output() }
let browser = null;
const problems = []; // console errors and page errors seen in watched pages

const newPage = (label, opts) => openPage(browser, label, problems, opts);
const openLogin = (page) => openLoginAt(page, daemon.base);

/* A unit user's login: first from the demo logins the daemon printed, else from
 * GET /api/v1/units as admin. */
async function unitLogin() {
  const printed = daemon.output().match(/\bunit-[A-Za-z0-9][A-Za-z0-9_.-]*/);
  if (printed) return printed[0].replace(/[.]+$/, '');
  const res = await fetch(daemon.base + '/api/v1/session', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password: DEMO_PASSWORD }),
  });
  assert.equal(res.status, 200, 'no unit login printed by --demo, and admin login failed');
  const cookie = (res.headers.get('set-cookie') || '').split(';')[0];
  const units = await (await fetch(daemon.base + '/api/v1/units', { headers: { Cookie: cookie } })).json();
  const list = Array.isArray(units) ? units : Object.values(units).find(Array.isArray) || [];
  const code = list.map((u) => u && u.code).find((c) => typeof c === 'string');
  assert.ok(code, 'no unit login printed by --demo and no unit in GET /api/v1/units');
  return 'unit-' + code;
}

// ─── setup ────────────────────────────────────────────────────────────────

before(async () => {
  daemon = await startDaemon();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  await stopDaemon(daemon);
});

// ─── tests ────────────────────────────────────────────────────────────────

test('the app loads and shows the login page in Chinese', async () => {
  const page = await newPage('login');
  await openLogin(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.equal((await page.locator('h1').textContent()).trim(), '账号登录');
  assert.match(await page.title(), /登录 · 考评/);
  await page.getByLabel('账号', { exact: true }).waitFor();
  await page.getByLabel('密码', { exact: true }).waitFor();
  assert.equal(await page.getByLabel('密码', { exact: true }).getAttribute('type'), 'password');
  await page.getByRole('button', { name: '登录', exact: true }).waitFor();
  await page.getByText('法治政府建设考核平台').first().waitFor();
  assert.equal(await page.locator('#login-error[role="alert"]').count(), 1, 'the login error area has role=alert');
  assert.equal(await page.locator('nav').count(), 0, 'no navigation before login');
  await page.locator('.demo-box').waitFor(); // the daemon runs with --demo: /healthz says demo:true
  await screenshot(page, 'login.png');
  await page.context().close();
});

test('Chinese text is drawn with a CJK font, not tofu', async () => {
  const page = await newPage('fonts');
  await openLogin(page);
  await page.evaluate(() => document.fonts.ready);

  // 1. Which platform font did Chromium actually use for the heading "账号登录"?
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument');
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '#login-title' });
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
  const used = fonts.filter((f) => f.glyphCount > 0).map((f) => f.familyName);
  assert.ok(used.length > 0, 'no platform font reported for the heading');
  assert.ok(used.every((f) => CJK_FONT.test(f)), `heading drawn with ${used.join(', ')}, expected a CJK font`);

  // 2. Two different characters must give two different, non-empty pictures (tofu boxes
  //    from a font without CJK glyphs are all alike). (document.fonts.check() is no help:
  //    it answers true even for a family that is not installed.)
  const r = await page.evaluate(() => {
    const font = getComputedStyle(document.body).font;
    const draw = (ch) => {
      const c = document.createElement('canvas');
      c.width = 64; c.height = 64;
      const g = c.getContext('2d');
      g.fillStyle = '#fff'; g.fillRect(0, 0, 64, 64);
      g.fillStyle = '#000'; g.font = font.replace(/\d+(\.\d+)?px/, '40px'); g.textBaseline = 'top';
      g.fillText(ch, 8, 8);
      const d = g.getImageData(0, 0, 64, 64).data;
      let ink = 0; const bits = [];
      for (let i = 0; i < d.length; i += 4) { const on = d[i] < 128 ? 1 : 0; ink += on; bits.push(on); }
      return { ink, bits: bits.join('') };
    };
    const a = draw('考'), b = draw('评');
    return { inkA: a.ink, inkB: b.ink, same: a.bits === b.bits };
  });
  assert.ok(r.inkA > 20 && r.inkB > 20, 'CJK characters drew nothing');
  assert.equal(r.same, false, '考 and 评 render identically: tofu');
  await page.context().close();
});

test('the response for / carries the Content-Security-Policy header', async () => {
  const page = await newPage('csp');
  const res = await openLogin(page);
  const csp = res.headers()['content-security-policy'];
  assert.ok(csp, 'no Content-Security-Policy header on /');
  const got = {};
  for (const part of csp.split(';')) {
    const [name, ...vals] = part.trim().split(/\s+/);
    if (name) got[name.toLowerCase()] = vals.join(' ');
  }
  for (const [name, want] of Object.entries(REQUIRED_CSP)) {
    assert.equal(got[name], want, `CSP ${name}`);
  }
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  await page.context().close();
});

test('a wrong password shows the Chinese error message', async () => {
  const page = await newPage('wrong-password');
  await openLogin(page);
  const r = await login(page, 'admin', 'not-the-password');
  assert.equal(r.status, 401, `POST /api/v1/session answered ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(r.body && r.body.error && r.body.error.code, 'E_LOGIN_FAILED');
  const alert = page.getByRole('alert');
  await alert.getByText('账号或密码错误，请重新输入。').waitFor();
  assert.equal(await page.getByLabel('密码', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('密码', { exact: true }).inputValue(), '', 'password field cleared');
  assert.equal(await page.getByRole('button', { name: '登录', exact: true }).isEnabled(), true, 'button usable again');
  await screenshot(page, 'login-error.png');
  await page.context().close();
});

/* One role's journey: login → nav → dashboard → every page frame → reload → logout. */
async function journey(role, who, { keyboard = false } = {}) {
  const page = await newPage(role);
  await openLogin(page);
  const r = await login(page, who, DEMO_PASSWORD, { keyboard });
  assert.equal(r.status, 200, `login as ${who}: POST /api/v1/session answered ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(r.body.user.role, role);
  assert.equal(typeof r.body.csrf_token, 'string');
  const name = r.body.user.display_name || r.body.user.login;

  // Dashboard and navigation
  await page.locator(`.page-dashboard[data-role="${role}"]`).waitFor();
  assert.match(page.url(), /#\/dashboard$/);
  assert.equal((await page.locator('h1').textContent()).trim(), '工作台');
  const nav = page.getByRole('navigation', { name: '主导航' });
  assert.deepEqual((await nav.getByRole('link').allTextContents()).map((s) => s.trim()), NAV[role]);
  assert.equal(await nav.locator('[aria-current="page"]').textContent(), '工作台');
  assert.equal((await page.locator('#user-name').textContent()).trim(), name);
  assert.match(await page.locator('#user-role').textContent(), new RegExp('^' + ROLE_LABEL[role]));
  await page.getByRole('button', { name: '退出登录' }).waitFor();
  await page.locator('.welcome').getByText(name, { exact: false }).waitFor();
  const cards = page.locator('.summary .card');
  assert.deepEqual((await cards.locator('.card-title').allTextContents()).map((s) => s.trim()), CARDS[role]);
  for (let i = 0; i < CARDS[role].length; i++) {
    const want = CARD_TEXT[role][i];
    if (want) {
      await cards.nth(i).locator('.stat').waitFor();
      assert.match((await cards.nth(i).locator('.card-body').textContent()).replace(/\s+/g, ' '), want);
    } else {
      await cards.nth(i).getByText('暂无数据').waitFor();
    }
  }
  // The header names the newest cycle (GET /api/v1/cycles).
  await page.locator('#current-cycle', { hasText: NEWEST_CYCLE }).waitFor();
  await screenshot(page, `dashboard-${role}.png`);

  // Every other page of the role renders its frame: title, description, empty state.
  for (const label of NAV[role].slice(1)) {
    await nav.getByRole('link', { name: label, exact: true }).click();
    await page.locator('h1', { hasText: label }).waitFor();
    assert.equal((await page.locator('h1').textContent()).trim(), label);
    assert.ok(((await page.locator('.page-desc').textContent()) || '').trim().length > 8, `${label}: description`);
    if (BUILT[label]) await page.locator(BUILT[label]).first().waitFor();
    else await page.locator('main').getByText('暂无数据').waitFor();
    assert.equal((await nav.locator('[aria-current="page"]').textContent()).trim(), label);
    assert.doesNotMatch(await page.locator('main').textContent(), /TODO/i);
  }

  // The session survives a reload (GET /api/v1/me), which also hands out the CSRF token.
  const meP = page.waitForResponse((q) => q.url().endsWith('/api/v1/me'));
  await page.reload();
  const me = await meP;
  assert.equal(me.status(), 200, 'GET /api/v1/me after reload');
  const token = (await me.json()).csrf_token;
  assert.ok(typeof token === 'string' && token.length > 0, 'GET /api/v1/me gives a csrf_token');
  await page.getByRole('navigation', { name: '主导航' }).waitFor();

  // Logout sends the CSRF token and returns to the login page; the session is gone.
  const delP = page.waitForRequest((q) => q.url().endsWith('/api/v1/session') && q.method() === 'DELETE');
  await page.getByRole('button', { name: '退出登录' }).click();
  const del = await delP;
  assert.equal(del.headers()['x-csrf-token'], token, 'DELETE /api/v1/session carries X-CSRF-Token');
  const delRes = await del.response();
  assert.equal(delRes && delRes.status(), 204, 'DELETE /api/v1/session status');
  await page.locator('#login-login').waitFor();
  assert.match(page.url(), /#\/login$/);
  await page.getByRole('status').getByText('您已安全退出').waitFor();
  await page.reload();
  await page.locator('#login-login').waitFor();
  assert.equal(await page.locator('nav').count(), 0, 'still logged out after reload');
  return page;
}

test('admin: login with Enter, navigation, dashboard, pages, logout', async () => {
  const page = await journey('admin', 'admin', { keyboard: true });
  await page.context().close();
});

test('reviewer1: login, navigation, dashboard, pages, logout; admin pages refused', async () => {
  const page = await journey('reviewer', 'reviewer1');
  // The reviewer may not open an admin page.
  await login(page, 'reviewer1', DEMO_PASSWORD);
  await page.locator('.page-dashboard').waitFor();
  await page.goto(daemon.base + '/#/users');
  await page.locator('h1', { hasText: '页面不存在' }).waitFor();
  await page.context().close();
});

test('unit user: login, navigation, dashboard, pages, logout', async () => {
  const who = await unitLogin();
  const page = await journey('unit', who);
  await page.context().close();
});

test('language switch to English is remembered, and back', async () => {
  const page = await newPage('language');
  await openLogin(page);
  await page.getByLabel('语言').selectOption('en');
  await page.locator('h1', { hasText: 'Sign in' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.getByLabel('Login', { exact: true }).waitFor();
  await page.reload();
  await page.locator('h1', { hasText: 'Sign in' }).waitFor();
  await page.getByLabel('Language').selectOption('zh-CN');
  await page.locator('h1', { hasText: '账号登录' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  await page.context().close();
});

test('uncaught errors are reported to /api/v1/client-errors, at most 10 per page', async () => {
  const page = await newPage('client-errors', { watch: false }); // errors here are deliberate
  const posts = [];
  page.on('request', (q) => {
    if (q.url().endsWith('/api/v1/client-errors') && q.method() === 'POST') posts.push(q);
  });
  await openLogin(page);
  await page.evaluate(() => {
    for (let i = 0; i < 12; i++) setTimeout(() => { throw new Error('kaoping-browser-test ' + i); }, 0);
    Promise.reject(new Error('kaoping-browser-test rejection'));
  });
  await page.waitForTimeout(1500);
  assert.ok(posts.length >= 1, 'no report sent');
  assert.ok(posts.length <= 10, `${posts.length} reports sent`);
  const allowed = new Set(['message', 'source', 'line', 'column', 'stack', 'page']);
  for (const q of posts) {
    const body = JSON.parse(q.postData());
    for (const k of Object.keys(body)) assert.ok(allowed.has(k), `unexpected key ${k}`);
    assert.equal(typeof body.message, 'string');
    assert.match(body.message, /kaoping-browser-test/);
    assert.ok(body.message.length <= 1000);
    if ('line' in body) assert.ok(Number.isInteger(body.line));
    if ('page' in body) assert.equal(body.page, '#/login');
    assert.equal(q.headers()['content-type'], 'application/json');
  }
  const res = await posts[0].response();
  assert.ok(res && res.status() >= 200 && res.status() < 300,
    `POST /api/v1/client-errors answered ${res && res.status()}`);
  await page.context().close();
});

test('no console errors and no page errors during the whole run', () => {
  assert.deepEqual(problems, []);
});
