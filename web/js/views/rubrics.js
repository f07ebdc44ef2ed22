// web/js/views/rubrics.js — 考核指标 (#/rubrics, admin): the rubrics and their editor.
// Owns: the list (GET /api/v1/rubrics: 名称, 版本, 总分, 状态 已冻结/可编辑, 使用周期数, 创建时间,
// 查看/编辑), 新建, 导入 (rubricimport.js: a .json/.csv/.xlsx file previewed by the server, then
// opened in the editor unsaved at #/rubrics/new?import=1 with a notice naming the file and the
// server's problem next to its node) and the 从文档生成草稿 dialog (pasted text → POST
// /api/v1/rubrics/draft {text,total_points}, or an uploaded .txt/.docx/.pdf → POST
// /api/v1/rubrics/draft/file?total_points=N; the proposed tree opens in the editor unsaved,
// with the draft's notes; errors with the server's detail stay in the dialog; a 404/405 says
// the feature is not open yet). The editor (#/rubrics/ID, #/rubrics/new, #/rubrics/new?from=ID
// for a copy, ?draft=1 / ?import=1 for the draft or file just read): the header with the
// version picker of the family ("v1 · 已冻结 · 2 个周期", GET …/{id} "versions"), 与…对比
// (rubricdiff.js → #/rubrics/ID/diff?to=OTHER) and 导出 JSON / CSV / Excel links
// (GET …/export.json|csv|xlsx, plain <a download>); basic facts (名称, 总分, 评分步长, 折算);
// the indicator tree (areas → indicators → sub-indicators; per node 编号, 名称, 分值 for leaves
// or the live sum of its leaves for groups, 评分标准, 关键词 (separated by ；/, and never
// containing a semicolon), 责任单位, 适用单位类别 from GET /api/v1/unit-kinds; add child /
// sibling, move up / down (also Alt+↑ / Alt+↓ anywhere in a node, announced in a live
// region), 移动到… another parent (a dialog listing the parents allowed by the depth limit of
// 3, never the node's own subtree, or 作为一级指标), delete after a confirmation; focus goes to a
// new or moved node), the live total against total_points (green when equal, red "相差 N 分"
// otherwise), 等次设置, 加分项, 扣分项 (each with 所属一级指标: empty = 总分, else the code of an
// area, whose score it comes off), 一票否决 (effect from the grade bands). Client checks mirror
// server/rubrics.c (codes 1–20 of [A-Za-z0-9.-] and unique across the tree and the special
// items, non-empty names, points > 0 in steps of 0.01, the sum, areas with children, bands
// from high to low, caps ≥ points, veto effects, 评分步长 > 0, total caps ≥ 0, keywords without
// ; or ；, a deduction's area an existing area code); a problem shows next to its node, and a
// 400 from the server is put next to the node its `field` path
// ("areas[2].children[0].max_points") names. Saving: PUT for a rubric not frozen, otherwise
// (frozen, new, copy, draft, import) 另存为新版本 = POST and go to the new id; a copy of a
// rubric (?from=ID, or 另存为新版本 of an editable one) sends derived_from so it becomes the
// next version of the same family, a new rubric, a draft or an import sends none. A frozen
// rubric opens read only. Unsaved changes are guarded (router leave guard + beforeunload).
// No <form>: Enter never submits.

import { h, icon, replace } from '../dom.js';
import { t, errorMessage, errorText, formatDateTime, formatSize } from '../i18n.js';
import { api } from '../api.js';
import { navigate, setLeaveGuard } from '../router.js';
import {
  field, button, setBusy, openDialog, confirmDialog, badge, notice, messageRow, uid,
} from '../ui.js';
import { dropZone, uploadJob } from '../filepick.js';
import { unitKinds } from '../unitpicker.js';
import { pageHead } from './page.js';
import { rubricImportDialog } from './rubricimport.js';
import { compareDialog, versionText } from './rubricdiff.js';

const COLS = 7;
const MAX_DEPTH = 3;
const CODE_RE = /^[0-9A-Za-z.-]{1,20}$/;
const POINTS_RE = /^\d+(\.\d{1,2})?$/;
const DEFAULT_BANDS = [['优秀', 90], ['良好', 80], ['合格', 60], ['不合格', 0]];

let pendingDraft = null; // the reply of the last 生成, read by #/rubrics/new?draft=1
let pendingImport = null; // {reply, file} of the last 导入, read by #/rubrics/new?import=1
let currentDirty = null; // () → bool of the editor on screen (for beforeunload)

window.addEventListener('beforeunload', (ev) => {
  if (currentDirty && currentDirty()) ev.preventDefault();
});

const round2 = (x) => Math.round(x * 100) / 100;
const fmt = (x) => String(round2(x));
const numText = (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : '');

// ─── the list ────────────────────────────────────────────────────────────

export function rubricsView() {
  const tbody = h('tbody');
  const status = h('div', { class: 'page-status', id: 'rubrics-status', role: 'status' });

  function row(r) {
    const open = h('a', {
      class: 'btn btn-link', href: '#/rubrics/' + r.id, 'data-action': r.frozen ? 'view' : 'edit',
      'aria-label': t(r.frozen ? 'rubrics.viewOf' : 'rubrics.editOf', { name: r.name }),
    }, t(r.frozen ? 'rubrics.view' : 'rubrics.edit'));
    return h('tr', { 'data-id': String(r.id) },
      h('td', { class: 'cell-name' }, h('a', { href: '#/rubrics/' + r.id, class: 'cell-link' }, r.name)),
      h('td', { class: 'cell-num' }, 'v' + r.version),
      h('td', { class: 'cell-num' }, t('rubrics.points', { n: fmt(r.total_points) })),
      h('td', null, r.frozen ? badge(t('rubrics.frozen'), 'info') : badge(t('rubrics.editable'), 'ok')),
      h('td', { class: 'cell-num' }, String(r.cycles ?? 0)),
      h('td', { class: 'cell-time' }, formatDateTime(r.created_at)),
      h('td', { class: 'cell-actions' }, open));
  }

  async function load() {
    replace(tbody, messageRow(COLS, t('app.loading')));
    let reply;
    try {
      reply = await api.get('/api/v1/rubrics');
    } catch (err) {
      const retry = button(t('common.retry'), { kind: 'link', onclick: () => load() });
      replace(tbody, messageRow(COLS, h('span', { class: 'text-danger' }, errorMessage(err)), ' ', retry));
      return;
    }
    const list = reply && Array.isArray(reply.rubrics) ? reply.rubrics : [];
    replace(tbody, ...(list.length ? list.map(row)
      : [messageRow(COLS, h('div', { class: 'empty empty-sm' }, icon('empty', 'empty-icon'),
        h('p', { class: 'empty-title' }, t('page.empty')), h('p', { class: 'empty-hint' }, t('page.indicators.hint'))))]));
  }

  const createBtn = h('a', { class: 'btn btn-primary', href: '#/rubrics/new', id: 'rubrics-create' }, icon('plus'), h('span', { class: 'btn-label' }, t('rubrics.create')));
  const draftBtn = button(t('rubrics.draft'), { icon: 'report', id: 'rubrics-draft', onclick: () => draftDialog() });
  const importBtn = button(t('rubrics.import'), {
    icon: 'upload', id: 'rubrics-import',
    onclick: () => rubricImportDialog().closed.then((r) => {
      if (!r || !r.reply) return;
      pendingImport = r;
      navigate('/rubrics/new?import=1');
    }),
  });

  const node = h('div', { class: 'page page-rubrics', 'data-page': 'indicators' },
    pageHead(t('nav.indicators'), t('page.indicators.desc')),
    status,
    h('div', { class: 'toolbar toolbar-end' }, h('div', { class: 'toolbar-actions' }, importBtn, draftBtn, createBtn)),
    h('section', { class: 'panel', 'aria-label': t('rubrics.listLabel') },
      h('div', { class: 'table-wrap' },
        h('table', { class: 'table', id: 'rubrics-table' },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, t('rubrics.col.name')),
            h('th', { scope: 'col' }, t('rubrics.col.version')),
            h('th', { scope: 'col' }, t('rubrics.col.total')),
            h('th', { scope: 'col' }, t('rubrics.col.status')),
            h('th', { scope: 'col' }, t('rubrics.col.cycles')),
            h('th', { scope: 'col' }, t('rubrics.col.created')),
            h('th', { scope: 'col', class: 'col-actions' }, t('rubrics.col.actions')))),
          tbody))));
  load();
  return { title: t('nav.indicators'), node };
}

