// tests/browser/accounts.test.mjs — the account UI in a real browser against the real daemon:
// 用户管理 (#/users), 审计日志 (#/audit), 账号安全 (#/account) and the forced change of an
// initial password. Starts its own demo daemon and Chromium through harness.mjs.
//
// Covers: the account table (search, role filter, paging); creating a reviewer with a
// generated password (client check, the server's field error for a taken login, Enter
// submits, the password shown once and copied), that user forced to 修改初始密码 (also when
// going to #/dashboard or reloading) and then landing on the dashboard, and signing in with
// the new password; disabling a user (sign-in refused in Chinese) and enabling it again (Esc
// closes the dialog); resetting a password (confirmation, shown once, forced change on the
// next sign-in); 生成单位初始账号 (the demo has an account for every unit: "所有单位均已有账号"
// and nothing downloaded; then a sheet with rows, served by an intercepted reply, is
// downloaded and its rows counted); the audit table (login, account creation, filters,
// 加载更多) and 校验审计链; 账号安全 (the new password checked on this side, the server's
// error for a wrong current password next to its field, the session list, ending another
// session so that the other browser lands on the login page); no console or page errors.
// Screenshots: users.png, user-created-dialog.png, force-password.png, audit.png, account.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD, startDaemon, stopDaemon, launchBrowser, newPage as openPage, screenshot,
  openLogin, login, logout, makeXlsx, signedInPage,
} from './harness.mjs';

let daemon = null;
let browser = null;
const problems = [];

const newPage = (label, opts) => openPage(browser, label, problems, opts);

// ─── helpers ──────────────────────────────────────────────────────────────

/* A page logged in as who (through the form), on the dashboard. */
const signedIn = (label, who, password = DEMO_PASSWORD, opts = {}) =>
  signedInPage(browser, daemon.base, problems, label, who, { ...opts, password });

async function gotoUsers(page) {
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '用户管理' }).click();
  await page.locator('h1', { hasText: '用户管理' }).waitFor();
  await page.locator('#users-table tbody tr[data-login]').first().waitFor();
}

/* Types into the search box and waits until the table shows exactly the rows for q. */
async function search(page, q) {
  const done = page.waitForResponse((r) => r.url().includes('/api/v1/users?') &&
    new URL(r.url()).searchParams.get('q') === (q || null));
  await page.getByRole('searchbox', { name: '搜索账号' }).fill(q);
  await done;
}

const row = (page, loginName) => page.locator(`#users-table tbody tr[data-login="${loginName}"]`);

/* Reads the generated password from the "shown once" dialog and closes it. */
async function takeSecret(page, title) {
  const dlg = page.getByRole('dialog', { name: title });
  await dlg.waitFor();
  await dlg.getByText('该密码只显示这一次').waitFor();
  const pw = await dlg.locator('#secret-password').inputValue();
  assert.match(pw, /^\S{10,}$/, 'a generated password of 10+ characters');
  return { dlg, pw };
}

async function closeSecret(page, dlg) {
  await dlg.getByRole('button', { name: '我已妥善记录，关闭' }).click();
  await dlg.waitFor({ state: 'detached' });
}

