// web/js/views/unitimport.js — 导入单位: adding and updating many units from one sheet (admin;
// opened from 被考核单位).
// Owns the import dialog, in two steps:
//  1. what the sheet must look like (the columns 单位代码, 单位名称, 单位类别, 上级单位代码 and
//     状态, which are required, what they take), the accepted files (.xlsx, .csv in UTF-8 or
//     GBK, at most 50 MB), 下载模板 (a .csv with a UTF-8 BOM made here, so Excel opens it
//     with the right characters), and the drop zone;
//  2. the preview from POST /api/v1/units/import?apply=0 (the file as the multipart field
//     "file"): the counts, and one row per sheet row — 行号, 单位代码, 单位名称, 类别, 上级,
//     操作 (新增 / 更新 / 不变) and 问题 ("列名：说明", the row in red). With any problem the
//     dialog says how many rows to fix and 确认导入 stays disabled; else 确认导入 sends the
//     same file with ?apply=1, which the server applies whole or not at all. A refusal then
//     (400 with error.rows, e.g. the data changed meanwhile) shows those rows again.
// Resolves dlg.closed to the applied reply ({rows, summary, applied}) or undefined.

import { h, icon, replace } from '../dom.js';
import { t, errorText, formatSize } from '../i18n.js';
import { button, badge, notice, openDialog, setBlocked } from '../ui.js';
import { dropZone, uploadJob, saveBlob } from '../filepick.js';

const PATH = '/api/v1/units/import';
const TYPES = ['.xlsx', '.csv'];
const MAX_BYTES = 50 * 1024 * 1024;
const COLUMNS = [
  { name: '单位代码', id: 'code', required: true },
  { name: '单位名称', id: 'name', required: true },
  { name: '单位类别', id: 'kind', required: true },
  { name: '上级单位代码', id: 'parent', required: false },
  { name: '状态', id: 'active', required: false },
];
const ACTION_BADGE = { create: 'info', update: 'warn', unchanged: 'off' };

/* The template: the header row only, as CSV with a UTF-8 byte order mark and CRLF lines. */
export function templateBlob() {
  return new Blob(['\ufeff' + COLUMNS.map((c) => c.name).join(',') + '\r\n'], { type: 'text/csv;charset=utf-8' });
}

function columnsTable() {
  return h('table', { class: 'table table-compact import-columns', id: 'unit-import-columns' },
    h('caption', { class: 'visually-hidden' }, t('unitImport.columnsCaption')),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, t('unitImport.col.column')),
      h('th', { scope: 'col' }, t('unitImport.col.required')),
      h('th', { scope: 'col' }, t('unitImport.col.meaning')),
      h('th', { scope: 'col' }, t('unitImport.col.example')))),
    h('tbody', null, COLUMNS.map((c) => h('tr', null,
      h('th', { scope: 'row', class: 'cell-name' }, c.name),
      h('td', null, c.required ? badge(t('unitImport.required'), 'info') : h('span', { class: 'text-muted' }, t('unitImport.optional'))),
      h('td', null, t('unitImport.meaning.' + c.id)),
      h('td', null, h('code', null, t('unitImport.example.' + c.id)))))));
}

function problemList(problems) {
  if (!problems.length) return h('span', { class: 'text-subtle' }, '—');
  return h('ul', { class: 'problem-list' }, problems.map((p) =>
    h('li', null, icon('alert'), h('span', null, p.column ? `${p.column}：${p.message}` : p.message))));
}

