// web/js/views/unitimport.js — 导入单位: adding and updating many units from one sheet (admin;
// opened from 被考核单位).
// Owns what is particular to units in the import dialog (whose frame, flow and preview are
// importpreview.js sheetImportDialog), in two steps:
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

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { badge } from '../ui.js';
import { csvTemplate, dash, sheetImportDialog, sheetRow } from './importpreview.js';

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
  return csvTemplate(COLUMNS.map((c) => c.name));
}

function previewRow(r) {
  return sheetRow(r.row, r.action, r.problems, [
    h('td', null, r.code ? h('code', { class: 'cell-login' }, r.code) : dash()),
    h('td', { class: 'cell-name' }, r.name || dash()),
    h('td', null, r.kind || dash()),
    h('td', null, r.parent ? h('code', null, r.parent) : dash()),
    h('td', null, badge(t('unitImport.action.' + r.action), ACTION_BADGE[r.action] || 'off'))]);
}

/* The counts of rows: {rows, create, update, unchanged, problems}. */
function summarize(rows) {
  const s = { rows: rows.length, create: 0, update: 0, unchanged: 0, problems: 0 };
  for (const r of rows) {
    if (r.problems && r.problems.length) s.problems += 1;
    else if (s[r.action] !== undefined) s[r.action] += 1;
  }
  return s;
}

/* Opens the dialog. Returns the dialog handle (see ui.js openDialog). */
export function unitImportDialog() {
  return sheetImportDialog({
    id: 'unit-import', path: '/api/v1/units/import',
    title: t('unitImport.title'), working: t('unitImport.checking'),
    intro: t('unitImport.intro'), files: t('unitImport.files'),
    columns: COLUMNS.map((c) => ({
      name: c.name, required: c.required, meaning: t('unitImport.meaning.' + c.id), example: t('unitImport.example.' + c.id),
    })),
    template: { blob: templateBlob, name: t('unitImport.templateName') },
    drop: { iconName: 'units', title: t('unitImport.dropTitle'), hint: t('unitImport.dropHint') },
    head: [t('units.col.code'), t('units.col.name'), t('units.col.kind'), t('unitImport.col.parent')],
    row: previewRow,
    counts: (src, rows) => (src && src.summary ? src.summary : summarize(rows)),
    bad: (s) => s.problems,
    changes: (s) => (s.create || 0) + (s.update || 0),
    sum: (s) => [
      [t('unitImport.sum.create'), s.create || 0, 'is-create'],
      [t('unitImport.sum.update'), s.update || 0, 'is-update'],
      [t('unitImport.sum.unchanged'), s.unchanged || 0]],
    texts: {
      hasProblems: (count) => t('unitImport.hasProblems', { count }),
      hasProblemsHint: t('unitImport.hasProblemsHint'),
      nothing: t('unitImport.nothing'),
      ready: (s) => t('unitImport.ready', { create: s.create || 0, update: s.update || 0 }),
      readyHint: t('unitImport.readyHint'),
    },
    result: (s) => ({ summary: s }),
  });
}
