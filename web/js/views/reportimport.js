// web/js/views/reportimport.js — 批量导入报告（压缩包）: many units' reports from one .zip
// (admin; opened from a cycle's page).
// Owns the import dialog, in three steps:
//  1. what to put in the zip and how files find their unit, and the drop zone (.zip, ≤ 50 MB);
//  2. the preview from POST /api/v1/cycles/{id}/reports/import?apply=0 (the zip as the
//     multipart field "file"): one row per file — 文件名, 格式, 识别的标题, 对应单位 (a select of
//     every unit of the cycle from GET …/units, plus 不导入), 匹配方式 (按文件名 / 按正文 /
//     手动指定) and 问题 — and the counts. Files the server could not read keep its problems
//     and are skipped. For the others the matching is worked out here as the admin changes
//     the selects (the server's problems for a readable file are all about the matching):
//     no unit → 请选择对应单位 and a note (skipped unless chosen; 不导入 is a choice too); two files for one unit → both rows in red and the
//     import blocked until one is changed. A unit that already has a report gets a note that
//     the file becomes its next version;
//  3. 导入 N 份报告 sends the same zip with ?apply=1 and the multipart text field "assign" =
//     {"entry name": "unit code" | ""} for every readable file whose unit was changed; the
//     result lists each file with the version it became (or why it was not imported), and
//     onApplied() lets the cycle page reload its progress. A refusal (400: two files for one
//     unit) shows the server's detail in the dialog.

import { h, icon, replace } from '../dom.js';
import { t, errorText, formatSize } from '../i18n.js';
import { api } from '../api.js';
import { button, badge, notice, openDialog, setBlocked } from '../ui.js';
import { dropZone, uploadJob } from '../filepick.js';
import { formatName } from './reportparts.js';

const MAX_BYTES = 50 * 1024 * 1024;
const COLS = 6;

const unitLabel = (u) => `${u.name}（${u.code}）`;

/* opts: { cycle: {id, title, phase, submission_deadline}, units: the cycle's units (or null:
 * fetched here), onApplied(reply) }. Returns the dialog handle. */
