// tests/browser/static.test.mjs — checks of web/ that need neither the daemon nor a browser.
// Owns: the message catalogues (zh-CN and en have the same keys, no empty values, every
// literal t('key') and every page's description/hint exists, every audit action code of the
// audit page and every cycle phase of server/openapi.json has its text), the CSP rules for
// our files (no inline script or style, no style="" or on*="" attributes, no eval/new
// Function/innerHTML), "offline only" (no http(s):// URL but the SVG namespace), and
// js/xlsx.js counting the rows of a sheet; web/vendor/ (third-party, not ours: exempt from
// the checks above) holds only what its package-lock.json pins, each library with its license.
// Run with the rest: cd tests/browser && node --test

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeXlsx } from './harness.mjs';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}
const read = (f) => readFileSync(f, 'utf8');
const rel = (f) => path.relative(WEB, f);
/* Our own files; web/vendor/ holds third-party libraries copied from npm by scripts/vendor.sh
 * (checked by their own test below: pinned, licensed, loaded only as a 'self' script). */
const FILES = walk(WEB).filter((f) => !rel(f).startsWith('vendor' + path.sep));

/* Imports an ES module of web/ (which has no package.json saying "module") by its text.
 * Only for modules without imports of their own. */
async function importWeb(relPath) {
  const src = read(path.join(WEB, relPath));
  return import('data:text/javascript;charset=utf-8,' + encodeURIComponent(src));
}

test('the zh-CN and en catalogues have the same keys and no empty message', async () => {
  const zh = (await importWeb('i18n/zh-CN.js')).default;
  const en = (await importWeb('i18n/en.js')).default;
  assert.deepEqual(Object.keys(en).sort(), Object.keys(zh).sort());
  for (const [k, v] of [...Object.entries(zh), ...Object.entries(en)]) {
    assert.ok(typeof v === 'string' && v.trim().length > 0, `empty message ${k}`);
  }
  // Placeholders must match between languages.
  for (const k of Object.keys(zh)) {
    const ph = (s) => (s.match(/\{\w+\}/g) || []).sort().join();
    assert.equal(ph(en[k]), ph(zh[k]), `placeholders of ${k}`);
  }
});