/* Creates an account through 新建账号 with a generated password; returns the password. */
async function createAccount(page, { loginName, name, role = '评审专家' }) {
  await page.getByRole('button', { name: '新建账号' }).click();
  const dlg = page.getByRole('dialog', { name: '新建账号' });
  await dlg.getByLabel('登录名').fill(loginName);
  if (name) await dlg.getByLabel('姓名').fill(name);
  await dlg.getByLabel('角色').selectOption({ label: role });
  await dlg.getByRole('button', { name: '创建账号' }).click();
  const { dlg: secret, pw } = await takeSecret(page, '账号已创建');
  await closeSecret(page, secret);
  return pw;
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

test('用户管理: the account table with search, role filter and paging', async () => {
  const page = await signedIn('users-table', 'admin');
  await gotoUsers(page);
  const heads = (await page.locator('#users-table thead th').allTextContents()).map((s) => s.trim());
  assert.deepEqual(heads, ['登录名', '姓名', '角色', '所属单位', '状态', '操作']);
  // The demo has 1 admin, 6 reviewers and 20 unit accounts: 27, 20 a page.
  await page.locator('#users-count', { hasText: '共 27 个账号' }).waitFor();
  assert.equal(await page.locator('#users-table tbody tr[data-login]').count(), 20);
  await page.locator('.pager', { hasText: '第 1 / 2 页' }).waitFor();
  assert.equal(await page.getByRole('button', { name: '上一页' }).isDisabled(), true);
  const admin = row(page, 'admin');
  assert.equal((await admin.locator('td').nth(2).textContent()).trim(), '考核办');
  await admin.getByText('启用').waitFor();
  assert.equal(await admin.getByRole('button', { name: '重置账号 admin 的密码' }).count(), 0, 'no reset of one\'s own password');
  const r2 = row(page, 'reviewer2');
  assert.match(await r2.locator('td').nth(3).textContent(), /云岭县司法局\s*YL-SFJ/);
  await screenshot(page, 'users.png');

  await page.getByRole('button', { name: '下一页' }).click();
  await page.locator('.pager', { hasText: '第 2 / 2 页' }).waitFor();
  assert.equal(await page.locator('#users-table tbody tr[data-login]').count(), 7);
  assert.equal(await page.getByRole('button', { name: '下一页' }).isDisabled(), true);

  await search(page, 'reviewer');
  await page.locator('#users-count', { hasText: '共 6 个账号' }).waitFor();
  assert.deepEqual(await page.locator('#users-table tbody tr[data-login]').evaluateAll((rs) => rs.map((r) => r.dataset.login)),
    ['reviewer1', 'reviewer2', 'reviewer3', 'reviewer4', 'reviewer5', 'reviewer6']);
  await search(page, 'no-such-account');
  await page.locator('#users-table').getByText('没有符合条件的账号').waitFor();
  await search(page, '');
  await page.locator('#users-count', { hasText: '共 27 个账号' }).waitFor();

  await page.getByLabel('角色', { exact: true }).selectOption({ label: '被考核单位' });
  await page.locator('#users-count', { hasText: '共 20 个账号' }).waitFor();
  const roles = await page.locator('#users-table tbody tr[data-login] td:nth-child(3)').allTextContents();
  assert.ok(roles.length === 20 && roles.every((r) => r.trim() === '被考核单位'), 'only unit accounts');
  await page.context().close();
});

test('admin creates a reviewer with a generated password; the user must change it before anything else', async () => {
  const page = await signedIn('create', 'admin', DEMO_PASSWORD, {
    allow: [{ status: 409, url: /\/api\/v1\/users$/ }],
  });
  await gotoUsers(page);

  await page.getByRole('button', { name: '新建账号' }).click();
  const dlg = page.getByRole('dialog', { name: '新建账号' });
  await dlg.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.closest('.field')?.dataset.field), 'login',
    'the login field has the focus');
  assert.equal(await dlg.getByLabel('所属单位代码').isVisible(), false, 'no unit field before a role is chosen');
  assert.match(await dlg.textContent(), /留空则由系统生成随机初始密码/);

  // Client-side check, then the server's word on a taken login, next to the field.
  await dlg.getByRole('button', { name: '创建账号' }).click();
  await dlg.locator('[data-field="login"] .field-error', { hasText: '请输入登录名。' }).waitFor();
  assert.equal(await dlg.getByLabel('登录名').getAttribute('aria-invalid'), 'true');
  await dlg.getByLabel('登录名').fill('reviewer1');
  await dlg.getByLabel('角色').selectOption({ label: '评审专家' });
  await dlg.getByLabel('所属单位代码').waitFor(); // shown for reviewers (optional)
  const taken = page.waitForResponse((r) => r.url().endsWith('/api/v1/users') && r.request().method() === 'POST');
  await dlg.getByRole('button', { name: '创建账号' }).click();
  assert.equal((await taken).status(), 409);
  await dlg.locator('[data-field="login"] .field-error', { hasText: '该登录名已被使用' }).waitFor();
  assert.equal(await dlg.getByLabel('登录名').getAttribute('aria-invalid'), 'true');

  // Enter in a field submits.
  await dlg.getByLabel('登录名').fill('expert.li');
  await dlg.getByLabel('姓名').fill('外聘专家 李明');
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/users') && r.request().method() === 'POST');
  await dlg.getByLabel('姓名').press('Enter');
  const reply = await created;
  assert.equal(reply.status(), 201);
  assert.deepEqual(JSON.parse(reply.request().postData()), { login: 'expert.li', role: 'reviewer', display_name: '外聘专家 李明' });
  assert.ok(reply.request().headers()['x-csrf-token'], 'POST carries X-CSRF-Token');

  const { dlg: secret, pw } = await takeSecret(page, '账号已创建');
  assert.equal(pw, (await reply.json()).password, 'the dialog shows the generated password');
  assert.equal((await secret.locator('#secret-login').textContent()).trim(), 'expert.li');
  await secret.getByRole('button', { name: '复制密码' }).click();
  await secret.getByRole('status').filter({ hasText: /已复制到剪贴板|请选中密码后手动复制/ }).waitFor();
  await screenshot(page, 'user-created-dialog.png');
  await closeSecret(page, secret);
  await page.locator('#users-status', { hasText: '已创建账号 expert.li。' }).waitFor();
  await search(page, 'expert.li');
  await row(page, 'expert.li').getByText('待改密').waitFor();
  assert.match(await row(page, 'expert.li').textContent(), /外聘专家 李明.*评审专家/);
  await logout(page);

  // The new user sees only 修改初始密码 — also when going elsewhere, and after a reload.
  const r = await login(page, 'expert.li', pw);
  assert.equal(r.status, 200);
  assert.equal(r.body.user.must_change_password, true);
  await page.locator('h1', { hasText: '修改初始密码' }).waitFor();
  assert.match(page.url(), /#\/change-password$/);
  assert.equal(await page.getByRole('navigation', { name: '主导航' }).count(), 0, 'no navigation');
  await page.getByText('您的账号 expert.li 正在使用考核办分配的初始密码。').waitFor();
  await screenshot(page, 'force-password.png');
  await page.evaluate(() => { location.hash = '#/dashboard'; });
  await page.waitForFunction(() => location.hash === '#/change-password');
  await page.locator('h1', { hasText: '修改初始密码' }).waitFor();
  assert.equal(await page.locator('.page-dashboard').count(), 0);
  await page.reload();
  await page.locator('h1', { hasText: '修改初始密码' }).waitFor();
  assert.equal(await page.locator('.page-dashboard').count(), 0);

  await page.getByLabel('初始密码', { exact: true }).fill(pw);
  await page.getByLabel('新密码', { exact: true }).fill('Qingshan-river-2024');
  await page.getByLabel('再次输入新密码').fill('Qingshan-river-2024');
  const put = page.waitForResponse((q) => q.url().endsWith('/api/v1/me/password'));
  await page.getByRole('button', { name: '修改密码并进入系统' }).click();
  assert.equal((await put).status(), 204);
  await page.locator('.page-dashboard[data-role="reviewer"]').waitFor();
  assert.match(page.url(), /#\/dashboard$/);
  await page.locator('#flash', { hasText: '密码已修改，欢迎使用考评。' }).waitFor();
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '我的评审任务' }).waitFor();
  await logout(page);

  const again = await login(page, 'expert.li', 'Qingshan-river-2024');
  assert.equal(again.status, 200);
  assert.equal(again.body.user.must_change_password, false);
  await page.locator('.page-dashboard[data-role="reviewer"]').waitFor();
  await page.context().close();
});