export function reportImportDialog({ cycle, units: knownUnits, onApplied }) {
  const path = `/api/v1/cycles/${encodeURIComponent(cycle.id)}/reports/import`;
  let units = knownUnits;
  let file = null;
  let rows = null;   // [{ e: server entry, readable, orig, choice }]
  let counts = null;

  const fileNote = h('div', { class: 'import-file-note', id: 'report-import-file-note' });
  const job = uploadJob({ id: 'report-import-job', workingText: t('reportImport.checking') });
  const zone = dropZone({
    id: 'report-import-drop', types: ['.zip'], maxBytes: MAX_BYTES, iconName: 'archive',
    typeHints: { '.rar': 'reportImport.otherArchive', '.7z': 'reportImport.otherArchive' },
    title: t('reportImport.dropTitle'), hint: t('reportImport.dropHint'),
    onFile: (f) => check(f),
    onProblem: (text) => replace(fileNote, notice('error', text)),
  });
  const late = typeof cycle.submission_deadline === 'number' && cycle.submission_deadline * 1000 < Date.now();
  const choose = h('div', { class: 'import-step', id: 'report-import-choose' },
    h('p', { class: 'dlg-intro' }, t('reportImport.intro', { cycle: cycle.title })),
    h('ul', { class: 'import-rules' },
      ['match', 'one', 'version', late ? 'late' : null].filter(Boolean).map((k) =>
        h('li', { class: k === 'late' ? 'is-warn' : null }, icon(k === 'late' ? 'alert' : 'check'), h('span', null, t('reportImport.rule.' + k))))),
    zone.el);
  const previewBox = h('div', { class: 'import-step', id: 'report-import-preview', hidden: true });
  const resultBox = h('div', { class: 'import-step', id: 'report-import-result', hidden: true });

  const dlg = openDialog({
    title: t('reportImport.title'), id: 'report-import-dialog', size: 'xl',
    submitText: t('reportImport.apply', { count: 0 }),
    body: [choose, job.el, fileNote, previewBox, resultBox],
    initialFocus: zone.el.querySelector('button'),
    onSubmit: async () => {
      if (!rows || !file || counts.blocked) return false;
      const assign = {};
      for (const r of rows) if (r.readable && (r.choice !== r.orig || (!r.orig && r.decided))) assign[r.e.name] = r.choice;
      replace(fileNote);
      // Thrown errors (400 two files for one unit, the phase over…) go to the dialog's alert.
      const reply = await job.send(path + '?apply=1', file, { fields: { assign: JSON.stringify(assign) } });
      renderResult(reply);
      if (onApplied) onApplied(reply);
      return false; // the dialog stays open with the result
    },
  });
  const submitLabel = dlg.submitButton.querySelector('.btn-label');
  const cancelLabel = dlg.el.querySelector('[data-action="cancel"] .btn-label');
  dlg.submitButton.hidden = true;
  dlg.closed.then(() => job.abort());
  dlg.el.querySelector('.dlg-body').prepend(dlg.alert); // a refusal shows above the table

  async function haveUnits() {
    if (units) return true;
    try {
      const reply = await api.get(`/api/v1/cycles/${encodeURIComponent(cycle.id)}/units`);
      units = reply && Array.isArray(reply.units) ? reply.units : [];
      return true;
    } catch (err) {
      replace(fileNote, notice('error', errorText(err)));
      return false;
    }
  }

  async function check(f) {
    if (job.busy()) return;
    replace(fileNote);
    dlg.alert.replaceChildren();
    zone.setDisabled(true);
    let reply;
    try {
      if (!(await haveUnits())) { zone.setDisabled(false); return; }
      reply = await job.send(path + '?apply=0', f);
    } catch (err) {
      zone.setDisabled(false);
      if (err.code !== 'E_ABORTED') replace(fileNote, notice('error', fileErrorText(err), { id: 'report-import-error' }));
      return;
    }
    zone.setDisabled(false);
    file = f;
    const entries = reply && Array.isArray(reply.entries) ? reply.entries : [];
    rows = entries.map((e) => {
      const orig = e.unit && e.unit.code ? e.unit.code : '';
      // decided: the unit is known (matched) or was chosen here, 不导入 included.
      return { e, readable: e.format != null, orig, choice: orig, decided: !!orig || e.format == null };
    });
    renderPreview();
  }

  function fileErrorText(err) {
    if (err.code === 'E_TOO_LARGE' && !err.detail) return t('upload.check.tooLargeServer');
    if (err.code === 'E_NETWORK') return t('upload.network');
    return errorText(err);
  }

  /* The problems and notes of each row from the current choices, and the counts. */
  function evaluate() {
    const byUnit = new Map();
    for (const r of rows) {
      if (!r.readable || !r.choice) continue;
      if (!byUnit.has(r.choice)) byUnit.set(r.choice, []);
      byUnit.get(r.choice).push(r);
    }
    let importing = 0;
    let dups = 0;
    let skipped = 0;
    for (const r of rows) {
      r.problems = [];
      r.notes = [];
      r.blocking = false;
      if (!r.readable) {
        r.problems = (Array.isArray(r.e.problems) ? r.e.problems : []).map(String);
        if (!r.problems.length) r.problems.push(t('reportImport.unreadable'));
        r.blocking = true; // shown in red; skipped by the server
        skipped += 1;
        continue;
      }
      if (!r.choice) {
        if (!r.decided) r.problems.push(t('reportImport.noUnit'));
        skipped += 1;
        continue;
      }
      const same = byUnit.get(r.choice).filter((x) => x !== r);
      if (same.length) {
        r.problems.push(t('reportImport.sameUnit', { names: same.map((x) => x.e.name).join('、') }));
        r.blocking = true;
        dups += 1;
        continue;
      }
      importing += 1;
      const u = units.find((x) => x.code === r.choice);
      if (u && u.report) r.notes.push(t('reportImport.nextVersion', { version: u.report.version, next: u.report.version + 1 }));
    }
    counts = { files: rows.length, importing, skipped, dups, blocked: dups > 0 || importing === 0 };
  }

  function byText(r) {
    if (!r.readable) return h('span', { class: 'text-subtle' }, '—');
    if (r.choice !== r.orig || !r.orig) return r.choice ? badge(t('reportImport.by.assigned'), 'warn') : h('span', { class: 'text-subtle' }, '—');
    if (!r.e.matched_by) return h('span', { class: 'text-subtle' }, '—');
    return badge(t('reportImport.by.' + r.e.matched_by), r.e.matched_by === 'filename' ? 'ok' : 'info');
  }

  function unitSelect(r) {
    const sel = h('select', {
      class: 'control control-sm', 'data-entry': r.e.name, disabled: !r.readable,
      'aria-label': t('reportImport.unitOf', { name: r.e.name }),
    },
    r.decided ? null : h('option', { value: '-', disabled: true, selected: true }, t('reportImport.choose')),
    h('option', { value: '' }, t('reportImport.skip')),
    units.map((u) => h('option', { value: u.code, selected: u.code === r.choice }, unitLabel(u))));
    sel.value = r.decided ? r.choice : '-';
    sel.addEventListener('change', () => {
      r.choice = sel.value;
      r.decided = true;
      refresh();
      const again = dlg.el.querySelector(`select[data-entry="${CSS.escape(r.e.name)}"]`);
      if (again) again.focus();
    });
    return sel;
  }

  function previewRow(r) {
    const e = r.e;
    const cls = r.blocking ? 'row-bad' : !r.decided ? 'row-warn' : !r.choice ? 'row-skip' : null;
    return h('tr', { class: cls, 'data-entry': e.name },
      h('td', { class: 'cell-file' }, h('span', { class: 'cell-unit' },
        h('span', { class: 'cell-name' }, e.name), h('span', { class: 'unit-code' }, formatSize(e.size)))),
      h('td', null, formatName(e.format)),
      h('td', { class: 'cell-title' }, e.title || h('span', { class: 'text-subtle' }, t('report.notDetected'))),
      h('td', { class: 'cell-select' }, unitSelect(r),
        r.notes.map((n) => h('span', { class: 'cell-sub cell-note' }, n))),
      h('td', null, byText(r)),
      h('td', { class: 'cell-problems' }, r.problems.length
        ? h('ul', { class: 'problem-list' }, r.problems.map((p) => h('li', null, icon('alert'), h('span', null, p))))
        : h('span', { class: 'text-subtle' }, '—')));
  }

  function refresh() {
    evaluate();
    const c = counts;
    let state;
    if (c.dups) state = notice('error', [h('p', { class: 'notice-strong' }, t('reportImport.dups', { count: c.dups })), h('p', null, t('reportImport.dupsHint'))], { id: 'report-import-state' });
    else if (!c.importing) state = notice('warn', t('reportImport.none'), { id: 'report-import-state' });
    else {
      state = notice('info', [
        h('p', { class: 'notice-strong' }, t('reportImport.ready', { count: c.importing })),
        c.skipped ? h('p', null, t('reportImport.readySkipped', { count: c.skipped })) : null,
      ], { id: 'report-import-state' });
    }
    replace(previewBox,
      h('div', { class: 'import-file-line' },
        icon('archive'), h('span', { class: 'job-name', id: 'report-import-filename' }, file.name),
        h('span', { class: 'text-muted' }, formatSize(file.size)),
        button(t('reportImport.again'), {
          kind: 'link', icon: 'refresh', id: 'report-import-again',
          onclick: () => { choose.hidden = false; previewBox.hidden = true; dlg.submitButton.hidden = true; dlg.alert.replaceChildren(); zone.input.click(); },
        })),
      h('ul', { class: 'import-summary', id: 'report-import-summary', 'aria-label': t('reportImport.summary') },
        h('li', null, t('reportImport.sum.files'), h('strong', null, String(c.files))),
        h('li', { class: 'is-create' }, t('reportImport.sum.importing'), h('strong', null, String(c.importing))),
        h('li', null, t('reportImport.sum.skipped'), h('strong', null, String(c.skipped))),
        h('li', { class: c.dups ? 'is-bad' : null }, t('reportImport.sum.dups'), h('strong', null, String(c.dups)))),
      state,
      h('div', { class: 'table-wrap import-table-wrap' },
        h('table', { class: 'table table-compact import-preview', id: 'report-import-table' },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, t('reportImport.col.file')),
            h('th', { scope: 'col' }, t('reportImport.col.format')),
            h('th', { scope: 'col' }, t('reportImport.col.title')),
            h('th', { scope: 'col' }, t('reportImport.col.unit')),
            h('th', { scope: 'col' }, t('reportImport.col.by')),
            h('th', { scope: 'col' }, t('reportImport.col.problems')))),
          h('tbody', null, rows.length ? rows.map(previewRow)
            : h('tr', { class: 'row-message' }, h('td', { colspan: String(COLS) }, t('reportImport.empty')))))));
    submitLabel.textContent = t('reportImport.apply', { count: c.importing });
    setBlocked(dlg.submitButton, c.blocked);
  }

  function renderPreview() {
    choose.hidden = true;
    previewBox.hidden = false;
    dlg.submitButton.hidden = false;
    refresh();
    if (counts.blocked) previewBox.querySelector('#report-import-again').focus();
    else dlg.submitButton.focus();
  }

  function renderResult(reply) {
    const entries = reply && Array.isArray(reply.entries) ? reply.entries : [];
    const done = entries.filter((e) => Number.isInteger(e.version));
    const chosen = new Map(rows.map((r) => [r.e.name, r]));
    replace(resultBox,
      notice('ok', [
        h('p', { class: 'notice-strong' }, t('reportImport.done', { count: done.length })),
        entries.length > done.length ? h('p', null, t('reportImport.doneSkipped', { count: entries.length - done.length })) : null,
      ], { id: 'report-import-done' }),
      h('div', { class: 'table-wrap import-table-wrap' },
        h('table', { class: 'table table-compact import-preview', id: 'report-import-results' },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, t('reportImport.col.file')),
            h('th', { scope: 'col' }, t('reportImport.col.unit')),
            h('th', { scope: 'col' }, t('reportImport.col.result')))),
          h('tbody', null, entries.map((e) => {
            const r = chosen.get(e.name);
            const problems = Array.isArray(e.problems) ? e.problems : [];
            let result;
            if (Number.isInteger(e.version)) result = badge(t('reportImport.result.version', { version: e.version }), 'ok');
            else if (r && r.readable && !r.choice && r.decided) result = badge(t('reportImport.result.skipped'), 'off');
            else result = h('span', { class: 'badge-row' }, badge(t('reportImport.result.not'), 'off'), problems.length ? h('span', { class: 'text-muted' }, problems.join('；')) : null);
            return h('tr', { 'data-entry': e.name, 'data-version': Number.isInteger(e.version) ? String(e.version) : null },
              h('td', { class: 'cell-file' }, e.name),
              h('td', null, e.unit ? h('span', { class: 'cell-unit' }, h('span', null, e.unit.name), h('code', { class: 'unit-code' }, e.unit.code))
                : h('span', { class: 'text-subtle' }, '—')),
              h('td', null, result));
          })))));
    choose.hidden = true;
    previewBox.hidden = true;
    resultBox.hidden = false;
    dlg.submitButton.hidden = true;
    if (cancelLabel) cancelLabel.textContent = t('common.close');
    const closeBtn = dlg.el.querySelector('[data-action="cancel"]');
    if (closeBtn) closeBtn.focus();
  }

  return dlg;
}