test('every message key used in web/js exists, and every page has its texts', async () => {
  const zh = (await importWeb('i18n/zh-CN.js')).default;
  const used = new Set();
  for (const f of FILES.filter((x) => x.endsWith('.js') && !x.includes(`${path.sep}i18n${path.sep}`))) {
    for (const m of read(f).matchAll(/\bt\(\s*'([^']+)'\s*[,)]/g)) used.add(m[1]);
    for (const m of read(f).matchAll(/\bkey:\s*'([^']+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size > 30, 'found the t() calls');
  for (const k of used) assert.ok(k in zh, `missing catalogue key ${k}`);

  const { PAGES, NAV_BY_ROLE } = await importWeb('js/nav.js');
  for (const id of Object.keys(PAGES)) {
    assert.ok(PAGES[id].key in zh, `nav label of ${id}`);
    if (id === 'dashboard') continue;
    assert.ok(`page.${id}.desc` in zh, `page.${id}.desc`);
    assert.ok(`page.${id}.hint` in zh, `page.${id}.hint`);
  }
  for (const role of Object.keys(NAV_BY_ROLE)) assert.ok(`role.${role}` in zh, `role.${role}`);
});

test('every audit action and cycle phase has its text', async () => {
  const zh = (await importWeb('i18n/zh-CN.js')).default;
  const src = read(path.join(WEB, 'js', 'views', 'audit.js'));
  const list = src.match(/const ACTIONS = \[([^\]]*)\]/);
  assert.ok(list, 'ACTIONS in js/views/audit.js');
  const actions = [...list[1].matchAll(/'([^']+)'/g)].map((m) => m[1]);
  assert.ok(actions.length >= 10, 'found the action codes');
  for (const a of actions) assert.ok(`audit.action.${a}` in zh, `audit.action.${a}`);

  const openapi = JSON.parse(readFileSync(path.join(WEB, '..', 'server', 'openapi.json'), 'utf8'));
  const phases = openapi.paths['/api/v1/cycles'].get.responses['200'].content['application/json']
    .schema.properties.cycles.items.properties.phase.enum;
  assert.ok(phases.length >= 3, 'found the phases');
  for (const p of phases) assert.ok(`phase.${p}` in zh, `phase.${p}`);
  for (const r of openapi.components.schemas.User.properties.role.enum) assert.ok(`role.${r}` in zh, `role.${r}`);
});

test('js/xlsx.js counts the rows of a worksheet, header included', async () => {
  const { sheetRowCount } = await importWeb('js/xlsx.js');
  const blob = (buf) => new Blob([buf]);
  assert.equal(await sheetRowCount(blob(makeXlsx([]))), 1);
  assert.equal(await sheetRowCount(blob(makeXlsx([['A', 'B', 'C', 'D', 'E'], ['F', 'G', 'H', 'I', 'J']]))), 3);
  await assert.rejects(sheetRowCount(blob(Buffer.from('not a zip file at all, just some text'))), /not a ZIP/);
});

test('web/ obeys the Content-Security-Policy: no inline script, style or handlers', () => {
  for (const f of FILES.filter((x) => /\.(html|svg)$/.test(x))) {
    const s = read(f);
    for (const m of s.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      assert.match(m[1], /\bsrc=/, `${rel(f)}: inline <script>`);
      assert.equal(m[2].trim(), '', `${rel(f)}: <script src> with a body`);
    }
    assert.doesNotMatch(s, /<style\b/i, `${rel(f)}: <style>`);
    assert.doesNotMatch(s, /\sstyle\s*=/i, `${rel(f)}: style="" attribute`);
    assert.doesNotMatch(s, /\son[a-z]+\s*=/i, `${rel(f)}: on*="" handler`);
    assert.doesNotMatch(s, /javascript:/i, `${rel(f)}: javascript: URL`);
  }
  for (const f of FILES.filter((x) => x.endsWith('.js'))) {
    const s = read(f);
    assert.doesNotMatch(s, /\beval\s*\(|new\s+Function\s*\(/, `${rel(f)}: eval`);
    assert.doesNotMatch(s, /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML/, `${rel(f)}: HTML injection`);
    assert.doesNotMatch(s, /setAttribute\(\s*'style'|['"]style['"]\s*:/, `${rel(f)}: style attribute`);
  }
});

test('web/ loads nothing from outside the daemon', () => {
  for (const f of FILES) {
    const urls = read(f).match(/\b(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s'"<>)]*/gi) || [];
    const external = urls.filter((u) => !/^http:\/\/www\.w3\.org\/2000\/svg$/.test(u));
    assert.deepEqual(external, [], `${rel(f)} refers to outside URLs`);
  }
});

test('web/vendor holds pinned libraries with their licenses', () => {
  const dir = path.join(WEB, 'vendor');
  const lock = JSON.parse(read(path.join(dir, 'package-lock.json')));
  const pkg = JSON.parse(read(path.join(dir, 'package.json')));
  for (const [name, version] of Object.entries(pkg.dependencies)) {
    assert.match(version, /^\d+\.\d+\.\d+$/, `${name}: an exact version`);
    const entry = lock.packages['node_modules/' + name];
    assert.equal(entry && entry.version, version, `${name}: the lockfile pins ${version}`);
    assert.match(entry.integrity, /^sha512-/, `${name}: integrity hash`);
  }
  const files = readdirSync(dir);
  assert.ok(files.includes('echarts.min.js') && files.includes('LICENSE-echarts') && files.includes('NOTICE-echarts'));
  assert.match(read(path.join(dir, 'echarts.min.js')), new RegExp(`version="${pkg.dependencies.echarts.replace(/\./g, '\\.')}"`));
  assert.deepEqual(files.filter((f) => f.endsWith('.js')), ['echarts.min.js'], 'only the vendored build');
});