test('admin disables a user, who then cannot sign in; enabled again, they can', async () => {
  const admin = await signedIn('disable-admin', 'admin');
  await gotoUsers(admin);
  await search(admin, 'reviewer5');

  // Esc closes the dialog without saving; focus returns to the button.
  await row(admin, 'reviewer5').getByRole('button', { name: '编辑账号 reviewer5' }).click();
  const dlg = admin.getByRole('dialog', { name: '编辑账号 reviewer5' });
  await dlg.waitFor();
  await admin.keyboard.press('Escape');
  await dlg.waitFor({ state: 'detached' });
  assert.equal(await admin.evaluate(() => document.activeElement.getAttribute('aria-label')), '编辑账号 reviewer5');

  await row(admin, 'reviewer5').getByRole('button', { name: '编辑账号 reviewer5' }).click();
  await dlg.getByRole('radio', { name: '停用' }).check();
  const patch = admin.waitForResponse((r) => /\/api\/v1\/users\/\d+$/.test(r.url()) && r.request().method() === 'PATCH');
  await dlg.getByRole('button', { name: '保存' }).click();
  const res = await patch;
  assert.equal(res.status(), 200);
  assert.deepEqual(JSON.parse(res.request().postData()), { disabled: true }, 'only the change is sent');
  await dlg.waitFor({ state: 'detached' });
  await admin.locator('#users-status', { hasText: '已停用账号 reviewer5。' }).waitFor();
  await row(admin, 'reviewer5').locator('.badge', { hasText: '停用' }).waitFor();

  const user = await newPage('disabled-user');
  await openLogin(user, daemon.base);
  const refused = await login(user, 'reviewer5', DEMO_PASSWORD);
  assert.equal(refused.status, 401);
  await user.getByRole('alert').getByText('账号或密码错误，请重新输入。').waitFor();

  await row(admin, 'reviewer5').getByRole('button', { name: '编辑账号 reviewer5' }).click();
  await dlg.getByRole('radio', { name: '启用' }).check();
  await dlg.getByRole('button', { name: '保存' }).click();
  await admin.locator('#users-status', { hasText: '已启用账号 reviewer5。' }).waitFor();
  await row(admin, 'reviewer5').locator('.badge', { hasText: '启用' }).waitFor();

  const ok = await login(user, 'reviewer5', DEMO_PASSWORD);
  assert.equal(ok.status, 200);
  await user.locator('.page-dashboard').waitFor();
  await user.context().close();
  await admin.context().close();
});

