// web/js/views/reportparts.js — pieces shared by the upload page and the report view: what
// the daemon found in a report and the list of its versions.
// Owns: reportPath() (the API path of a unit's report in a cycle), sectionList() (the five
// parts S1–S5 with ✓ found — by heading, with the heading's text, or by content — or ✗
// missing; S5 is optional, so its absence is neutral), warningList() (the structure warnings
// as an alert list), reportFacts() (title, year, unit, characters, paragraphs as detected),
// versionsTable() (版本, 文件名, 格式, 大小, 上传时间, 上传人, 补交, 查看, 下载原文件 — a plain
// link to …/versions/{n}/file, which answers with Content-Disposition: attachment).

import { h, icon } from '../dom.js';
import { t, formatDateTime, formatSize } from '../i18n.js';
import { badge } from '../ui.js';

/* "api/v1/cycles/3/units/YL-SFJ/report" (relative, as api.js and links want it). */
export function reportPath(cycleId, unitCode) {
  return `api/v1/cycles/${encodeURIComponent(cycleId)}/units/${encodeURIComponent(unitCode)}/report`;
}

/* "#/cycles/3/units/YL-SFJ/report" (+ "?v=2" for an older version). */
export function reportHref(cycleId, unitCode, version) {
  return `#/cycles/${encodeURIComponent(cycleId)}/units/${encodeURIComponent(unitCode)}/report` +
    (version ? '?v=' + version : '');
}

export const formatName = (f) => (f ? String(f).toUpperCase() : '—');

const uploader = (u) => (u ? u.display_name || u.login || '—' : '—');

/* The five parts. opts.onJump(section) makes found parts clickable (the report view). */
export function sectionList(report, { onJump, id } = {}) {
  const sections = Array.isArray(report.sections) ? report.sections : [];
  return h('ul', { class: 'section-list', id: id || null },
    sections.map((s) => {
      const optional = s.code === 'S5';
      const state = s.found ? 'found' : optional ? 'optional' : 'missing';
      const how = s.found
        ? t(s.by === 'content' ? 'report.section.byContent' : 'report.section.byHeading')
        : t(optional ? 'report.section.optional' : 'report.section.missing');
      const name = onJump && s.found
        ? h('button', { type: 'button', class: 'link-btn section-jump', onclick: () => onJump(s) }, s.name)
        : h('span', { class: 'section-name' }, s.name);
      return h('li', { class: 'section-item is-' + state, 'data-section': s.code, 'data-found': String(!!s.found) },
        h('span', { class: 'section-mark', 'aria-hidden': 'true' }, s.found ? '✓' : optional ? '–' : '✗'),
        h('span', { class: 'section-body' },
          h('span', { class: 'section-title-line' }, name,
            h('span', { class: 'visually-hidden' }, '：'),
            h('span', { class: 'section-how' }, how)),
          s.found && s.heading ? h('span', { class: 'section-heading' }, s.heading) : null));
    }));
}

/* The warnings as a warn notice with a list; null when there are none. */
export function warningList(report, { id } = {}) {
  const ws = Array.isArray(report.warnings) ? report.warnings : [];
  if (!ws.length) return null;
  return h('div', { class: 'notice notice-warn warning-box', role: 'alert', id: id || null },
    icon('alert'),
    h('div', { class: 'notice-text' },
      h('p', { class: 'notice-strong' }, t('report.warnings', { count: ws.length })),
      h('ul', { class: 'warning-list' }, ws.map((w) => h('li', { 'data-code': w.code, 'data-part': w.part || null }, w.message)))));
}

/* What was detected: title, year, unit, characters, paragraphs. */
export function reportFacts(report) {
  const none = () => h('span', { class: 'text-subtle' }, t('report.notDetected'));
  return h('dl', { class: 'facts report-facts' },
    h('dt', null, t('report.fact.title')), h('dd', { 'data-fact': 'title' }, report.title || none()),
    h('dt', null, t('report.fact.year')), h('dd', { 'data-fact': 'year' }, report.year ? String(report.year) : none()),
    h('dt', null, t('report.fact.unit')), h('dd', { 'data-fact': 'unit' }, report.unit_name || none()),
    h('dt', null, t('report.fact.chars')), h('dd', { 'data-fact': 'chars' },
      t('report.fact.charsValue', { chars: report.chars ?? 0, paragraphs: report.paragraphs ?? 0 })));
}

/* The versions table. versions: newest first. opts: { cycleId, unitCode, viewing: the
 * version shown (marked), showView: offer 查看 links }. */
export function versionsTable(versions, { cycleId, unitCode, viewing = null, showView = true } = {}) {
  const base = reportPath(cycleId, unitCode);
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'table table-versions', id: 'versions-table' },
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, t('versions.col.version')),
        h('th', { scope: 'col' }, t('versions.col.filename')),
        h('th', { scope: 'col' }, t('versions.col.format')),
        h('th', { scope: 'col' }, t('versions.col.size')),
        h('th', { scope: 'col' }, t('versions.col.time')),
        h('th', { scope: 'col' }, t('versions.col.by')),
        h('th', { scope: 'col' }, t('versions.col.late')),
        h('th', { scope: 'col', class: 'col-actions' }, t('common.actions')))),
      h('tbody', null, versions.map((v) => h('tr', {
        'data-version': String(v.version), class: viewing === v.version ? 'is-current' : null,
      },
      h('td', { class: 'cell-version' }, t('versions.version', { version: v.version }),
        v.current ? h('span', { class: 'tag-self' }, t('versions.current')) : null),
      h('td', { class: 'cell-file' }, v.filename || '—'),
      h('td', null, formatName(v.format)),
      h('td', { class: 'cell-num' }, formatSize(v.size)),
      h('td', { class: 'cell-time' }, formatDateTime(v.uploaded_at)),
      h('td', null, uploader(v.uploaded_by)),
      h('td', null, v.late ? badge(t('versions.late'), 'warn') : h('span', { class: 'text-subtle' }, '—')),
      h('td', { class: 'cell-actions' },
        showView ? h('a', { class: 'btn btn-link', href: reportHref(cycleId, unitCode, v.current ? null : v.version), 'data-action': 'view' },
          t('versions.view')) : null,
        h('a', {
          class: 'btn btn-link', href: `${base}/versions/${v.version}/file`, download: v.filename || true,
          'data-action': 'download', 'aria-label': t('versions.downloadOf', { version: v.version }),
        }, icon('download'), t('versions.download'))))))));
}
