// web/js/views/assignimport.js — 批量导入分配: assigning reviewers to units of one cycle from a
// sheet (admin; opened from the 评审分配 page). Looks and behaves like 导入单位 (unitimport.js):
// both are importpreview.js sheetImportDialog. Owns what is particular to assignments, in two
// steps:
//  1. what the sheet must look like (a column naming the unit — 单位代码 or 单位名称 — and one
//     naming the reviewer — 评审人账号 or 评审人 (the name) — one assignment per row), the
//     accepted files (.xlsx, .csv in UTF-8 or GB18030/GBK, at most 50 MB), 下载模板 (a .csv with
//     a UTF-8 BOM made here: 单位代码,评审人账号), and the drop zone;
//  2. the preview from POST /api/v1/cycles/{cycle}/assignments/import?apply=0 (the file as the
//     multipart field "file"): the counts (共 / 新增 / 已存在 / 有问题) and one row per sheet
//     row — 行号, 单位, 评审人, 操作 (新增 / 已存在) and 问题 ("列名：说明", the row in red: the
//     reviewer's own unit, a declared conflict, a unit outside the cycle, an unknown reviewer).
//     With any problem 确认导入 stays disabled; else it sends the same file with ?apply=1, which
//     the server applies whole or not at all; a refusal then (400 with error.rows) shows those
//     rows again.
// Resolves dlg.closed to the applied reply ({rows, counts, applied}) or undefined.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { badge } from '../ui.js';
import { csvTemplate, dash, sheetImportDialog, sheetRow } from './importpreview.js';
import { personLabel } from './assignshared.js';

const COLUMNS = [
  { names: '单位代码 / 单位名称', id: 'unit' },
  { names: '评审人账号 / 评审人', id: 'reviewer' },
];
const TEMPLATE = ['单位代码', '评审人账号'];
const ACTION_BADGE = { create: 'info', exists: 'off' };

/* The template: the header row only, as CSV with a UTF-8 byte order mark and CRLF lines. */
export function assignTemplateBlob() {
  return csvTemplate(TEMPLATE);
}

function previewRow(r) {
  return sheetRow(r.line, r.action || '', r.problems, [
    h('td', null, r.unit || r.unit_name
      ? h('span', { class: 'cell-unit' }, h('span', { class: 'cell-name' }, r.unit_name || r.unit), r.unit && r.unit_name ? h('code', { class: 'unit-code' }, r.unit) : null)
      : dash()),
    h('td', null, r.reviewer || r.reviewer_name ? personLabel(r.reviewer || '', r.reviewer_name) : dash()),
    h('td', null, r.action ? badge(t('assignImport.action.' + r.action), ACTION_BADGE[r.action] || 'off') : dash())]);
}

/* The counts of rows: {create, exists, errors}. */
function summarize(rows) {
  const c = { create: 0, exists: 0, errors: 0 };
  for (const r of rows) {
    if (r.problems && r.problems.length) c.errors += 1;
    else if (c[r.action] !== undefined) c[r.action] += 1;
  }
  return c;
}

/* Opens the dialog for cycle {id, title}. Returns the dialog handle (see ui.js openDialog). */
export function assignImportDialog({ cycle }) {
  return sheetImportDialog({
    id: 'assign-import', path: `/api/v1/cycles/${cycle.id}/assignments/import`,
    title: t('assignImport.title'), working: t('assignImport.checking'),
    intro: t('assignImport.intro', { title: cycle.title }), files: t('assignImport.files'),
    columns: COLUMNS.map((c) => ({
      name: c.names, required: true, meaning: t('assignImport.meaning.' + c.id), example: t('assignImport.example.' + c.id),
    })),
    template: { blob: assignTemplateBlob, name: t('assignImport.templateName') },
    drop: { iconName: 'assignments', title: t('assignImport.dropTitle'), hint: t('assignImport.dropHint') },
    head: [t('assign.col.unit'), t('assign.col.reviewer')],
    row: previewRow,
    counts: (src, rows) => (src && src.counts ? src.counts : summarize(rows)),
    bad: (c) => c.errors,
    changes: (c) => c.create || 0,
    sum: (c) => [
      [t('assignImport.sum.create'), c.create || 0, 'is-create'],
      [t('assignImport.sum.exists'), c.exists || 0]],
    texts: {
      hasProblems: (count) => t('assignImport.hasProblems', { count }),
      hasProblemsHint: t('assignImport.hasProblemsHint'),
      nothing: t('assignImport.nothing'),
      ready: (c) => t('assignImport.ready', { create: c.create || 0, exists: c.exists || 0 }),
      readyHint: t('assignImport.readyHint'),
    },
    result: (c) => ({ counts: c, applied: true }),
  });
}