function previewRow(r) {
  const problems = Array.isArray(r.problems) ? r.problems : [];
  const bad = problems.length > 0;
  return h('tr', { class: bad ? 'row-bad' : null, 'data-row': String(r.row), 'data-action': r.action },
    h('td', { class: 'cell-num' }, String(r.row)),
    h('td', null, r.code ? h('code', { class: 'cell-login' }, r.code) : h('span', { class: 'text-subtle' }, '—')),
    h('td', { class: 'cell-name' }, r.name || h('span', { class: 'text-subtle' }, '—')),
    h('td', null, r.kind || h('span', { class: 'text-subtle' }, '—')),
    h('td', null, r.parent ? h('code', null, r.parent) : h('span', { class: 'text-subtle' }, '—')),
    h('td', null, badge(t('unitImport.action.' + r.action), ACTION_BADGE[r.action] || 'off')),
    h('td', { class: 'cell-problems' }, problemList(problems)));
}

/* Opens the dialog. Returns the dialog handle (see ui.js openDialog). */
export function unitImportDialog() {
  let file = null;       // the file previewed
  let preview = null;    // its preview reply
  const fileNote = h('div', { class: 'import-file-note', id: 'unit-import-file-note' });
  const job = uploadJob({ id: 'unit-import-job', workingText: t('unitImport.checking') });
  const zone = dropZone({
    id: 'unit-import-drop', types: TYPES, maxBytes: MAX_BYTES, iconName: 'units',
    typeHints: { '.xls': 'unitImport.oldExcel', '.et': 'unitImport.oldExcel' },
    title: t('unitImport.dropTitle'), hint: t('unitImport.dropHint'),
    onFile: (f) => check(f),
    onProblem: (text) => replace(fileNote, notice('error', text)),
  });
  const templateBtn = button(t('unitImport.template'), {
    kind: 'secondary', icon: 'download', id: 'unit-import-template',
    onclick: () => saveBlob(templateBlob(), t('unitImport.templateName')),
  });
  const choose = h('div', { class: 'import-step', id: 'unit-import-choose' },
    h('p', { class: 'dlg-intro' }, t('unitImport.intro')),
    columnsTable(),
    h('div', { class: 'import-files' },
      h('p', { class: 'import-files-text' }, icon('info'), h('span', null, t('unitImport.files'))),
      templateBtn),
    zone.el);
  const previewBox = h('div', { class: 'import-step', id: 'unit-import-preview', hidden: true });

  const dlg = openDialog({
    title: t('unitImport.title'), id: 'unit-import-dialog', size: 'xl',
    submitText: t('unitImport.apply'),
    body: [choose, job.el, fileNote, previewBox],
    initialFocus: zone.el.querySelector('button'),
    onSubmit: async () => {
      if (!preview || !file || preview.summary.problems > 0) return false;
      replace(fileNote);
      let reply;
      try {
        reply = await job.send(PATH + '?apply=1', file);
      } catch (err) {
        if (err.data && Array.isArray(err.data.rows)) {
          preview = { rows: err.data.rows, summary: err.data.summary || summarize(err.data.rows) };
          renderPreview();
        }
        throw err; // shown in the dialog's alert with the server's detail
      }
      return reply || { summary: preview.summary };
    },
  });
  dlg.submitButton.hidden = true;
  dlg.closed.then(() => job.abort());
  dlg.el.querySelector('.dlg-body').prepend(dlg.alert); // a refusal shows above the table

  function summarize(rows) {
    const s = { rows: rows.length, create: 0, update: 0, unchanged: 0, problems: 0 };
    for (const r of rows) {
      if (r.problems && r.problems.length) s.problems += 1;
      else if (s[r.action] !== undefined) s[r.action] += 1;
    }
    return s;
  }

  async function check(f) {
    if (job.busy()) return;
    replace(fileNote);
    dlg.alert.replaceChildren();
    zone.setDisabled(true);
    let reply;
    try {
      reply = await job.send(PATH + '?apply=0', f);
    } catch (err) {
      zone.setDisabled(false);
      if (err.code !== 'E_ABORTED') replace(fileNote, notice('error', fileErrorText(err), { id: 'unit-import-error' }));
      return;
    }
    zone.setDisabled(false);
    file = f;
    preview = {
      rows: reply && Array.isArray(reply.rows) ? reply.rows : [],
      summary: reply && reply.summary ? reply.summary : summarize([]),
    };
    renderPreview();
  }

  function fileErrorText(err) {
    if (err.code === 'E_TOO_LARGE' && !err.detail) return t('upload.check.tooLargeServer');
    if (err.code === 'E_NETWORK') return t('upload.network');
    return errorText(err);
  }

  function renderPreview() {
    const { rows, summary: s } = preview;
    const changes = (s.create || 0) + (s.update || 0);
    const bad = s.problems || 0;
    const onlyBad = h('input', { type: 'checkbox', id: 'unit-import-only-bad' });
    const tbody = h('tbody', null, rows.length ? rows.map(previewRow)
      : h('tr', { class: 'row-message' }, h('td', { colspan: '7' }, t('unitImport.noRows'))));
    onlyBad.addEventListener('change', () => {
      for (const tr of tbody.querySelectorAll('tr[data-row]')) tr.hidden = onlyBad.checked && !tr.classList.contains('row-bad');
    });
    const again = button(t('unitImport.again'), {
      kind: 'link', icon: 'refresh', id: 'unit-import-again',
      onclick: () => { choose.hidden = false; previewBox.hidden = true; dlg.submitButton.hidden = true; dlg.alert.replaceChildren(); zone.input.click(); },
    });
    let state;
    if (bad) state = notice('error', [h('p', { class: 'notice-strong' }, t('unitImport.hasProblems', { count: bad })), h('p', null, t('unitImport.hasProblemsHint'))], { id: 'unit-import-state' });
    else if (!changes) state = notice('info', t('unitImport.nothing'), { id: 'unit-import-state' });
    else {
      state = notice('info', [
        h('p', { class: 'notice-strong' }, t('unitImport.ready', { create: s.create || 0, update: s.update || 0 })),
        h('p', null, t('unitImport.readyHint'))], { id: 'unit-import-state' });
    }
    replace(previewBox,
      h('div', { class: 'import-file-line' },
        icon('report'), h('span', { class: 'job-name', id: 'unit-import-filename' }, file.name),
        h('span', { class: 'text-muted' }, formatSize(file.size)), again),
      h('ul', { class: 'import-summary', id: 'unit-import-summary', 'aria-label': t('unitImport.summary') },
        h('li', null, t('unitImport.sum.rows'), h('strong', null, String(s.rows ?? rows.length))),
        h('li', { class: 'is-create' }, t('unitImport.sum.create'), h('strong', null, String(s.create || 0))),
        h('li', { class: 'is-update' }, t('unitImport.sum.update'), h('strong', null, String(s.update || 0))),
        h('li', null, t('unitImport.sum.unchanged'), h('strong', null, String(s.unchanged || 0))),
        h('li', { class: bad ? 'is-bad' : null }, t('unitImport.sum.problems'), h('strong', null, String(bad)))),
      state,
      bad ? h('label', { class: 'check-line' }, onlyBad, h('span', null, t('unitImport.onlyBad'))) : null,
      h('div', { class: 'table-wrap import-table-wrap' },
        h('table', { class: 'table table-compact import-preview', id: 'unit-import-table' },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col', class: 'col-num' }, t('unitImport.col.row')),
            h('th', { scope: 'col' }, t('units.col.code')),
            h('th', { scope: 'col' }, t('units.col.name')),
            h('th', { scope: 'col' }, t('units.col.kind')),
            h('th', { scope: 'col' }, t('unitImport.col.parent')),
            h('th', { scope: 'col' }, t('unitImport.col.action')),
            h('th', { scope: 'col' }, t('unitImport.col.problems')))),
          tbody)));
    choose.hidden = true;
    previewBox.hidden = false;
    dlg.submitButton.hidden = false;
    setBlocked(dlg.submitButton, bad > 0 || changes === 0);
    if (bad > 0 || changes === 0) again.focus();
    else dlg.submitButton.focus();
  }

  return dlg;
}
