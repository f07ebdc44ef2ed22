// tests/browser/harness.mjs — what every browser test file needs: the daemon, the browser,
// pages that record console and page errors, screenshots and the login form.
//
// startDaemon() runs `$KAOPING_BIN serve --listen 127.0.0.1:0 --data-dir <fresh temp dir>
// --demo --pwhash min` (plus `--web-root DIR` when KAOPING_WEB_ROOT is set: a directory, or
// any other value for this repository's web/), waits for "listening on http://127.0.0.1:PORT"
// and resolves to { proc, base, dataDir, output() }; stopDaemon() sends SIGTERM and removes
// the data dir. launchBrowser() starts Debian's /usr/bin/chromium through playwright-core.
// Screenshots go to $KAOPING_ARTIFACTS (default: ./artifacts). makeZip() writes a ZIP
// (deflate + CRC-32) from which makeXlsx() builds a small .xlsx like the daemon's account
// sheets and makeDocx() a minimal Word document of given paragraphs. apiSession() signs in
// through the API for setting things up from node; chinaDay()/chinaEndOfDay() compute
// deadlines as the app does (23:59:59 Beijing time). Not a test file itself (node --test runs
// *.test.mjs only).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { deflateRawSync } from 'node:zlib';
import { mkdtempSync, mkdirSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..');
export const ARTIFACTS = path.resolve(process.env.KAOPING_ARTIFACTS || path.join(HERE, 'artifacts'));
export const VIEWPORT = { width: 1366, height: 768 };
export const DEMO_PASSWORD = 'kaoping-demo';

// ─── the daemon ───────────────────────────────────────────────────────────

/* KAOPING_WEB_ROOT set: a directory is passed on as --web-root; any other value means this
 * repository's web/. (The daemon also reads the variable itself, so it is not passed down.) */
function webRootArgs() {
  const v = process.env.KAOPING_WEB_ROOT;
  if (!v) return [];
  const dir = existsSync(v) && statSync(v).isDirectory() ? v : path.join(REPO, 'web');
  return ['--web-root', path.resolve(dir)];
}

export function startDaemon() {
  const bin = process.env.KAOPING_BIN;
  if (!bin) throw new Error('KAOPING_BIN is not set: point it at the built kaoping binary');
  if (!existsSync(bin)) throw new Error(`KAOPING_BIN=${bin} does not exist`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kaoping-browser-'));
  const args = ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--demo', '--pwhash', 'min', ...webRootArgs()];
  const env = { ...process.env };
  delete env.KAOPING_WEB_ROOT;
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => { err += d; });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`daemon did not print "listening on" within 60 s\nstdout:\n${out}\nstderr:\n${err}`));
    }, 60000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^listening on (http:\/\/127\.0\.0\.1:(\d+))\s*$/m);
      if (m && timer) {
        clearTimeout(timer);
        resolve({ proc, base: m[1], dataDir, output: () => out + '\n' + err });
      }
    });
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    let listening = false;
    proc.stdout.on('data', () => { listening = listening || /^listening on /m.test(out); });
    proc.on('exit', (code, sig) => {
      clearTimeout(timer);
      if (!listening) {
        reject(new Error(`daemon exited (${code ?? sig}) before listening\nstdout:\n${out}\nstderr:\n${err}`));
      } else if (!stopping.has(proc)) {
        // A daemon that dies under a test is a bug of its own: say so with its last words.
        console.error(`kaoping daemon died during the tests (${code ?? sig}); last stderr:\n${err.slice(-6000)}`);
      }
    });
  });
}

/* Daemons being stopped on purpose (their exit is not reported as a death). */
const stopping = new WeakSet();

