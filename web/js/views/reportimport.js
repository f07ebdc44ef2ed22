// web/js/views/reportimport.js — 批量导入报告（压缩包）: many units' reports from one .zip
// (admin; opened from a cycle's page).
// Owns the import dialog (its frame, the file pick → preview flow and the preview's pieces are
// importpreview.js), in three steps:
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
import { badge, notice, setBlocked } from '../ui.js';
import { formatName } from './reportparts.js';
import { importDialog, dash, problemList, summaryList, stateNotice, previewBody, previewTable } from './importpreview.js';

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

  const late = typeof cycle.submission_deadline === 'number' && cycle.submission_deadline * 1000 < Date.now();
  const resultBox = h('div', { class: 'import-step', id: 'report-import-result', hidden: true });
  const imp = importDialog({
    id: 'report-import', title: t('reportImport.title'),
    submitText: t('reportImport.apply', { count: 0 }), working: t('reportImport.checking'),
    explain: [
      h('p', { class: 'dlg-intro' }, t('reportImport.intro', { cycle: cycle.title })),
      h('ul', { class: 'import-rules' },
        ['match', 'one', 'version', late ? 'late' : null].filter(Boolean).map((k) =>
          h('li', { class: k === 'late' ? 'is-warn' : null }, icon(k === 'late' ? 'alert' : 'check'), h('span', null, t('reportImport.rule.' + k)))))],
    drop: {
      types: ['.zip'], iconName: 'archive',
      typeHints: { '.rar': 'reportImport.otherArchive', '.7z': 'reportImport.otherArchive' },
      title: t('reportImport.dropTitle'), hint: t('reportImport.dropHint'),
    },
    steps: [resultBox],
    previewPath: path + '?apply=0',
    beforeSend: haveUnits,
    onPreview: (reply, f) => {
      file = f;
      const entries = reply && Array.isArray(reply.entries) ? reply.entries : [];
      rows = entries.map((e) => {
        const orig = e.unit && e.unit.code ? e.unit.code : '';
        // decided: the unit is known (matched) or was chosen here, 不导入 included.
        return { e, readable: e.format != null, orig, choice: orig, decided: !!orig || e.format == null };
      });
      renderPreview();
    },
    onSubmit: async () => {
      if (!rows || !file || counts.blocked) return false;
      const assign = {};
      for (const r of rows) if (r.readable && (r.choice !== r.orig || (!r.orig && r.decided))) assign[r.e.name] = r.choice;
      imp.note();
      // Thrown errors (400 two files for one unit, the phase over…) go to the dialog's alert.
      const reply = await imp.job.send(path + '?apply=1', file, { fields: { assign: JSON.stringify(assign) } });
      renderResult(reply);
      if (onApplied) onApplied(reply);
      return false; // the dialog stays open with the result
    },
  });
  const { dlg, previewBox } = imp;
  const submitLabel = dlg.submitButton.querySelector('.btn-label');
  const cancelLabel = dlg.el.querySelector('[data-action="cancel"] .btn-label');

  async function haveUnits() {
    if (units) return true;
    try {
      const reply = await api.get(`/api/v1/cycles/${encodeURIComponent(cycle.id)}/units`);
      units = reply && Array.isArray(reply.units) ? reply.units : [];
      return true;
    } catch (err) {
      imp.note(notice('error', errorText(err)));
      return false;
    }
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
    if (!r.readable) return dash();
    if (r.choice !== r.orig || !r.orig) return r.choice ? badge(t('reportImport.by.assigned'), 'warn') : dash();
    if (!r.e.matched_by) return dash();
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
      h('td', { class: 'cell-problems' }, problemList(r.problems)));
  }

  function refresh() {
    evaluate();
    const c = counts;
    const id = 'report-import-state';
    let state;
    if (c.dups) state = stateNotice('error', t('reportImport.dups', { count: c.dups }), t('reportImport.dupsHint'), id);
    else if (!c.importing) state = notice('warn', t('reportImport.none'), { id });
    else state = stateNotice('info', t('reportImport.ready', { count: c.importing }), c.skipped ? t('reportImport.readySkipped', { count: c.skipped }) : null, id);
    replace(previewBox,
      imp.fileLine(file, { iconName: 'archive', again: imp.again(t('reportImport.again')) }),
      summaryList('report-import-summary', t('reportImport.summary'), [
        [t('reportImport.sum.files'), c.files],
        [t('reportImport.sum.importing'), c.importing, 'is-create'],
        [t('reportImport.sum.skipped'), c.skipped],
        [t('reportImport.sum.dups'), c.dups, c.dups ? 'is-bad' : null]]),
      state,
      previewTable('report-import-table',
        [t('reportImport.col.file'), t('reportImport.col.format'), t('reportImport.col.title'),
          t('reportImport.col.unit'), t('reportImport.col.by'), t('reportImport.col.problems')],
        previewBody(rows, previewRow, COLS, t('reportImport.empty'))));
    submitLabel.textContent = t('reportImport.apply', { count: c.importing });
    setBlocked(dlg.submitButton, c.blocked);
  }

  function renderPreview() {
    imp.showPreview();
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
      previewTable('report-import-results', [t('reportImport.col.file'), t('reportImport.col.unit'), t('reportImport.col.result')],
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
              : dash()),
            h('td', null, result));
        }))));
    imp.choose.hidden = true;
    previewBox.hidden = true;
    resultBox.hidden = false;
    dlg.submitButton.hidden = true;
    if (cancelLabel) cancelLabel.textContent = t('common.close');
    const closeBtn = dlg.el.querySelector('[data-action="cancel"]');
    if (closeBtn) closeBtn.focus();
  }

  return dlg;
}