test('admin resets a password: shown once, and the user must change it at sign-in', async () => {
  const admin = await signedIn('reset-admin', 'admin');
  await gotoUsers(admin);
  await search(admin, 'reviewer6');
  await row(admin, 'reviewer6').getByRole('button', { name: '重置账号 reviewer6 的密码' }).click();
  const confirm = admin.getByRole('dialog', { name: '重置密码' });
  await confirm.getByText('确定要重置账号 reviewer6').waitFor();
  await confirm.getByRole('button', { name: '确定重置' }).click();
  const { dlg, pw } = await takeSecret(admin, '密码已重置');
  await closeSecret(admin, dlg);
  await admin.locator('#users-status', { hasText: '已重置账号 reviewer6 的密码。' }).waitFor();
  await row(admin, 'reviewer6').getByText('待改密').waitFor();

  const user = await newPage('reset-user');
  await openLogin(user, daemon.base);
  const old = await login(user, 'reviewer6', DEMO_PASSWORD);
  assert.equal(old.status, 401, 'the old password no longer works');
  const r = await login(user, 'reviewer6', pw);
  assert.equal(r.status, 200);
  await user.locator('h1', { hasText: '修改初始密码' }).waitFor();
  assert.equal(await user.getByRole('navigation', { name: '主导航' }).count(), 0);
  await user.context().close();
  await admin.context().close();
});

