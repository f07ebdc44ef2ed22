// web/js/views/rubricimport.js — 导入考核指标: a rubric from a file (admin; opened from the
// 考核指标 list).
// Owns the import dialog, in two steps:
//  1. what may be imported (a file exported by kaoping as .json, .csv or .xlsx, or a sheet laid
//     out like the export: 编号, 上级编号, 类型, 名称, 分值, …) and the drop zone; the file goes
//     to POST /api/v1/rubrics/import?save=0 (multipart field "file");
//  2. the preview of the reply ({rubric, format, problem}): the file, its format, the rubric's
//     name, total, how many areas, indicators, bonus / deduction / veto items and grade bands,
//     and the problem the server found (e.g. "第 12 行：…"), which the editor will show next to
//     its node. 在编辑器中打开 closes the dialog with {reply, file: name}; the list then opens
//     the tree in the editor unsaved (#/rubrics/new?import=1), where saving POSTs it.
// A file that cannot be read as a rubric (400/415/422) shows the server's detail, which names
// the line ("第 5 行：类型（C 列）“未知”不认识…"), in the dialog; 重新选择 picks another file.
// The dialog's frame and the file pick → preview flow are importpreview.js importDialog.

import { h, icon, replace } from '../dom.js';
import { t, errorText, formatSize } from '../i18n.js';
import { notice } from '../ui.js';
import { importDialog } from './importpreview.js';

const PATH = '/api/v1/rubrics/import?save=0';
const TYPES = ['.json', '.csv', '.xlsx'];

/* Counts of a rubric tree: {areas, nodes, leaves, bonus, deduction, veto, bands}. */
export function rubricCounts(r) {
  const c = { areas: 0, nodes: 0, leaves: 0, bonus: 0, deduction: 0, veto: 0, bands: 0 };
  const walk = (list) => (Array.isArray(list) ? list : []).forEach((n) => {
    c.nodes += 1;
    if (Array.isArray(n.children) && n.children.length) walk(n.children);
    else c.leaves += 1;
  });
  const areas = Array.isArray(r && r.areas) ? r.areas : [];
  c.areas = areas.length;
  walk(areas);
  for (const k of ['bonus', 'deduction', 'veto']) c[k] = Array.isArray(r && r[k]) ? r[k].length : 0;
  c.bands = Array.isArray(r && r.grade_bands) ? r.grade_bands.length : 0;
  return c;
}

/* Opens the dialog. dlg.closed resolves to {reply, file} or undefined. */
export function rubricImportDialog() {
  let picked = null; // {reply, file}
  const imp = importDialog({
    id: 'rubric-import', noteId: 'rubric-import-note', title: t('rubricImport.title'), size: 'lg',
    submitText: t('rubricImport.open'), working: t('rubricImport.checking'),
    explain: [
      h('p', { class: 'dlg-intro' }, t('rubricImport.intro')),
      h('ul', { class: 'import-rules' },
        ['rule1', 'rule2', 'rule3'].map((k) => h('li', null, icon('check'), h('span', null, t('rubricImport.' + k)))))],
    drop: {
      types: TYPES, iconName: 'indicators', problemId: 'rubric-import-error',
      typeHints: { '.xls': 'rubricImport.oldExcel', '.et': 'rubricImport.oldExcel', '.doc': 'rubricImport.useDraft', '.docx': 'rubricImport.useDraft', '.pdf': 'rubricImport.useDraft', '.txt': 'rubricImport.useDraft' },
      title: t('rubricImport.dropTitle'), hint: t('rubricImport.dropHint'),
    },
    alertOnTop: false,
    previewPath: PATH,
    onError: (err, f) => {
      const text = err.code === 'E_NETWORK' ? t('upload.network') : errorText(err);
      imp.note(notice('error', [
        h('p', { class: 'notice-strong' }, t('rubricImport.unreadable', { name: f.name })),
        h('p', { id: 'rubric-import-detail' }, text)], { id: 'rubric-import-error' }));
      imp.zone.el.querySelector('button').focus();
    },
    onPreview: (reply, f) => {
      if (!reply || !reply.rubric) {
        imp.note(notice('error', t('err.unknown'), { id: 'rubric-import-error' }));
        return;
      }
      picked = { reply, file: f.name };
      renderPreview(f, reply);
    },
    onSubmit: async () => (picked ? picked : false),
  });
  const { dlg, previewBox } = imp;

  function renderPreview(f, reply) {
    const r = reply.rubric;
    const c = rubricCounts(r);
    const p = reply.problem;
    replace(previewBox,
      imp.fileLine(f, {
        detail: formatSize(f.size) + ' · ' + t('rubricImport.format.' + (['json', 'csv', 'xlsx'].includes(reply.format) ? reply.format : 'csv')),
        again: imp.again(t('rubricImport.again'), () => { picked = null; }),
      }),
      h('dl', { class: 'facts', id: 'rubric-import-facts' },
        h('dt', null, t('rubrics.col.name')), h('dd', null, r.name || t('rubricImport.noName')),
        h('dt', null, t('rubrics.totalPoints')), h('dd', null, typeof r.total_points === 'number' ? t('rubrics.points', { n: r.total_points }) : '—'),
        h('dt', null, t('rubricImport.structure')), h('dd', { id: 'rubric-import-counts' }, t('rubricImport.counts', c))),
      p ? notice('warn', [h('p', { class: 'notice-strong' }, t('rubricImport.problem')), h('p', { id: 'rubric-import-problem' }, p.detail || p.field || '')], { id: 'rubric-import-state' })
        : notice('ok', t('rubricImport.ready'), { id: 'rubric-import-state' }));
    imp.showPreview();
    dlg.submitButton.focus();
  }

  return dlg;
}