export async function stopDaemon(d) {
  if (!d) return;
  stopping.add(d.proc);
  if (d.proc.exitCode === null && d.proc.signalCode === null) {
    const exited = new Promise((r) => d.proc.once('exit', r));
    d.proc.kill('SIGTERM');
    const t = setTimeout(() => d.proc.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(t);
  }
  rmSync(d.dataDir, { recursive: true, force: true });
}

// ─── the browser ──────────────────────────────────────────────────────────

export async function launchBrowser() {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
}

/* A 401 from /api/v1/me (not logged in) or /api/v1/session (wrong password) is part of the
 * contract; Chromium still logs it as "Failed to load resource". */
function expectedHttpError(text, url) {
  return /status of 401\b/.test(text) && /\/api\/v1\/(me|session)$/.test(url || '');
}

/* A page in a fresh context (zh-CN, Asia/Shanghai, 1366×768) whose console errors and page
 * errors are pushed onto problems, except "Failed to load resource" lines the test expects:
 * allow is a list of { status, url: RegExp } (and a 401 of /me or /session is always fine). */
export async function newPage(browser, label, problems, { watch = true, allow = [], contextOptions = {} } = {}) {
  const context = await browser.newContext({
    viewport: VIEWPORT, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true, ...contextOptions,
  });
  const page = await context.newPage();
  /* Generous: CI also runs these journeys against the ASan build of the daemon, where reading
   * an uploaded report takes several times longer, on a 2-core machine shared with the browser. */
  page.setDefaultTimeout(30000);
  page.allowHttpErrors = [...allow]; // tests may add entries while they run
  if (watch) {
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const loc = msg.location();
      const text = msg.text();
      if (expectedHttpError(text, loc.url)) return;
      if (page.allowHttpErrors.some((a) => new RegExp(`status of ${a.status}\\b`).test(text) && a.url.test(loc.url || ''))) return;
      problems.push(`[${label}] console error: ${text} (${loc.url}:${loc.lineNumber})`);
    });
    page.on('pageerror', (e) => problems.push(`[${label}] page error: ${e.message}`));
  }
  return page;
}

export async function screenshot(page, name) {
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: path.join(ARTIFACTS, name), animations: 'disabled' });
}

export async function openLogin(page, base) {
  const res = await page.goto(base + '/');
  assert.ok(res, 'no response for /');
  assert.equal(res.status(), 200, 'GET / status');
  await page.locator('#login-login').waitFor();
  return res;
}

/* Logs in through the form. Returns { status, body } of POST /api/v1/session. */
export async function login(page, who, password, { keyboard = false } = {}) {
  await page.getByLabel('账号', { exact: true }).fill(who);
  await page.getByLabel('密码', { exact: true }).fill(password);
  const replyP = page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST');
  if (keyboard) await page.getByLabel('密码', { exact: true }).press('Enter');
  else await page.getByRole('button', { name: '登录', exact: true }).click();
  const reply = await replyP;
  let body = null;
  try { body = await reply.json(); } catch { /* checked by the caller */ }
  return { status: reply.status(), body };
}

/* A new page (see newPage) signed in as WHO through the login form and on the dashboard;
 * the login must succeed. OPTS: { password } (the demo password by default) and newPage's
 * options. */
export async function signedInPage(browser, base, problems, label, who = 'admin', { password = DEMO_PASSWORD, ...opts } = {}) {
  const page = await newPage(browser, label, problems, opts);
  await openLogin(page, base);
  const r = await login(page, who, password);
  assert.equal(r.status, 200, `login as ${who}: ${r.status} ${JSON.stringify(r.body)}`);
  await page.locator('.page-dashboard').waitFor();
  return page;
}

/* Clicks 退出登录 and waits for the login page. */
export async function logout(page) {
  await page.getByRole('button', { name: '退出登录' }).click();
  await page.locator('#login-login').waitFor();
}

/* A table row's cells as "a | b | c" (each cell's visible text, white space collapsed). */
export function rowCells(row) {
  return row.evaluate((tr) => [...tr.cells].map((td) => td.innerText.replace(/\s+/g, ' ').trim()).join(' | '));
}

