// web/js/views/importpreview.js — what the file-import dialogs have in common: 导入单位
// (unitimport.js), 批量导入分配 (assignimport.js), 批量导入报告 (reportimport.js) and
// 导入考核指标 (rubricimport.js).
// Owns:
//  - importDialog(): the frame of an import dialog and its flow. Step 1 says what the file
//    must look like and holds the drop zone; below it the upload job and a note for a file
//    refused here or by the server; step 2 is the preview. A picked file is sent for a
//    preview (the zone disabled meanwhile; 取消 or closing the dialog aborts it); 重新选择
//    goes back to step 1 and opens the file chooser; the submit button stays hidden until
//    there is a preview.
//  - the pieces of a preview: the file line (icon, name, size, 重新选择), the counts
//    (ul.import-summary), the state notice (a strong line and a hint), the table
//    (div.import-table-wrap > table.import-preview, a message row when there are no rows)
//    and the problem list of a cell.
//  - sheetImportDialog(): the whole dialog of a sheet (.xlsx/.csv) whose server answers one
//    row per sheet row with per-column problems — the table of the expected columns,
//    下载模板, the preview with its counts and 只显示有问题的行, 确认导入 disabled while any
//    row has a problem or nothing would change, ?apply=1 applied whole or not at all, and a
//    refusal's rows (400 with error.rows) shown again.
// Every element id is the caller's prefix plus a fixed suffix, so the pages keep their ids.

import { h, icon, replace } from '../dom.js';
import { t, errorText, formatSize } from '../i18n.js';
import { button, badge, notice, openDialog, setBlocked, messageRow } from '../ui.js';
import { dropZone, uploadJob, saveBlob } from '../filepick.js';

const SHEET_TYPES = ['.xlsx', '.csv'];
const MAX_BYTES = 50 * 1024 * 1024;

/* The text of a preview the server refused: its own sentences for a file too large for the
 * server and a lost connection, else errorText(err). */
function fileErrorText(err) {
  if (err.code === 'E_TOO_LARGE' && !err.detail) return t('upload.check.tooLargeServer');
  if (err.code === 'E_NETWORK') return t('upload.network');
  return errorText(err);
}

/* The frame and flow of an import dialog. opts: {
 *   id: the prefix of the element ids — ID-dialog, ID-choose (step 1), ID-preview (step 2),
 *       ID-job, ID-drop (dropZone adds -file and -pick), ID-again, ID-filename, ID-error;
 *   noteId: the id of the note under the job (default ID-file-note);
 *   title, size ('xl' unless told), submitText, working (the job's text while the server
 *   reads the file), explain: the nodes of step 1 above the drop zone;
 *   drop: { types, maxBytes (50 MB), iconName, typeHints, title, hint } for dropZone(), and
 *         problemId: the id of the note of a file refused here (default none);
 *   steps: more step elements after the preview (the caller shows and hides them);
 *   alertOnTop: true (default) moves the dialog's alert above the steps, so a refusal shows
 *   above the table;
 *   previewPath: where a picked file is POSTed (multipart field "file") for the preview;
 *   beforeSend: async () → false to stop before sending (the caller says why in the note);
 *   onPreview(reply, file): the preview arrived; the caller renders it into previewBox and
 *   calls showPreview();
 *   onError(err, file): the preview failed (never called for E_ABORTED); default: the error
 *   in the note, with the id ID-error;
 *   onSubmit(dlg): as for openDialog }.
 * Returns { dlg, zone, job, choose, previewBox, note(...nodes) (replaces the note; none
 * clears it), showPreview() (step 2 and the submit button shown), again(text, before) (the
 * 重新选择 link button: before() runs first, then step 1 comes back with the alert cleared
 * and the file chooser opens), fileLine(file, {iconName ('report'), detail (default the
 * size), again}) (the line naming the previewed file) }. */