/* 从文档生成草稿: the pasted text or an uploaded file, and the total; on success the draft
 * opens in the editor. */
function draftDialog() {
  let file = null; // the chosen .txt/.docx/.pdf, used instead of the pasted text
  const text = field('text', {
    label: t('rubrics.draftText'), hint: t('rubrics.draftTextHint'),
    input: h('textarea', { rows: '12', class: 'draft-text', spellcheck: 'false' }),
  });
  const total = field('total_points', {
    label: t('rubrics.totalPoints'),
    input: h('input', { type: 'text', inputmode: 'decimal', value: '100', class: 'input-num', autocomplete: 'off' }),
  });
  const fileNote = h('div', { class: 'draft-file-note', id: 'draft-file-note' });
  const job = uploadJob({ id: 'draft-file-job', workingText: t('rubrics.draftFileWorking') });
  const zone = dropZone({
    id: 'draft-file', types: ['.txt', '.docx', '.pdf'], maxBytes: 50 * 1024 * 1024, iconName: 'report',
    typeHints: { '.doc': 'rubrics.draftOldWord', '.wps': 'rubrics.draftOldWord' },
    title: t('rubrics.draftFileTitle'), hint: t('rubrics.draftFileHint'),
    onFile: (f) => { file = f; showFile(); },
    onProblem: (msg) => { file = null; showFile(); replace(fileNote, notice('error', msg, { id: 'draft-file-error' })); },
  });
  zone.el.classList.add('is-compact');

  function showFile() {
    replace(fileNote);
    text.input.disabled = !!file;
    text.wrap.classList.toggle('is-disabled', !!file);
    if (!file) return;
    const remove = button(t('rubrics.draftFileRemove'), {
      kind: 'link', id: 'draft-file-remove',
      onclick: () => { file = null; showFile(); text.input.focus(); },
    });
    replace(fileNote, h('div', { class: 'import-file-line', id: 'draft-file-chosen' },
      icon('report'), h('span', { class: 'job-name' }, file.name), h('span', { class: 'text-muted' }, formatSizeOf(file)),
      h('span', { class: 'text-muted' }, t('rubrics.draftFileUses')), remove));
  }

  const dlg = openDialog({
    title: t('rubrics.draft'), id: 'draft-dialog', size: 'lg', submitText: t('rubrics.generate'),
    body: [h('p', { class: 'dlg-intro' }, t('rubrics.draftIntro')), text.wrap,
      h('div', { class: 'field draft-file' }, h('p', { class: 'draft-or' }, t('rubrics.draftOr')), zone.el, job.el, fileNote),
      total.wrap],
    initialFocus: text.input,
    onSubmit: async () => {
      text.clear();
      total.clear();
      const tp = total.input.value.trim();
      if (!file && !text.input.value.trim()) { text.setError(t('rubrics.err.draftEmpty')); text.input.focus(); return false; }
      if (!POINTS_RE.test(tp) || Number(tp) <= 0) { total.setError(t('rubrics.err.total')); total.input.focus(); return false; }
      let reply;
      try {
        if (file) {
          if (!Number.isInteger(Number(tp))) { total.setError(t('rubrics.err.totalWhole')); total.input.focus(); return false; }
          zone.setDisabled(true);
          replace(fileNote);
          try {
            reply = await job.send('/api/v1/rubrics/draft/file?total_points=' + encodeURIComponent(tp), file);
          } finally {
            zone.setDisabled(false);
          }
        } else {
          reply = await api.post('/api/v1/rubrics/draft', { text: text.input.value, total_points: Number(tp) });
        }
      } catch (err) {
        if (err.status === 404 || err.status === 405) {
          dlg.alert.replaceChildren(icon('alert'), h('span', { id: 'draft-not-open' }, t('rubrics.draftNotOpen')));
          return false;
        }
        if (err.code === 'E_ABORTED') { showFile(); return false; }
        if (err.field === 'total_points') { total.setError(errorText(err)); return false; }
        if (file) {
          const name = file.name;
          showFile();
          fileNote.append(notice('error', [h('p', { class: 'notice-strong' }, t('rubrics.draftFileFailed', { name })),
            h('p', { id: 'draft-file-detail' }, err.code === 'E_NETWORK' ? t('upload.network') : errorText(err))], { id: 'draft-file-error' }));
          return false;
        }
        if (err.field === 'text') { text.setError(errorText(err)); return false; }
        throw err;
      }
      if (!reply || !reply.rubric) throw new Error(t('err.unknown'));
      pendingDraft = { ...reply, file: file ? file.name : null };
      return true;
    },
  });
  // The textarea: Enter is a new line there, not 生成 (ui.js submits the form on Enter).
  text.input.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') ev.stopPropagation(); });
  dlg.closed.then((ok) => {
    job.abort();
    if (ok && pendingDraft) navigate('/rubrics/new?draft=1');
  });
}

const formatSizeOf = (f) => formatSize(f.size);

// ─── the editor's model ──────────────────────────────────────────────────

let nodeSeq = 0;

/* An editor node from an API node (or a blank one). */
function toNode(n = {}) {
  nodeSeq += 1;
  const id = 'n' + nodeSeq; // taken before the children's (an area shared its last child's id)
  const children = Array.isArray(n.children) ? n.children.map(toNode) : [];
  return {
    id,
    code: n.code || '',
    name: n.name || '',
    pts: numText(n.max_points),
    guidance: n.guidance || '',
    keywords: Array.isArray(n.keywords) ? n.keywords.join('；') : '',
    applies: Array.isArray(n.applies_to) ? new Set(n.applies_to) : null,
    responsible: n.responsible || '',
    fromText: n.points_from_text === true,
    children,
  };
}

function toModel(r = {}) {
  const rules = r.rules && typeof r.rules === 'object' ? r.rules : {};
  const bands = Array.isArray(r.grade_bands) ? r.grade_bands : DEFAULT_BANDS.map(([name, min]) => ({ name, min }));
  const special = (list, veto) => (Array.isArray(list) ? list : []).map((s) => ({
    code: s.code || '', name: s.name || '',
    ...(veto ? { effect: s.effect || '' } : { pts: numText(s.points), cap: numText(s.cap), area: typeof s.area === 'string' ? s.area : '' }),
  }));
  return {
    name: r.name || '',
    total: numText(r.total_points ?? 100),
    rules: {
      score_step: numText(rules.score_step ?? 0.5),
      bonus_cap: numText(rules.bonus_cap),
      deduction_cap: numText(rules.deduction_cap),
      na_rescale: rules.na_rescale !== false,
    },
    bands: bands.map((b) => ({ name: b.name || '', min: numText(b.min) })),
    areas: (Array.isArray(r.areas) ? r.areas : []).map(toNode),
    bonus: special(r.bonus, false),
    deduction: special(r.deduction, false),
    veto: special(r.veto, true),
  };
}

/* Keywords are separated by semicolons (the server's and the CSV export's separator), commas
 * or new lines; 、 stays inside a keyword ("双随机、一公开"). */
const splitWords = (s) => s.split(/[,，;；\n]+/).map((x) => x.trim()).filter(Boolean);
const optNum = (s) => (s.trim() === '' ? undefined : Number(s));