test('生成单位初始账号: nothing to create says so; a sheet with rows is downloaded and counted', async () => {
  const page = await signedIn('unit-accounts', 'admin');
  await gotoUsers(page);
  const downloads = [];
  page.on('download', (d) => downloads.push(d));

  await page.getByRole('button', { name: '生成单位初始账号' }).click();
  const dlg = page.getByRole('dialog', { name: '生成单位初始账号' });
  await dlg.waitFor(); // opens once GET /api/v1/cycles has answered
  const select = dlg.getByLabel('考核周期');
  assert.deepEqual((await select.locator('option').allTextContents()).map((s) => s.trim()),
    ['云岭县2023年度法治政府建设考核（20 个单位）', '云岭县2022年度法治政府建设考核（20 个单位）']);
  assert.match(await dlg.textContent(), /只提供这一次/);
  const post = page.waitForResponse((r) => r.url().includes('/unit-accounts') && r.request().method() === 'POST');
  await dlg.getByRole('button', { name: '生成并下载单位初始账号（Excel）' }).click();
  const res = await post;
  assert.equal(res.status(), 201);
  assert.match(res.url(), /\/api\/v1\/cycles\/2\/unit-accounts\?format=xlsx$/);
  assert.match(res.headers()['content-type'], /spreadsheetml/);
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#users-status', { hasText: '所有单位均已有账号' }).waitFor();
  await page.waitForTimeout(300);
  assert.equal(downloads.length, 0, 'an empty sheet is not downloaded');

  // The download path, with a sheet of three accounts in place of the daemon's reply.
  const sheet = makeXlsx([
    ['YL-NEW1', '云岭县新设单位一', 'unit-YL-NEW1', 'Abcd-Efgh-1234', '首次登录后须修改密码'],
    ['YL-NEW2', '云岭县新设单位二', 'unit-YL-NEW2', 'Bcde-Fghi-2345', '首次登录后须修改密码'],
    ['YL-NEW3', '云岭县新设单位三', 'unit-YL-NEW3', 'Cdef-Ghij-3456', '首次登录后须修改密码'],
  ]);
  let seen = null;
  await page.route('**/api/v1/cycles/*/unit-accounts*', (route) => {
    seen = route.request();
    route.fulfill({
      status: 201,
      headers: {
        'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'Content-Disposition': 'attachment; filename="unit-accounts-1.xlsx"',
      },
      body: sheet,
    });
  });
  await page.getByRole('button', { name: '生成单位初始账号' }).click();
  await dlg.getByLabel('考核周期').selectOption({ label: '云岭县2022年度法治政府建设考核（20 个单位）' });
  const downloadP = page.waitForEvent('download');
  await dlg.getByRole('button', { name: '生成并下载单位初始账号（Excel）' }).press('Enter');
  const download = await downloadP;
  assert.equal(download.suggestedFilename(), 'unit-accounts-1.xlsx');
  assert.ok(seen, 'the request went out');
  assert.match(seen.url(), /\/api\/v1\/cycles\/1\/unit-accounts\?format=xlsx$/);
  assert.ok(seen.headers()['x-csrf-token'], 'POST carries X-CSRF-Token');
  const saved = await download.path();
  assert.ok(saved, 'the file was saved');
  await page.locator('#users-status', { hasText: '已为 3 个单位创建账号，账号表“unit-accounts-1.xlsx”已下载' }).waitFor();
  await page.unroute('**/api/v1/cycles/*/unit-accounts*');
  await page.context().close();
});