export function importDialog({
  id, noteId, title, size = 'xl', submitText, working, explain, drop, steps = [],
  alertOnTop = true, previewPath, beforeSend, onPreview, onError, onSubmit,
}) {
  const fileNote = h('div', { class: 'import-file-note', id: noteId || id + '-file-note' });
  const note = (...nodes) => replace(fileNote, ...nodes);
  const job = uploadJob({ id: id + '-job', workingText: working });
  const zone = dropZone({
    id: id + '-drop', types: drop.types, maxBytes: drop.maxBytes || MAX_BYTES, iconName: drop.iconName,
    typeHints: drop.typeHints, title: drop.title, hint: drop.hint,
    onFile: (f) => check(f),
    onProblem: (text) => note(notice('error', text, { id: drop.problemId })),
  });
  const choose = h('div', { class: 'import-step', id: id + '-choose' }, explain, zone.el);
  const previewBox = h('div', { class: 'import-step', id: id + '-preview', hidden: true });

  const dlg = openDialog({
    title, id: id + '-dialog', size, submitText,
    body: [choose, job.el, fileNote, previewBox, steps],
    initialFocus: zone.el.querySelector('button'),
    onSubmit,
  });
  dlg.submitButton.hidden = true;
  dlg.closed.then(() => job.abort());
  if (alertOnTop) dlg.el.querySelector('.dlg-body').prepend(dlg.alert); // a refusal shows above the table

  async function check(f) {
    if (job.busy()) return;
    note();
    dlg.alert.replaceChildren();
    zone.setDisabled(true);
    let reply;
    try {
      if (beforeSend && !(await beforeSend())) { zone.setDisabled(false); return; }
      reply = await job.send(previewPath, f);
    } catch (err) {
      zone.setDisabled(false);
      if (err.code === 'E_ABORTED') return;
      if (onError) onError(err, f);
      else note(notice('error', fileErrorText(err), { id: id + '-error' }));
      return;
    }
    zone.setDisabled(false);
    onPreview(reply, f);
  }

  return {
    dlg, zone, job, choose, previewBox, note,
    showPreview() {
      choose.hidden = true;
      previewBox.hidden = false;
      dlg.submitButton.hidden = false;
    },
    again(text, before) {
      return button(text, {
        kind: 'link', icon: 'refresh', id: id + '-again',
        onclick: () => {
          if (before) before();
          choose.hidden = false; previewBox.hidden = true; dlg.submitButton.hidden = true; dlg.alert.replaceChildren();
          zone.input.click();
        },
      });
    },
    fileLine(file, { iconName = 'report', detail, again }) {
      return h('div', { class: 'import-file-line' },
        icon(iconName), h('span', { class: 'job-name', id: id + '-filename' }, file.name),
        h('span', { class: 'text-muted' }, detail ?? formatSize(file.size)), again);
    },
  };
}

// ─── pieces of a preview ─────────────────────────────────────────────────

/* The grey dash of an empty cell. */
export function dash() {
  return h('span', { class: 'text-subtle' }, '—');
}

/* The problems of a cell (texts) as a list with alert icons, or dash() when there are none. */
export function problemList(texts) {
  if (!texts.length) return dash();
  return h('ul', { class: 'problem-list' }, texts.map((p) => h('li', null, icon('alert'), h('span', null, p))));
}

/* The counts above a preview: ul.import-summary#id labelled label; items: [[text, count,
 * class (e.g. 'is-create', 'is-bad'; optional)], …], the count shown in <strong>. */
export function summaryList(id, label, items) {
  return h('ul', { class: 'import-summary', id, 'aria-label': label },
    items.map(([text, count, cls]) => h('li', { class: cls || null }, text, h('strong', null, String(count)))));
}

/* A notice (kind as for ui.js notice) of a strong line and, when given, a hint line. */
export function stateNotice(kind, strong, hint, id) {
  return notice(kind, [h('p', { class: 'notice-strong' }, strong), hint ? h('p', null, hint) : null], { id });
}