/* The API body of the model (POST and PUT). */
function toBody(m) {
  const node = (n, depth) => {
    const o = { code: n.code.trim(), name: n.name.trim() };
    if (n.children.length || depth === 1) o.children = n.children.map((c) => node(c, depth + 1));
    else o.max_points = Number(n.pts);
    if (n.guidance.trim()) o.guidance = n.guidance.trim();
    const kw = splitWords(n.keywords);
    if (kw.length) o.keywords = kw;
    o.applies_to = n.applies && n.applies.size ? [...n.applies] : null;
    if (n.responsible.trim()) o.responsible = n.responsible.trim();
    return o;
  };
  const rules = { na_rescale: m.rules.na_rescale };
  for (const k of ['score_step', 'bonus_cap', 'deduction_cap']) {
    const v = optNum(m.rules[k]);
    if (v !== undefined) rules[k] = v;
  }
  const special = (list, veto) => list.map((s) => {
    const o = { code: s.code.trim(), name: s.name.trim() };
    if (veto) o.effect = s.effect;
    else {
      o.points = Number(s.pts);
      const cap = optNum(s.cap);
      if (cap !== undefined) o.cap = cap;
      if (s.area && s.area.trim()) o.area = s.area.trim();
    }
    return o;
  });
  return {
    name: m.name.trim(),
    total_points: Number(m.total),
    rules,
    grade_bands: m.bands.map((b) => ({ name: b.name.trim(), min: Number(b.min) })),
    areas: m.areas.map((a) => node(a, 1)),
    bonus: special(m.bonus, false),
    deduction: special(m.deduction, false),
    veto: special(m.veto, true),
  };
}

const isPoints = (s) => POINTS_RE.test(s.trim()) && Number(s) <= 1000;

/* The sum of the leaf points below (or of) n; unreadable points count 0. */
function leafSum(n, depth) {
  if (!n.children.length) return depth > 1 && isPoints(n.pts) ? Number(n.pts) : 0;
  return n.children.reduce((s, c) => s + leafSum(c, depth + 1), 0);
}

/* Client checks like server/rubrics.c. Returns Map(object → [sentence]) with the key
 * 'name'/'total'/'bands'/… for rubric-level problems. */
function check(m) {
  const out = new Map();
  const add = (k, text) => { if (!out.has(k)) out.set(k, []); out.get(k).push(text); };
  const codes = new Map();
  const seeCode = (obj, code) => {
    const c = code.trim();
    if (!CODE_RE.test(c)) { add(obj, c ? t('rubrics.err.codeChars', { code: c }) : t('rubrics.err.codeEmpty')); return; }
    if (codes.has(c)) { add(obj, t('rubrics.err.codeDup', { code: c })); add(codes.get(c), t('rubrics.err.codeDup', { code: c })); return; }
    codes.set(c, obj);
  };
  if (!m.name.trim()) add('name', t('rubrics.err.name'));
  if (!isPoints(m.total) || Number(m.total) <= 0) add('total', t('rubrics.err.total'));
  if (!isPoints(m.rules.score_step) || Number(m.rules.score_step) <= 0) add('rules', t('rubrics.err.step'));
  for (const k of ['bonus_cap', 'deduction_cap']) {
    if (m.rules[k].trim() && !isPoints(m.rules[k])) add('rules', t('rubrics.err.totalCap.' + k));
  }
  const walk = (n, depth) => {
    seeCode(n, n.code);
    if (!n.name.trim()) add(n, t('rubrics.err.nodeName', { code: n.code.trim() || '?' }));
    const semi = splitWords(n.keywords).find((k) => /[;；]/.test(k));
    if (semi) add(n, t('rubrics.err.keywordSemicolon', { code: n.code.trim() || '?', keyword: semi }));
    if (n.children.length) n.children.forEach((c) => walk(c, depth + 1));
    else if (depth === 1) add(n, t('rubrics.err.areaEmpty', { code: n.code.trim() || '?' }));
    else if (!isPoints(n.pts) || Number(n.pts) <= 0) add(n, t('rubrics.err.points', { code: n.code.trim() || '?' }));
  };
  if (!m.areas.length) add('areas', t('rubrics.err.noAreas'));
  m.areas.forEach((a) => walk(a, 1));
  const areaCodes = new Set(m.areas.map((a) => a.code.trim()).filter(Boolean));
  let last = Infinity;
  for (const b of m.bands) {
    if (!b.name.trim() || !isPoints(b.min) || Number(b.min) >= last) add(b, t('rubrics.err.band'));
    else last = Number(b.min);
  }
  for (const key of ['bonus', 'deduction']) {
    for (const s of m[key]) {
      seeCode(s, s.code);
      if (!s.name.trim()) add(s, t('rubrics.err.specialName'));
      if (!isPoints(s.pts) || Number(s.pts) <= 0) add(s, t('rubrics.err.specialPoints'));
      else if (s.cap.trim() && (!isPoints(s.cap) || Number(s.cap) < Number(s.pts))) add(s, t('rubrics.err.cap'));
      if (key === 'deduction' && s.area && s.area.trim() && !areaCodes.has(s.area.trim())) {
        add(s, t('rubrics.err.area', { code: s.code.trim() || '?', area: s.area.trim() }));
      }
    }
  }
  const bandNames = new Set(m.bands.map((b) => b.name.trim()));
  for (const v of m.veto) {
    seeCode(v, v.code);
    if (!v.name.trim()) add(v, t('rubrics.err.specialName'));
    const g = /^(grade|cap):(.*)$/.exec(v.effect || '');
    if (!g || !bandNames.has(g[2])) add(v, t('rubrics.err.effect'));
  }
  return out;
}

/* The model object a server `field` path names ("areas[2].children[0].max_points",
 * "veto[1].effect", "total_points", "grade_bands[0]"), or a rubric-level key. */
function objectAt(m, path) {
  const parts = [...String(path || '').matchAll(/([a-z_]+)(?:\[(\d+)\])?/g)].map((x) => [x[1], x[2] === undefined ? null : Number(x[2])]);
  if (!parts.length) return null;
  const [first, i] = parts[0];
  if (first === 'name') return 'name';
  if (first === 'total_points') return 'total';
  if (first === 'rules') return 'rules';
  if (first === 'grade_bands') return i !== null && m.bands[i] ? m.bands[i] : 'bands';
  if (['bonus', 'deduction', 'veto'].includes(first)) return i !== null && m[first][i] ? m[first][i] : null;
  if (first !== 'areas') return null;
  if (i === null || !m.areas[i]) return 'areas';
  let n = m.areas[i];
  for (const [key, j] of parts.slice(1)) {
    if (key !== 'children' || j === null || !n.children[j]) break;
    n = n.children[j];
  }
  return n;
}

// ─── the editor ──────────────────────────────────────────────────────────