test('审计日志 lists the login and the account creation; 加载更多; the chain verifies', async () => {
  const page = await signedIn('audit', 'admin');
  await gotoUsers(page);
  await createAccount(page, { loginName: 'audit.probe', name: '审计测试账号' });

  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '审计日志' }).click();
  await page.locator('h1', { hasText: '审计日志' }).waitFor();
  const rows = page.locator('#audit-table tbody tr[data-id]');
  await rows.first().waitFor();
  const heads = (await page.locator('#audit-table thead th').allTextContents()).map((s) => s.trim());
  assert.deepEqual(heads, ['时间', '操作人', '操作', '对象', '详情', '来源地址']);

  // Newest first: the creation, then the admin's login.
  const creation = rows.filter({ hasText: '创建账号' }).filter({ hasText: 'audit.probe' }).first();
  await creation.waitFor();
  const cells = (await creation.locator('td').allTextContents()).map((s) => s.trim());
  assert.match(cells[0], /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'local time yyyy-mm-dd HH:MM:ss');
  assert.equal(cells[1], 'admin');
  assert.equal(cells[2], '创建账号');
  assert.match(cells[3], /^账号 #\d+ audit\.probe$/);
  assert.match(cells[4], /登录名\s*audit\.probe/);
  assert.match(cells[4], /角色\s*评审专家/);
  assert.equal(cells[5], '127.0.0.1');
  const loginRow = rows.filter({ hasText: '登录' }).filter({ has: page.locator('td:nth-child(2)', { hasText: /^admin$/ }) })
    .filter({ has: page.locator('td:nth-child(3)', { hasText: /^登录$/ }) }).first();
  await loginRow.waitFor();

  // Filters.
  await page.getByLabel('操作', { exact: true }).selectOption({ label: '创建账号' });
  await page.waitForFunction(() => [...document.querySelectorAll('#audit-table tbody tr[data-id]')]
    .every((r) => r.dataset.auditAction === 'user.create'));
  await page.getByLabel('操作人', { exact: true }).fill('admin');
  await page.getByRole('button', { name: '查询' }).click();
  await page.waitForFunction(() => {
    const rs = [...document.querySelectorAll('#audit-table tbody tr[data-id]')];
    return rs.length >= 1 && rs.every((r) => r.dataset.auditAction === 'user.create' &&
      r.children[1].textContent === 'admin') && rs[0].textContent.includes('audit.probe');
  });
  await page.getByLabel('操作人', { exact: true }).fill('nobody');
  await page.getByRole('button', { name: '查询' }).click();
  await page.locator('#audit-table').getByText('没有符合条件的审计记录').waitFor();
  await page.getByLabel('操作人', { exact: true }).fill('');
  await page.getByLabel('操作', { exact: true }).selectOption({ label: '全部操作' });
  await rows.nth(20).waitFor();

  // 校验审计链
  const verifyP = page.waitForResponse((r) => r.url().endsWith('/api/v1/audit/verify'));
  await page.getByRole('button', { name: '校验审计链' }).click();
  const verify = await (await verifyP).json();
  assert.equal(verify.ok, true);
  const result = page.locator('#audit-verify-ok');
  await result.getByText(`审计链完整：共 ${verify.entries} 条记录`).waitFor();
  assert.equal((await result.locator('code.hash').textContent()).trim(), verify.head);
  assert.match(verify.head, /^[0-9a-f]{64}$/);
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'audit.png');

  // Thirty sign-ins through the API, so the log has more than one page of 50; 加载更多
  // appends older entries.
  for (let i = 0; i < 30; i++) {
    const res = await fetch(daemon.base + '/api/v1/session', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ login: 'reviewer3', password: DEMO_PASSWORD }),
    });
    assert.equal(res.status, 200);
  }
  await page.getByRole('button', { name: '查询' }).click();
  await page.locator('#audit-table tbody tr[data-audit-action="session.login"] code', { hasText: 'reviewer3' }).first().waitFor();
  assert.equal(await rows.count(), 50);
  const more = page.getByRole('button', { name: '加载更多' });
  for (let i = 0; i < 10 && await more.isVisible(); i++) {
    const n = await rows.count();
    await more.click();
    await page.waitForFunction((k) => document.querySelectorAll('#audit-table tbody tr[data-id]').length > k, n);
  }
  const ids = await rows.evaluateAll((rs) => rs.map((r) => Number(r.dataset.id)));
  assert.ok(ids.every((id, i) => i === 0 || id < ids[i - 1]), 'strictly newest first, no repeats');
  assert.ok(ids.includes(1), 'the oldest entry is reached');
  await more.waitFor({ state: 'hidden' });
  await page.locator('#audit-table').getByText('生成演示数据').waitFor();
  await page.context().close();
});