/* The <tbody> of a preview: renderRow(row) for each of rows, or one message row of cols
 * columns saying emptyText. */
export function previewBody(rows, renderRow, cols, emptyText) {
  return h('tbody', null, rows.length ? rows.map(renderRow) : messageRow(cols, emptyText));
}

/* The scrolling table of a preview or result: table.import-preview#id with the column
 * titles head (each a text, or [text, class of the <th>]) and tbody. */
export function previewTable(id, head, tbody) {
  return h('div', { class: 'table-wrap import-table-wrap' },
    h('table', { class: 'table table-compact import-preview', id },
      h('thead', null, h('tr', null, head.map((c) => {
        const [text, cls] = Array.isArray(c) ? c : [c, null];
        return h('th', { scope: 'col', class: cls }, text);
      }))),
      tbody));
}

// ─── sheets with one preview row per sheet row ───────────────────────────

/* A template sheet: the header row names (texts) only, as CSV with a UTF-8 byte order mark
 * (so Excel reads the characters right) and a CRLF line end. */
export function csvTemplate(names) {
  return new Blob(['\ufeff' + names.join(',') + '\r\n'], { type: 'text/csv;charset=utf-8' });
}

/* The table of the columns a sheet must have (table.import-columns#id); columns: [{ name
 * (the header text), required (bool), meaning, example (texts) }]. */
export function columnsTable(id, columns) {
  return h('table', { class: 'table table-compact import-columns', id },
    h('caption', { class: 'visually-hidden' }, t('unitImport.columnsCaption')),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, t('unitImport.col.column')),
      h('th', { scope: 'col' }, t('unitImport.col.required')),
      h('th', { scope: 'col' }, t('unitImport.col.meaning')),
      h('th', { scope: 'col' }, t('unitImport.col.example')))),
    h('tbody', null, columns.map((c) => h('tr', null,
      h('th', { scope: 'row', class: 'cell-name' }, c.name),
      h('td', null, c.required ? badge(t('unitImport.required'), 'info') : h('span', { class: 'text-muted' }, t('unitImport.optional'))),
      h('td', null, c.meaning),
      h('td', null, h('code', null, c.example))))));
}

/* One preview row of a sheet row: tr[data-row=line][data-action=action] (class row-bad when
 * problems is a non-empty array), 行号, the caller's cells (<td>s), then 问题 with each
 * problem ({column, message} or {column, problem}) as "列名：说明". */
export function sheetRow(line, action, problems, cells) {
  const list = Array.isArray(problems) ? problems : [];
  return h('tr', { class: list.length ? 'row-bad' : null, 'data-row': String(line), 'data-action': action },
    h('td', { class: 'cell-num' }, String(line)),
    cells,
    h('td', { class: 'cell-problems' }, problemList(list.map((p) => {
      const text = p.problem || p.message || '';
      return p.column ? `${p.column}：${text}` : text;
    }))));
}

/* The import dialog of a sheet (.xlsx or .csv up to 50 MB). opts: {
 *   id: the prefix of the element ids (see importDialog; also ID-columns, ID-template,
 *       ID-summary, ID-state, ID-only-bad, ID-table);
 *   path: the import route; the preview POSTs to PATH?apply=0, 确认导入 the same file to
 *         PATH?apply=1 (the reply {rows, …} either way; a refusal 400 with error.rows);
 *   title, working, intro, files (texts: the dialog's title, the job's text while the server
 *   checks, the first line of step 1, the line about the accepted files);
 *   columns: as for columnsTable; template: { blob(), name } for 下载模板;
 *   drop: { iconName, title, hint } of the drop zone;
 *   head: the titles of the caller's columns between 行号 and 操作;
 *   row(r): the <tr> of a reply row (made with sheetRow; 操作 is one of the caller's cells);
 *   counts(src, rows): the counts of the reply or refusal src (undefined when none), else
 *   worked out from rows; bad(c): how many rows have problems; changes(c): how many rows
 *   would change;
 *   sum(c): the counts list's items between 共 and 有问题 (see summaryList);
 *   texts: { hasProblems(count), hasProblemsHint, nothing, ready(c), readyHint };
 *   result(c): what the dialog closes with when ?apply=1 answers without a body }.
 * The dialog closes with the reply of ?apply=1. Returns the dialog handle (ui.js openDialog). */