// ─── fixtures ─────────────────────────────────────────────────────────────

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/* A ZIP archive of files [[name, text]], each deflated (UTF-8 names flagged). */
export function makeZip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, text] of files) {
    const data = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
    const comp = deflateRawSync(data);
    const nameBuf = Buffer.from(name, 'utf8');
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0); head.writeUInt16LE(20, 4); head.writeUInt16LE(0x0800, 6);
    head.writeUInt16LE(8, 8); head.writeUInt32LE(crc32(data), 14); head.writeUInt32LE(comp.length, 18);
    head.writeUInt32LE(data.length, 22); head.writeUInt16LE(nameBuf.length, 26);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0); cen.writeUInt16LE(20, 4); cen.writeUInt16LE(20, 6);
    cen.writeUInt16LE(0x0800, 8); cen.writeUInt16LE(8, 10); cen.writeUInt32LE(crc32(data), 16);
    cen.writeUInt32LE(comp.length, 20); cen.writeUInt32LE(data.length, 24);
    cen.writeUInt16LE(nameBuf.length, 28); cen.writeUInt32LE(offset, 42);
    locals.push(head, nameBuf, comp);
    centrals.push(cen, nameBuf);
    offset += 30 + nameBuf.length + comp.length;
  }
  const central = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(files.length, 8); end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(central.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, central, end]);
}

/* A minimal .xlsx (ZIP with deflated xl/worksheets/sheet1.xml) with a header row and the
 * given rows, as libxlsxwriter writes them with inline strings. */
export function makeXlsx(rows) {
  const cell = (v, c, r) => `<c r="${String.fromCharCode(65 + c)}${r}" t="inlineStr"><is><t>${v}</t></is></c>`;
  const all = [['单位代码', '单位名称', '登录名', '初始密码', '说明'], ...rows];
  const sheet = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet><sheetData>' +
    all.map((r, i) => `<row r="${i + 1}" spans="1:5">${r.map((v, c) => cell(v, c, i + 1)).join('')}</row>`).join('') +
    '</sheetData></worksheet>';
  return makeZip([
    ['[Content_Types].xml', '<?xml version="1.0"?><Types/>'],
    ['xl/workbook.xml', '<?xml version="1.0"?><workbook/>'],
    ['xl/worksheets/sheet1.xml', sheet],
  ]);
}

const xmlText = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/* A minimal Word document (.docx): one w:p per paragraph of the given texts. */
export function makeDocx(paragraphs) {
  const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
  const body = paragraphs.map((p) => `<w:p><w:r><w:t xml:space="preserve">${xmlText(p)}</w:t></w:r></w:p>`).join('');
  return makeZip([
    ['[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
      '</Types>'],
    ['_rels/.rels', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
      '</Relationships>'],
    ['word/document.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="${W}"><w:body>${body}</w:body></w:document>`],
  ]);
}

// ─── the API from node (setting up what a test needs) ────────────────────

/* Signs in through the API. Returns { user, call(method, path, body) → {status, body} }:
 * JSON in and out with the session cookie, the CSRF token and the Origin header. */
export async function apiSession(base, who, password = DEMO_PASSWORD) {
  const res = await fetch(base + '/api/v1/session', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Origin: base },
    body: JSON.stringify({ login: who, password }),
  });
  const reply = await res.json();
  assert.equal(res.status, 200, `API login as ${who}: ${JSON.stringify(reply)}`);
  const cookie = (res.headers.get('set-cookie') || '').split(';')[0];
  const call = async (method, p, body) => {
    const headers = { Cookie: cookie, Origin: base, Accept: 'application/json', 'X-CSRF-Token': reply.csrf_token };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = text; }
    return { status: r.status, body: json };
  };
  return { user: reply.user, call };
}

/* "yyyy-mm-dd" of today (+days) in Beijing, and the Unix seconds of 23:59:59 that day there. */
export function chinaDay(days = 0) {
  return new Date(Date.now() + days * 86400000 + 8 * 3600000).toISOString().slice(0, 10);
}
export function chinaEndOfDay(day) {
  const [y, m, d] = day.split('-').map(Number);
  return Date.UTC(y, m - 1, d, 23, 59, 59) / 1000 - 8 * 3600;
}