test('账号安全: password checks, the server\'s field error, and ending another session', async () => {
  const a = await signedIn('account-a', 'reviewer4', DEMO_PASSWORD, {
    allow: [{ status: 400, url: /\/api\/v1\/me\/password$/ }],
  });
  // The user's name in the header leads to 账号安全.
  await a.locator('#user-box').click();
  await a.locator('h1', { hasText: '账号安全' }).waitFor();
  assert.match(a.url(), /#\/account$/);
  await a.getByText('当前账号：reviewer4（评审专家）').waitFor();
  const sessions = a.locator('#sessions-table tbody tr[data-session]');
  await sessions.first().waitFor();
  assert.equal(await sessions.count(), 1);
  await sessions.first().getByText('当前会话').waitFor();
  assert.match(await sessions.first().locator('td').first().textContent(), /^Chrome \d+ · Linux$/);

  // A second browser signs in as the same user; the list shows it with 结束.
  const b = await signedIn('account-b', 'reviewer4', DEMO_PASSWORD, {
    allow: [{ status: 401, url: /\/api\/v1\// }],
  });
  await a.getByRole('button', { name: '刷新' }).click();
  await a.waitForFunction(() => document.querySelectorAll('#sessions-table tbody tr[data-session]').length === 2);
  const other = a.locator('#sessions-table tbody tr[data-session]:not(.is-current)');
  await other.getByRole('button', { name: /^结束会话/ }).waitFor();
  assert.equal(await a.locator('#sessions-table tbody tr.is-current').getByRole('button').count(), 0);

  // Checks on this side: nothing is sent.
  let puts = 0;
  a.on('request', (q) => { if (q.url().endsWith('/api/v1/me/password')) puts += 1; });
  const form = a.locator('#pw-form');
  const fieldError = (name) => form.locator(`[data-field="${name}"] .field-error`);
  await form.getByRole('button', { name: '修改密码' }).click();
  await fieldError('current').getByText('请输入当前密码。').waitFor();
  await form.getByLabel('当前密码').fill(DEMO_PASSWORD);
  await form.getByLabel('新密码', { exact: true }).fill('short');
  await form.getByLabel('再次输入新密码').fill('short');
  await form.getByRole('button', { name: '修改密码' }).click();
  await fieldError('new').getByText('新密码至少需要 10 个字符。').waitFor();
  assert.equal(await form.getByLabel('新密码', { exact: true }).getAttribute('aria-invalid'), 'true');
  await form.getByLabel('新密码', { exact: true }).fill('Lanjiang-bridge-88');
  await form.getByLabel('再次输入新密码').fill('Lanjiang-bridge-89');
  await form.getByLabel('再次输入新密码').press('Enter');
  await fieldError('repeat').getByText('两次输入的新密码不一致。').waitFor();
  assert.equal(await fieldError('new').isHidden(), true, 'the earlier error is gone');
  assert.equal(puts, 0, 'no request for what the form itself refuses');

  // The server's word: a wrong current password, shown next to that field.
  await form.getByLabel('当前密码').fill('not-my-password');
  await form.getByLabel('再次输入新密码').fill('Lanjiang-bridge-88');
  const put = a.waitForResponse((q) => q.url().endsWith('/api/v1/me/password'));
  await form.getByRole('button', { name: '修改密码' }).click();
  const res = await put;
  assert.equal(res.status(), 400);
  assert.equal((await res.json()).error.field, 'current_password');
  await fieldError('current').getByText('当前密码不正确').waitFor();
  assert.equal(await form.getByLabel('当前密码').getAttribute('aria-invalid'), 'true');
  assert.equal(await a.evaluate(() => document.activeElement.id), 'pw-current', 'focus on the field at fault');
  await screenshot(a, 'account.png');

  // End the other session: the other browser's next navigation lands on the login page.
  const del = a.waitForResponse((q) => /\/api\/v1\/me\/sessions\/\d+$/.test(q.url()) && q.request().method() === 'DELETE');
  await other.getByRole('button', { name: /^结束会话/ }).click();
  assert.equal((await del).status(), 204);
  await a.locator('#sessions-status', { hasText: '已结束该会话' }).waitFor();
  await a.waitForFunction(() => document.querySelectorAll('#sessions-table tbody tr[data-session]').length === 1);
  await b.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '我的评审任务' }).click();
  await b.locator('#login-login').waitFor();
  await b.getByRole('alert').getByText('登录已失效，请重新登录。').waitFor();

  // A successful change.
  await form.getByLabel('当前密码').fill(DEMO_PASSWORD);
  await form.getByLabel('新密码', { exact: true }).fill('Lanjiang-bridge-88');
  await form.getByLabel('再次输入新密码').fill('Lanjiang-bridge-88');
  await form.getByRole('button', { name: '修改密码' }).click();
  await a.locator('#password-status', { hasText: '密码已修改' }).waitFor();
  assert.equal(await form.getByLabel('当前密码').inputValue(), '', 'the form is cleared');
  await b.context().close();
  await a.context().close();
});

test('no console errors and no page errors during the account tests', () => {
  assert.deepEqual(problems, []);
});