export function sheetImportDialog(opts) {
  const { id, path, texts } = opts;
  let file = null;       // the file previewed
  let preview = null;    // { rows, counts }
  const templateBtn = button(t('unitImport.template'), {
    kind: 'secondary', icon: 'download', id: id + '-template',
    onclick: () => saveBlob(opts.template.blob(), opts.template.name),
  });
  const imp = importDialog({
    id, title: opts.title, working: opts.working, submitText: t('unitImport.apply'),
    explain: [
      h('p', { class: 'dlg-intro' }, opts.intro),
      columnsTable(id + '-columns', opts.columns),
      h('div', { class: 'import-files' },
        h('p', { class: 'import-files-text' }, icon('info'), h('span', null, opts.files)),
        templateBtn)],
    drop: {
      ...opts.drop, types: SHEET_TYPES,
      typeHints: { '.xls': 'unitImport.oldExcel', '.et': 'unitImport.oldExcel' },
    },
    previewPath: path + '?apply=0',
    onPreview: (reply, f) => {
      file = f;
      const rows = reply && Array.isArray(reply.rows) ? reply.rows : [];
      preview = { rows, counts: opts.counts(reply, rows) };
      renderPreview();
    },
    onSubmit: async () => {
      if (!preview || !file || opts.bad(preview.counts) > 0) return false;
      imp.note();
      let reply;
      try {
        reply = await imp.job.send(path + '?apply=1', file);
      } catch (err) {
        if (err.data && Array.isArray(err.data.rows)) {
          preview = { rows: err.data.rows, counts: opts.counts(err.data, err.data.rows) };
          renderPreview();
        }
        throw err; // shown in the dialog's alert with the server's detail
      }
      return reply || opts.result(preview.counts);
    },
  });
  const { dlg } = imp;

  function renderPreview() {
    const { rows, counts: c } = preview;
    const bad = opts.bad(c) || 0;
    const changes = opts.changes(c);
    const onlyBad = h('input', { type: 'checkbox', id: id + '-only-bad' });
    const tbody = previewBody(rows, opts.row, opts.head.length + 3, t('unitImport.noRows'));
    onlyBad.addEventListener('change', () => {
      for (const tr of tbody.querySelectorAll('tr[data-row]')) tr.hidden = onlyBad.checked && !tr.classList.contains('row-bad');
    });
    const again = imp.again(t('unitImport.again'));
    let state;
    if (bad) state = stateNotice('error', texts.hasProblems(bad), texts.hasProblemsHint, id + '-state');
    else if (!changes) state = notice('info', texts.nothing, { id: id + '-state' });
    else state = stateNotice('info', texts.ready(c), texts.readyHint, id + '-state');
    replace(imp.previewBox,
      imp.fileLine(file, { again }),
      summaryList(id + '-summary', t('unitImport.summary'), [
        [t('unitImport.sum.rows'), c.rows ?? rows.length],
        ...opts.sum(c),
        [t('unitImport.sum.problems'), bad, bad ? 'is-bad' : null]]),
      state,
      bad ? h('label', { class: 'check-line' }, onlyBad, h('span', null, t('unitImport.onlyBad'))) : null,
      previewTable(id + '-table',
        [[t('unitImport.col.row'), 'col-num'], ...opts.head, t('unitImport.col.action'), t('unitImport.col.problems')],
        tbody));
    imp.showPreview();
    setBlocked(dlg.submitButton, bad > 0 || changes === 0);
    if (bad > 0 || changes === 0) again.focus();
    else dlg.submitButton.focus();
  }

  return dlg;
}