export function rubricEditorView({ rubricId, route }) {
  const fromId = /^\d+$/.test(route.query.get('from') || '') ? Number(route.query.get('from')) : null;
  const isDraft = rubricId === null && route.query.get('draft') === '1';
  const isImport = rubricId === null && route.query.get('import') === '1';
  const state = {
    loaded: null,       // the rubric as read (GET), or null for new
    mode: 'new',        // 'edit' (PUT), 'view' (frozen, read only), 'new' (POST)
    model: toModel(),
    derivedFrom: null,  // a copy (?from=ID): the rubric it is the next version of
    source: null,       // {file, format, problem} of an import, or {file} of a draft from a file
    notes: [],
    dirty: false,
    showAll: false,     // after a save attempt every problem shows, else only touched ones
    touched: new Set(),
    server: null,       // {obj, text} of the last refusal
    kinds: [],
  };
  const ui = new Map(); // model object → {err: element, sum?: element}
  let problems = new Map();

  const title = h('h1', { class: 'page-title', tabindex: '-1', id: 'rb-title' }, t('rubrics.loading'));
  const headBadges = h('div', { class: 'badge-row', id: 'rb-badges' });
  const headTools = h('div', { class: 'rb-tools', id: 'rb-tools' });
  const status = h('div', { class: 'page-status', id: 'rb-status', role: 'status' });
  const announcer = h('div', { class: 'visually-hidden', id: 'rb-announce', role: 'status', 'aria-live': 'polite' });
  const body = h('div', { class: 'rb-body' });
  const node = h('div', { class: 'page page-rubric', 'data-page': 'indicators' },
    h('header', { class: 'page-head rb-head' },
      h('div', null, h('a', { href: '#/rubrics', class: 'back-link' }, '‹ ', t('rubrics.back')), title, headBadges),
      headTools),
    status, announcer, body);
  const announce = (text) => {
    // a new text node each time, so the same sentence twice is still announced
    announcer.replaceChildren();
    setTimeout(() => { announcer.textContent = text; }, 30);
  };
  const nodesById = new Map(); // editor node id → node, for the keyboard moves

  const dirtyNow = () => state.dirty && state.mode !== 'view';
  currentDirty = dirtyNow;
  setLeaveGuard({
    dirty: () => currentDirty === dirtyNow && dirtyNow(),
    ask: () => confirmDialog({
      title: t('rubrics.leaveTitle'), message: t('rubrics.leaveText'), confirmText: t('rubrics.leave'),
      danger: true, action: async () => true,
    }).then((v) => v === true),
  });

  const touch = (obj) => {
    state.dirty = true;
    state.touched.add(obj);
    if (state.server && state.server.obj === obj) state.server = null;
    refresh();
  };

  // ─── pieces ───
  function textInput(obj, key, label, attrs = {}, after) {
    const id = attrs.id || uid('rb');
    const input = h(attrs.multiline ? 'textarea' : 'input', {
      id, class: 'control', type: attrs.multiline ? null : 'text', autocomplete: 'off',
      rows: attrs.multiline ? '2' : null, readonly: state.mode === 'view',
      ...Object.fromEntries(Object.entries(attrs).filter(([k]) => k !== 'multiline' && k !== 'hideLabel')),
    });
    input.value = obj[key];
    input.addEventListener('input', () => { obj[key] = input.value; if (after) after(); touch(obj); });
    const lab = h('label', { for: id, class: attrs.hideLabel ? 'visually-hidden' : 'rb-label' }, label);
    return { input, lab, wrap: h('div', { class: 'rb-field', 'data-key': key }, lab, input) };
  }

  function errLine(obj) {
    const el = h('div', { class: 'rb-error', role: 'alert', hidden: true, 'aria-live': 'polite' });
    ui.set(obj, { ...(ui.get(obj) || {}), err: el });
    return el;
  }

  function actionBtn(text, label, onclick, attrs = {}) {
    return h('button', { type: 'button', class: 'btn btn-link btn-xs', 'aria-label': label, onclick, ...attrs }, text);
  }

  /* Where n sits: {list, index, parent, depth}. */
  function locate(n, list = state.model.areas, parent = null, depth = 1) {
    const i = list.indexOf(n);
    if (i >= 0) return { list, index: i, parent, depth };
    for (const c of list) {
      const r = locate(n, c.children, c, depth + 1);
      if (r) return r;
    }
    return null;
  }

  /* A code proposed for a new node below parent (or an area): parent code + "." + next. */
  function proposeCode(parent, list) {
    const used = new Set();
    const all = (ns) => ns.forEach((x) => { used.add(x.code.trim()); all(x.children); });
    all(state.model.areas);
    for (const k of ['bonus', 'deduction', 'veto']) state.model[k].forEach((s) => used.add(s.code.trim()));
    const base = parent ? parent.code.trim() : '';
    for (let i = list.length + 1; i < 5000; i++) {
      const c = base ? base + '.' + i : String(i);
      if (CODE_RE.test(c) && !used.has(c)) return c;
    }
    return '';
  }

  function structural(focusObj) {
    state.dirty = true;
    renderEditor();
    if (focusObj) {
      const el = body.querySelector(`[data-node="${focusObj.id}"] .rb-code input, [data-node="${focusObj.id}"] input`);
      if (el) el.focus();
    }
  }

  function addChild(n) {
    const c = toNode({ code: proposeCode(n, n.children) });
    if (!n.children.length) n.pts = '';
    n.children.push(c);
    structural(c);
  }

  function addSibling(n) {
    const at = locate(n);
    const c = toNode({ code: proposeCode(at.parent, at.list) });
    if (at.depth === 1) c.children.push(toNode({ code: '' }));
    at.list.splice(at.index + 1, 0, c);
    if (at.depth === 1) c.children[0].code = proposeCode(c, []);
    structural(c);
  }

  function addArea() {
    const a = toNode({ code: proposeCode(null, state.model.areas) });
    state.model.areas.push(a);
    a.children.push(toNode({ code: proposeCode(a, []) }));
    structural(a);
  }

  /* The element of node n's own row to focus: sel within the row, else its code input. */
  function focusInRow(n, sel) {
    const row = body.querySelector(`[data-node="${n.id}"] > .rb-row`);
    if (!row) return;
    const el = sel ? row.querySelector(sel) : null;
    (el && !el.disabled ? el : row.querySelector('.rb-code input')).focus();
  }

  /* Moves n among its siblings by one place (by = -1 up, +1 down); focus then goes to sel
   * of its row (by default the arrow button just used). The change is announced. */
  function move(n, by, sel) {
    const at = locate(n);
    const j = at.index + by;
    const code = n.code.trim() || '?';
    if (j < 0 || j >= at.list.length) {
      announce(t(by < 0 ? 'rubrics.moveFirst' : 'rubrics.moveLast', { code }));
      return;
    }
    at.list.splice(at.index, 1);
    at.list.splice(j, 0, n);
    structural(null);
    focusInRow(n, sel || `[data-action="${by < 0 ? 'up' : 'down'}"]`);
    announce(t(by < 0 ? 'rubrics.movedUp' : 'rubrics.movedDown', { code, pos: j + 1, count: at.list.length }));
  }

  /* The height of n's subtree: 1 for a leaf. */
  const height = (n) => 1 + n.children.reduce((m, c) => Math.max(m, height(c)), 0);

  /* Where n may go: [{node, depth}] of possible parents (not n's subtree, not its parent now,
   * within the depth limit), and whether it may become an area. */
  function targets(n) {
    const at = locate(n);
    const hgt = height(n);
    const out = [];
    const walk = (list, depth) => list.forEach((p) => {
      if (p === n) return; // nor anything below it
      if (p !== at.parent && depth + hgt <= MAX_DEPTH) out.push({ node: p, depth });
      walk(p.children, depth + 1);
    });
    walk(state.model.areas, 1);
    return { parents: out, top: at.parent !== null && hgt <= MAX_DEPTH };
  }

  /* Moves n (with its children) to the end of parent's children, or to the areas (null). */
  function moveTo(n, parent) {
    const at = locate(n);
    at.list.splice(at.index, 1);
    (parent ? parent.children : state.model.areas).push(n);
    structural(null);
    focusInRow(n, '[data-action="move-to"]');
    announce(parent ? t('rubrics.movedTo', { code: n.code.trim() || '?', parent: parent.code.trim() || '?' })
      : t('rubrics.movedTop', { code: n.code.trim() || '?' }));
  }

  /* 移动到…: a dialog with the possible parents. */
  function moveDialog(n) {
    const code = n.code.trim() || '?';
    const { parents, top } = targets(n);
    const sel = h('select', { id: 'rb-move-target', class: 'control' },
      top ? h('option', { value: '' }, t('rubrics.moveTop')) : null,
      parents.map(({ node: p, depth }) => h('option', { value: p.id },
        '\u3000'.repeat(depth - 1) + `${p.code.trim() || '?'} ${p.name.trim()}（${t('rubrics.level' + depth)}）`)));
    const any = top || parents.length > 0;
    const dlg = openDialog({
      title: t('rubrics.moveTitle', { code }), id: 'rb-move-dialog', size: 'md',
      submitText: any ? t('rubrics.moveSubmit') : null,
      body: any ? [
        h('p', { class: 'dlg-intro' }, t(n.children.length ? 'rubrics.moveIntro' : 'rubrics.moveIntroLeaf', { code, name: n.name.trim() })),
        h('div', { class: 'field' }, h('label', { for: 'rb-move-target' }, t('rubrics.moveTarget')), sel,
          h('p', { class: 'field-hint' }, t('rubrics.moveHint')))]
        : [notice('info', t('rubrics.moveNone', { code }))],
      onSubmit: async () => ({ to: sel.value }),
    });
    dlg.closed.then((r) => {
      if (!r) return;
      const parent = r.to ? parents.find((x) => x.node.id === r.to) : null;
      if (r.to && !parent) return;
      moveTo(n, parent ? parent.node : null);
    });
  }

  /* Alt+↑ / Alt+↓ anywhere in a node (its row or its folded details): move it among its
   * siblings; focus stays on the same field or button of the moved row (else its code). */
  body.addEventListener('keydown', (ev) => {
    if (!ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey || (ev.key !== 'ArrowUp' && ev.key !== 'ArrowDown')) return;
    if (state.mode === 'view') return;
    const li = ev.target.closest('#rb-tree li.rb-node');
    const n = li ? nodesById.get(li.dataset.node) : null;
    if (!n) return;
    ev.preventDefault();
    const inRow = !!ev.target.closest('.rb-row');
    const wrap = inRow ? ev.target.closest('.rb-field[data-key]') : null;
    const action = inRow ? ev.target.closest('[data-action]') : null;
    const sel = wrap ? `.rb-field[data-key="${wrap.dataset.key}"] input`
      : action ? `[data-action="${action.dataset.action}"]` : null;
    move(n, ev.key === 'ArrowUp' ? -1 : 1, sel);
  });

  async function remove(n) {
    const at = locate(n);
    const count = (x) => 1 + x.children.reduce((s, c) => s + count(c), 0);
    const ok = await confirmDialog({
      title: t('rubrics.deleteTitle'),
      message: [t('rubrics.deleteText', { code: n.code || '?', name: n.name || '' }),
        count(n) > 1 ? t('rubrics.deleteChildren', { n: count(n) - 1 }) : null].filter(Boolean),
      confirmText: t('rubrics.delete'), danger: true, action: async () => true,
    });
    if (ok !== true) return;
    at.list.splice(at.index, 1);
    structural(null);
    const next = at.list[Math.min(at.index, at.list.length - 1)] || at.parent;
    const el = next ? body.querySelector(`[data-node="${next.id}"] .rb-code input`) : body.querySelector('#rb-add-area');
    if (el) el.focus();
  }

  function treeNode(n, depth, index, siblings) {
    const ro = state.mode === 'view';
    const isGroup = n.children.length > 0 || depth === 1;
    const level = t('rubrics.level' + depth);
    nodesById.set(n.id, n);
    const code = textInput(n, 'code', t('rubrics.code'), { maxlength: '20', spellcheck: 'false', class: 'control input-code', hideLabel: true });
    const name = textInput(n, 'name', t('rubrics.name'), { maxlength: '200', hideLabel: true, class: 'control' });
    code.wrap.classList.add('rb-code');
    name.wrap.classList.add('rb-name');
    let pts;
    const sumEl = h('span', { class: 'rb-sum', 'data-sum': n.id });
    ui.set(n, { ...(ui.get(n) || {}), sum: sumEl, depth });
    if (isGroup) {
      pts = h('div', { class: 'rb-field rb-pts is-sum' }, h('span', { class: 'rb-label' }, t('rubrics.subtotal')), sumEl);
    } else {
      const p = textInput(n, 'pts', t('rubrics.points.label'), { inputmode: 'decimal', class: 'control input-num', hideLabel: true });
      p.input.setAttribute('data-points', n.id);
      pts = h('div', { class: 'rb-field rb-pts' }, p.lab, p.input, h('span', { class: 'rb-unit', 'aria-hidden': 'true' }, t('rubrics.pointUnit')),
        n.fromText ? h('span', { class: 'rb-from-text', title: t('rubrics.fromTextHint') }, t('rubrics.fromText')) : null);
    }
    const labelOf = { code: n.code || '?' };
    const actions = ro ? null : h('div', { class: 'rb-actions' },
      depth < MAX_DEPTH ? actionBtn(t('rubrics.addChild'), t('rubrics.addChildOf', labelOf), () => addChild(n), { 'data-action': 'add-child' }) : null,
      actionBtn(t('rubrics.addSibling'), t('rubrics.addSiblingOf', labelOf), () => addSibling(n), { 'data-action': 'add-sibling' }),
      actionBtn('↑', t('rubrics.moveUpOf', labelOf), () => move(n, -1), { 'data-action': 'up', disabled: index === 0 }),
      actionBtn('↓', t('rubrics.moveDownOf', labelOf), () => move(n, 1), { 'data-action': 'down', disabled: index === siblings.length - 1 }),
      actionBtn(t('rubrics.moveTo'), t('rubrics.moveToOf', labelOf), () => moveDialog(n), { 'data-action': 'move-to' }),
      actionBtn(t('rubrics.delete'), t('rubrics.deleteOf', labelOf), () => remove(n), { 'data-action': 'delete', class: 'btn btn-link btn-xs btn-link-danger' }));

    // 评分标准, 关键词, 责任单位, 适用单位类别 (folded; open when any is set)
    const guidance = textInput(n, 'guidance', t('rubrics.guidance'), { multiline: true, maxlength: '4000' });
    const keywords = textInput(n, 'keywords', t('rubrics.keywords'), { maxlength: '2000', placeholder: t('rubrics.keywordsHint') });
    const responsible = textInput(n, 'responsible', t('rubrics.responsible'), { maxlength: '500' });
    const kindsBox = h('fieldset', { class: 'rb-kinds' },
      h('legend', { class: 'rb-label' }, t('rubrics.appliesTo')),
      state.kinds.map((k) => {
        const cb = h('input', { type: 'checkbox', value: k.code, checked: !!(n.applies && n.applies.has(k.code)), disabled: ro });
        cb.addEventListener('change', () => {
          if (!n.applies) n.applies = new Set();
          if (cb.checked) n.applies.add(k.code); else n.applies.delete(k.code);
          touch(n);
        });
        return h('label', { class: 'rb-check' }, cb, h('span', null, k.name));
      }));
    const hasMore = n.guidance || n.keywords || n.responsible || (n.applies && n.applies.size);
    const more = h('details', { class: 'rb-more' },
      h('summary', null, t(isGroup ? 'rubrics.moreGroup' : 'rubrics.more'),
        hasMore ? h('span', { class: 'rb-more-note' }, summaryOf(n)) : null),
      h('div', { class: 'rb-more-body' }, guidance.wrap, h('div', { class: 'rb-more-row' }, keywords.wrap, responsible.wrap), kindsBox));

    const li = h('li', { class: 'rb-node rb-depth-' + depth + (isGroup ? ' is-group' : ' is-leaf'), 'data-node': n.id, 'data-code': n.code },
      h('div', { class: 'rb-row', role: 'group', 'aria-label': level + ' ' + (n.code || '') },
        h('span', { class: 'rb-level' }, level), code.wrap, name.wrap, pts, actions),
      errLine(n),
      more,
      n.children.length ? h('ol', { class: 'rb-children' }, n.children.map((c, i) => treeNode(c, depth + 1, i, n.children))) : null);
    // keep data-code current for tests and the eye
    code.input.addEventListener('input', () => li.setAttribute('data-code', n.code));
    if (depth === 1) {
      // deductions that name this area follow a change of its code
      let linked = [];
      code.input.addEventListener('focus', () => {
        linked = n.code.trim() ? state.model.deduction.filter((d) => d.area === n.code.trim()) : [];
      });
      code.input.addEventListener('input', () => {
        const now = n.code.trim();
        if (now) for (const d of linked) d.area = now;
        renderDeductionOptions();
        refresh();
      });
      name.input.addEventListener('input', () => renderDeductionOptions());
    }
    return li;
  }

  function summaryOf(n) {
    const bits = [];
    if (n.guidance) bits.push(t('rubrics.guidance'));
    if (n.keywords) bits.push(t('rubrics.keywordsCount', { n: splitWords(n.keywords).length }));
    if (n.responsible) bits.push(n.responsible);
    if (n.applies && n.applies.size) bits.push(state.kinds.filter((k) => n.applies.has(k.code)).map((k) => k.name).join('、'));
    return bits.join(' · ');
  }

  function specialsSection(key) {
    const ro = state.mode === 'view';
    const list = state.model[key];
    const veto = key === 'veto';
    const rows = list.map((s, i) => {
      const code = textInput(s, 'code', t('rubrics.code'), { maxlength: '20', class: 'control input-code', spellcheck: 'false' });
      const name = textInput(s, 'name', t('rubrics.specialName.' + key), { maxlength: '200' });
      let extra;
      if (veto) {
        const id = uid('rb');
        const sel = h('select', { id, class: 'control', disabled: ro },
          h('option', { value: '' }, t('rubrics.effectPrompt')),
          state.model.bands.filter((b) => b.name.trim()).flatMap((b) => [
            h('option', { value: 'grade:' + b.name.trim() }, t('rubrics.effectGrade', { band: b.name.trim() })),
            h('option', { value: 'cap:' + b.name.trim() }, t('rubrics.effectCap', { band: b.name.trim() }))]));
        sel.value = s.effect;
        if (sel.value !== s.effect) sel.append(h('option', { value: s.effect, selected: true }, s.effect));
        sel.addEventListener('change', () => { s.effect = sel.value; touch(s); });
        extra = [h('div', { class: 'rb-field rb-effect' }, h('label', { for: id, class: 'rb-label' }, t('rubrics.effect')), sel)];
      } else {
        const pts = textInput(s, 'pts', t(key === 'bonus' ? 'rubrics.bonusPoints' : 'rubrics.deductionPoints'), { inputmode: 'decimal', class: 'control input-num' });
        const cap = textInput(s, 'cap', t('rubrics.cap'), { inputmode: 'decimal', class: 'control input-num' });
        extra = [pts.wrap, cap.wrap];
        if (key === 'deduction') extra.push(areaSelect(s));
      }
      const del = ro ? null : actionBtn(t('rubrics.delete'), t('rubrics.deleteOf', { code: s.code || '?' }), () => {
        list.splice(i, 1);
        structural(null);
        const el = body.querySelector(`#rb-${key} [data-action="add"]`);
        if (el) el.focus();
      }, { class: 'btn btn-link btn-xs btn-link-danger', 'data-action': 'delete' });
      return h('li', { class: 'rb-special', 'data-index': String(i) },
        h('div', { class: 'rb-special-row' }, code.wrap, name.wrap, extra, del), errLine(s));
    });
    const add = ro ? null : button(t('rubrics.add.' + key), {
      kind: 'link', icon: 'plus', 'data-action': 'add',
      onclick: () => {
        const s = veto ? { code: '', name: '', effect: '' } : { code: '', name: '', pts: '', cap: '' };
        s.code = proposeSpecial(key);
        list.push(s);
        structural(null);
        const el = body.querySelector(`#rb-${key} li:last-child input`);
        if (el) el.focus();
      },
    });
    let capField = null;
    if (!veto) {
      const c = textInput(state.model.rules, key === 'bonus' ? 'bonus_cap' : 'deduction_cap', t('rubrics.totalCap.' + key), { inputmode: 'decimal', class: 'control input-num' });
      capField = h('div', { class: 'rb-section-cap' }, c.wrap);
    }
    return h('section', { class: 'panel panel-pad rb-section', id: 'rb-' + key, 'aria-labelledby': 'rb-' + key + '-h' },
      h('h2', { class: 'section-title', id: 'rb-' + key + '-h' }, t('rubrics.section.' + key)),
      h('p', { class: 'panel-desc' }, t('rubrics.section.' + key + '.desc')),
      capField,
      rows.length ? h('ol', { class: 'rb-specials' }, rows) : h('p', { class: 'text-subtle rb-none' }, t('rubrics.none')),
      add);
  }

  /* 所属一级指标 of a deduction item: 总分 (empty) or one of the areas. */
  function areaSelect(s) {
    const id = uid('rb');
    const sel = h('select', { id, class: 'control', disabled: state.mode === 'view', 'data-area-select': '' },
      h('option', { value: '' }, t('rubrics.areaTotal')),
      state.model.areas.filter((a) => a.code.trim()).map((a) => h('option', { value: a.code.trim() },
        `${a.code.trim()} ${a.name.trim()}`.trim())));
    sel.value = s.area;
    if (sel.value !== s.area) sel.append(h('option', { value: s.area, selected: true }, t('rubrics.areaMissing', { code: s.area })));
    sel.addEventListener('change', () => { s.area = sel.value; touch(s); });
    return h('div', { class: 'rb-field rb-area', 'data-key': 'area' },
      h('label', { for: id, class: 'rb-label' }, t('rubrics.area')), sel);
  }

  /* An area's code or name changed: the deduction selects list the areas again (after the
   * current input), like the veto effects after a band name. */
  let deductionTimer = null;
  function renderDeductionOptions() {
    clearTimeout(deductionTimer);
    deductionTimer = setTimeout(() => {
      const old = body.querySelector('#rb-deduction');
      if (!old || old.contains(document.activeElement)) return;
      old.replaceWith(specialsSection('deduction'));
      refresh();
    }, 400);
  }

  function proposeSpecial(key) {
    const prefix = { bonus: 'B', deduction: 'D', veto: 'V' }[key];
    const used = new Set();
    const all = (ns) => ns.forEach((x) => { used.add(x.code.trim()); all(x.children); });
    all(state.model.areas);
    for (const k of ['bonus', 'deduction', 'veto']) state.model[k].forEach((s) => used.add(s.code.trim()));
    for (let i = state.model[key].length + 1; ; i++) if (!used.has(prefix + i)) return prefix + i;
  }

  function bandsSection() {
    const ro = state.mode === 'view';
    const rows = state.model.bands.map((b, i) => {
      const name = textInput(b, 'name', t('rubrics.bandName'), { maxlength: '20' }, () => renderVetoOptions());
      const min = textInput(b, 'min', t('rubrics.bandMin'), { inputmode: 'decimal', class: 'control input-num' });
      const del = ro ? null : actionBtn(t('rubrics.delete'), t('rubrics.deleteBand', { name: b.name || '?' }), () => {
        state.model.bands.splice(i, 1);
        structural(null);
        const el = body.querySelector('#rb-bands [data-action="add"]');
        if (el) el.focus();
      }, { class: 'btn btn-link btn-xs btn-link-danger', 'data-action': 'delete' });
      return h('li', { class: 'rb-special', 'data-index': String(i) }, h('div', { class: 'rb-special-row' }, name.wrap, min.wrap, del), errLine(b));
    });
    const add = ro ? null : button(t('rubrics.add.band'), {
      kind: 'link', icon: 'plus', 'data-action': 'add',
      onclick: () => {
        state.model.bands.push({ name: '', min: '' });
        structural(null);
        const el = body.querySelector('#rb-bands li:last-child input');
        if (el) el.focus();
      },
    });
    return h('section', { class: 'panel panel-pad rb-section', id: 'rb-bands', 'aria-labelledby': 'rb-bands-h' },
      h('h2', { class: 'section-title', id: 'rb-bands-h' }, t('rubrics.section.bands')),
      h('p', { class: 'panel-desc' }, t('rubrics.section.bands.desc')),
      errLine('bands'),
      h('ol', { class: 'rb-specials rb-bands' }, rows), add);
  }

  /* The band names changed: the veto selects list them again (after the current input). */
  let vetoTimer = null;
  function renderVetoOptions() {
    clearTimeout(vetoTimer);
    vetoTimer = setTimeout(() => {
      const old = body.querySelector('#rb-veto');
      if (old) old.replaceWith(specialsSection('veto'));
      refresh();
    }, 400);
  }

  // ─── rendering ───
  const totalBox = h('div', { class: 'rb-total', id: 'rb-total', role: 'status', 'aria-live': 'polite' });
  const saveAlert = h('div', { class: 'form-error', role: 'alert', id: 'rb-save-error' });

  function renderEditor() {
    ui.clear();
    const m = state.model;
    const ro = state.mode === 'view';
    const name = textInput(m, 'name', t('rubrics.col.name'), { maxlength: '100', id: 'rb-name' });
    const total = textInput(m, 'total', t('rubrics.totalPoints'), { inputmode: 'decimal', class: 'control input-num', id: 'rb-total-points' });
    const step = textInput(m.rules, 'score_step', t('rubrics.scoreStep'), { inputmode: 'decimal', class: 'control input-num', id: 'rb-step' });
    const naId = uid('rb');
    const na = h('input', { type: 'checkbox', id: naId, checked: m.rules.na_rescale, disabled: ro });
    na.addEventListener('change', () => { m.rules.na_rescale = na.checked; touch(m.rules); });

    const saveBtns = [];
    if (state.mode === 'edit') saveBtns.push(button(t('rubrics.save'), { kind: 'primary', id: 'rb-save', onclick: (ev) => save(ev.currentTarget, false) }));
    if (state.mode === 'view') {
      saveBtns.push(h('a', { class: 'btn btn-primary', id: 'rb-copy', href: '#/rubrics/new?from=' + state.loaded.id }, icon('copy'), h('span', { class: 'btn-label' }, t('rubrics.saveAsNew'))));
    } else {
      saveBtns.push(button(t('rubrics.saveAsNew'), { kind: state.mode === 'edit' ? 'secondary' : 'primary', id: 'rb-save-new', onclick: (ev) => save(ev.currentTarget, true) }));
    }

    const src = state.source;
    replace(body,
      src && src.format ? notice(src.problem ? 'warn' : 'info', [
        h('p', { class: 'notice-strong' }, t('rubrics.importedFrom', { file: src.file, format: t('rubricImport.format.' + src.format) })),
        h('p', null, t('rubrics.importedHint')),
        src.problem ? h('p', { id: 'rb-import-problem' }, t('rubrics.importProblem', { detail: src.problem.detail || src.problem.field || '' })) : null],
      { id: 'rb-import-note', class: 'notice notice-' + (src.problem ? 'warn' : 'info') + ' rb-import-note' }) : null,
      src && !src.format && src.file ? notice('info', t('rubrics.draftFromFile', { file: src.file }), { id: 'rb-draft-file-note' }) : null,
      state.notes.length ? h('div', { class: 'notice notice-info rb-notes', id: 'rb-notes', role: 'status' }, icon('info'),
        h('div', { class: 'notice-text' }, h('p', { class: 'notice-strong' }, t('rubrics.draftNotes')),
          h('ul', { class: 'rb-note-list' }, state.notes.map((x) => h('li', null, x))))) : null,
      ro ? notice('info', t('rubrics.frozenNote'), { id: 'rb-frozen-note' }) : null,
      h('section', { class: 'panel panel-pad rb-basics', 'aria-label': t('rubrics.basics') },
        h('div', { class: 'rb-basics-row' }, name.wrap, total.wrap, step.wrap,
          h('div', { class: 'rb-field rb-na' }, h('label', { class: 'rb-check', for: naId }, na, h('span', null, t('rubrics.naRescale'))))),
        errLine('name'), errLine('total'), errLine('rules')),
      h('section', { class: 'panel rb-tree-panel', 'aria-labelledby': 'rb-tree-h' },
        h('div', { class: 'rb-tree-head' },
          h('h2', { class: 'section-title', id: 'rb-tree-h' }, t('rubrics.tree')),
          totalBox),
        errLine('areas'),
        h('ol', { class: 'rb-tree', id: 'rb-tree' }, m.areas.map((a, i) => treeNode(a, 1, i, m.areas))),
        ro ? null : h('div', { class: 'rb-tree-foot' }, button(t('rubrics.addArea'), { kind: 'link', icon: 'plus', id: 'rb-add-area', onclick: () => addArea() }))),
      bandsSection(),
      specialsSection('bonus'),
      specialsSection('deduction'),
      specialsSection('veto'),
      h('div', { class: 'rb-savebar' }, saveAlert, h('div', { class: 'form-actions' }, saveBtns,
        h('a', { class: 'btn btn-secondary', href: '#/rubrics' }, t(ro ? 'rubrics.back' : 'common.cancel')))));
    if (ro) body.classList.add('rb-readonly'); else body.classList.remove('rb-readonly');
    refresh();
  }

  /* Sums, the total indicator and the problems, without re-rendering. */
  function refresh() {
    const m = state.model;
    for (const [obj, el] of ui) {
      if (el.sum) el.sum.textContent = t('rubrics.points', { n: fmt(leafSum(obj, el.depth)) });
    }
    const sum = round2(m.areas.reduce((s, a) => s + leafSum(a, 1), 0));
    const total = isPoints(m.total) ? Number(m.total) : null;
    const ok = total !== null && Math.abs(sum - total) < 1e-6;
    totalBox.className = 'rb-total ' + (ok ? 'is-ok' : 'is-bad');
    totalBox.dataset.sum = String(sum);
    replace(totalBox, icon(ok ? 'check' : 'alert'), h('span', null, total === null ? t('rubrics.sumNoTotal', { sum: fmt(sum) })
      : ok ? t('rubrics.sumOk', { sum: fmt(sum) }) : t('rubrics.sumBad', { sum: fmt(sum), total: fmt(total), diff: fmt(Math.abs(total - sum)) })));
    problems = check(m);
    for (const [obj, el] of ui) {
      if (!el.err) continue;
      const msgs = state.showAll || state.touched.has(obj) ? [...(problems.get(obj) || [])] : [];
      if (state.server && state.server.obj === obj && !msgs.includes(state.server.text)) msgs.unshift(state.server.text);
      el.err.hidden = !msgs.length;
      replace(el.err, msgs.map((x) => h('p', null, icon('alert'), h('span', null, x))));
      const row = el.err.parentElement;
      if (row) row.classList.toggle('has-error', msgs.length > 0);
    }
  }

  async function save(btn, asNew) {
    state.showAll = true;
    saveAlert.replaceChildren();
    refresh();
    const m = state.model;
    const sum = round2(m.areas.reduce((s, a) => s + leafSum(a, 1), 0));
    const mismatch = isPoints(m.total) && Math.abs(sum - Number(m.total)) > 1e-6;
    if (problems.size || mismatch) {
      replace(saveAlert, icon('alert'), h('span', null, mismatch && !problems.size
        ? t('rubrics.err.sumRefused', { sum: fmt(sum), total: fmt(Number(m.total)) }) : t('rubrics.err.fix')));
      const first = body.querySelector('.rb-error:not([hidden])');
      const target = first ? first.parentElement.querySelector('input, select, textarea') : totalBox;
      if (target) target.focus ? target.focus() : null;
      if (!first) totalBox.scrollIntoView({ block: 'center' });
      return;
    }
    setBusy(btn, true);
    let reply;
    try {
      if (asNew || state.mode !== 'edit') {
        // a copy of a rubric (or 另存为新版本 of an editable one) is that rubric's next version
        const from = state.derivedFrom ?? (state.mode === 'edit' && state.loaded ? state.loaded.id : null);
        reply = await api.post('/api/v1/rubrics', from ? { ...toBody(m), derived_from: from } : toBody(m));
      } else {
        reply = await api.put('/api/v1/rubrics/' + state.loaded.id, toBody(m));
      }
    } catch (err) {
      setBusy(btn, false);
      showServerError(err);
      return;
    }
    setBusy(btn, false);
    state.dirty = false;
    const r = reply && reply.rubric;
    if (!r) return;
    if (asNew || state.mode !== 'edit') {
      pendingFlash = t('rubrics.savedNew', { name: r.name, version: r.version });
      navigate('/rubrics/' + r.id);
    } else {
      setup(r);
      replace(status, notice('ok', t('rubrics.saved', { name: r.name }), { id: 'rb-saved' }));
      title.focus();
    }
  }

  function showServerError(err) {
    const obj = err && err.field ? objectAt(state.model, err.field) : null;
    const text = errorText(err);
    if (err && err.code === 'E_CONFLICT') {
      replace(saveAlert, icon('alert'), h('span', null, text));
      return;
    }
    if (obj && ui.has(obj) && ui.get(obj).err) {
      state.server = { obj, text };
      refresh();
      const el = ui.get(obj).err;
      const input = el.parentElement.querySelector('input, select, textarea');
      if (input && !input.readOnly) input.focus();
      el.scrollIntoView({ block: 'center' });
      replace(saveAlert, icon('alert'), h('span', null, t('rubrics.err.server', { detail: text })));
    } else {
      replace(saveAlert, icon('alert'), h('span', null, text));
    }
  }

  function setup(r) {
    state.loaded = r;
    state.mode = r.frozen ? 'view' : 'edit';
    state.model = toModel(r);
    state.dirty = false;
    state.touched.clear();
    state.showAll = false;
    state.server = null;
    title.textContent = r.name;
    const self = (Array.isArray(r.versions) ? r.versions : []).find((v) => v.id === r.id);
    const cycles = r.cycles ?? (self ? self.cycles : 0);
    replace(headBadges, badge('v' + r.version, 'off'),
      r.frozen ? badge(t('rubrics.frozen'), 'info') : badge(t('rubrics.editable'), 'ok'),
      cycles ? h('span', { class: 'text-subtle' }, t('rubrics.usedBy', { n: cycles })) : null);
    renderTools(r);
    renderEditor();
  }

  /* The header of a saved rubric: the versions of its family, 与…对比, 导出. */
  function renderTools(r) {
    const versions = Array.isArray(r.versions) && r.versions.length ? r.versions
      : [{ id: r.id, name: r.name, version: r.version, frozen: r.frozen, cycles: r.cycles || 0 }];
    const sel = h('select', { id: 'rb-version', class: 'control' },
      [...versions].sort((a, b) => b.version - a.version).map((v) => h('option', { value: String(v.id) }, versionText(v))));
    sel.value = String(r.id);
    sel.addEventListener('change', () => {
      const to = sel.value;
      sel.value = String(r.id); // the page changes (or the guard keeps it), the select follows
      navigate('/rubrics/' + to);
    });
    const base = 'api/v1/rubrics/' + r.id + '/export.';
    const exp = (ext, key) => h('a', {
      class: 'btn btn-secondary btn-sm', href: base + ext, download: '', id: 'rb-export-' + ext,
      'aria-label': t('rubrics.exportAs', { format: t(key) }),
    }, icon('download'), h('span', { class: 'btn-label' }, t(key)));
    replace(headTools,
      h('div', { class: 'rb-tool' }, h('label', { for: 'rb-version', class: 'rb-label' }, t('rubrics.versions')), sel),
      h('div', { class: 'rb-tool' }, h('span', { class: 'rb-label', 'aria-hidden': 'true' }, '\u00a0'),
        button(t('rubrics.compare'), { id: 'rb-compare', icon: 'compare', onclick: () => compareDialog(r) })),
      h('div', { class: 'rb-tool', role: 'group', 'aria-labelledby': 'rb-export-label' },
        h('span', { class: 'rb-label', id: 'rb-export-label', title: t('rubrics.exportHint') }, t('rubrics.export')),
        h('div', { class: 'rb-export' }, exp('json', 'rubrics.export.json'), exp('csv', 'rubrics.export.csv'), exp('xlsx', 'rubrics.export.xlsx'))));
  }

  async function start() {
    try {
      state.kinds = await unitKinds();
    } catch (err) {
      replace(status, notice('warn', errorMessage(err)));
    }
    if (pendingFlash) {
      replace(status, notice('ok', pendingFlash, { id: 'rb-saved' }));
      pendingFlash = null;
    }
    if (rubricId !== null) {
      let reply;
      try {
        reply = await api.get('/api/v1/rubrics/' + rubricId);
      } catch (err) {
        title.textContent = t('nav.indicators');
        replace(body, notice('error', errorMessage(err)));
        return;
      }
      setup(reply.rubric);
      return;
    }
    if (fromId !== null) {
      let reply;
      try {
        reply = await api.get('/api/v1/rubrics/' + fromId);
      } catch (err) {
        title.textContent = t('rubrics.newTitle');
        replace(body, notice('error', errorMessage(err)));
        return;
      }
      const src = reply.rubric;
      state.model = toModel(src);
      state.mode = 'new';
      state.derivedFrom = src.id;
      state.dirty = true;
      title.textContent = t('rubrics.copyTitle', { name: src.name });
      replace(headBadges, badge(t('rubrics.newVersionOf', { version: src.version }), 'warn'));
      renderEditor();
      return;
    }
    state.mode = 'new';
    if (isImport && pendingImport) {
      const { reply: d, file } = pendingImport;
      pendingImport = null;
      state.model = toModel(d.rubric);
      state.source = { file, format: ['json', 'csv', 'xlsx'].includes(d.format) ? d.format : 'csv', problem: d.problem || null };
      state.dirty = true;
      title.textContent = d.rubric.name ? t('rubrics.importTitleOf', { name: d.rubric.name }) : t('rubrics.importTitle');
      replace(headBadges, badge(t('rubrics.unsaved'), 'warn'));
      renderEditor();
      if (d.problem && d.problem.field) {
        const obj = objectAt(state.model, d.problem.field);
        if (obj && ui.has(obj) && ui.get(obj).err) {
          state.server = { obj, text: d.problem.detail || d.problem.field };
          refresh();
        }
      }
      return;
    }
    if (isDraft && pendingDraft) {
      const d = pendingDraft;
      pendingDraft = null;
      state.model = toModel(d.rubric);
      state.notes = Array.isArray(d.notes) ? d.notes.filter((x) => typeof x === 'string') : [];
      state.source = d.file ? { file: d.file } : null;
      state.dirty = true;
      title.textContent = t('rubrics.draftTitle');
      replace(headBadges, badge(t('rubrics.unsaved'), 'warn'));
    } else {
      if (isDraft || isImport) replace(status, notice('warn', t(isImport ? 'rubrics.importGone' : 'rubrics.draftGone')));
      const a = toNode({ code: '1' });
      a.children.push(toNode({ code: '1.1' }));
      state.model.areas.push(a);
      title.textContent = t('rubrics.newTitle');
      replace(headBadges, badge(t('rubrics.unsaved'), 'warn'));
    }
    renderEditor();
  }

  start();
  return {
    title: t('nav.indicators'),
    node,
  };
}

let pendingFlash = null; // "已保存为新版本" shown on the page the save went to
