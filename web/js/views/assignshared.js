// web/js/views/assignshared.js — small pieces shared by the 评审分配 page's modules
// (assignments.js, assignprogress.js, assignconflicts.js, autoassign.js).
// Owns: the badge of a sheet's status (未开始 / 评分中 / 已提交 / 已回避); the three-part bar of
// a progress (已提交 green, 评分中 blue, 未开始 grey; widths through the CSSOM as the CSP
// wants, one text label for assistive technology); a pager over a list held in the browser
// (so a cycle of thousands of units never puts thousands of rows into the page) and one over
// a list the server pages (the results page's); and the
// phases in which assignments may still change. copyText is ui.js's, passed on here for
// assignprogress.js.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { badge, button } from '../ui.js';

/* ui.js copyText(text, area): the text to the clipboard, else into area, selected. */
export { copyText } from '../ui.js';

/* The phases in which the office may still change who reviews what. */
export const EDITABLE_PHASES = ['draft', 'submission', 'review'];

const STATUS_KIND = { assigned: 'off', in_progress: 'info', submitted: 'ok', recused: 'warn' };

/* The badge of an assignment status ("assigned" | "in_progress" | "submitted" | "recused"). */
export function statusBadge(status) {
  const el = badge(t('assign.status.' + status), STATUS_KIND[status] || 'off');
  el.dataset.status = status;
  return el;
}

/* A bar in three parts for counts {submitted, in_progress, not_started}; labelText names it
 * for screen readers (the numbers are added). */
export function stackBar(counts, labelText, attrs = {}) {
  const parts = [
    ['submitted', counts.submitted || 0],
    ['in_progress', counts.in_progress || 0],
    ['not_started', counts.not_started || 0],
  ];
  const total = parts.reduce((s, [, n]) => s + n, 0);
  const label = t('assign.bar.label', {
    label: labelText, submitted: parts[0][1], in_progress: parts[1][1], not_started: parts[2][1],
  });
  const bar = h('div', { class: 'stack-bar', role: 'img', 'aria-label': label, title: label, ...attrs });
  for (const [name, n] of parts) {
    if (!n) continue;
    const seg = h('span', { class: 'stack-seg seg-' + name, 'data-seg': name });
    seg.style.width = (total ? (n / total) * 100 : 0) + '%';
    bar.append(seg);
  }
  return bar;
}

/* The legend of stackBar's colours. */
export function stackLegend() {
  return h('ul', { class: 'stack-legend', 'aria-hidden': 'true' },
    ['submitted', 'in_progress', 'not_started'].map((n) =>
      h('li', null, h('span', { class: 'stack-dot seg-' + n }), t('assign.bar.' + n))));
}

/* The pager of a list the server pages ("共 N 项", 上一页 / 第 x / y 页 / 下一页; hidden when
 * everything fits one page). onPage(offset) loads another page; show(total, offset, size)
 * updates it after a page arrived. */
export function serverPager({ id, onPage }) {
  let offset = 0;
  let size = 25;
  const text = h('span', { class: 'pager-page', id: id + '-page' });
  const count = h('span', { class: 'pager-count' });
  const prev = button(t('pager.prev'), { id: id + '-prev', onclick: () => onPage(Math.max(0, offset - size)) });
  const next = button(t('pager.next'), { id: id + '-next', onclick: () => onPage(offset + size) });
  const el = h('div', { class: 'pager pager-sm', id, hidden: true }, count, h('div', { class: 'pager-nav' }, prev, text, next));
  return {
    el,
    show(total, off, sz) {
      offset = off;
      size = sz;
      const pages = Math.max(1, Math.ceil(total / size));
      const page = Math.min(pages, Math.floor(offset / size) + 1);
      el.hidden = pages <= 1;
      text.textContent = t('pager.page', { page, pages });
      count.textContent = t('assign.pager.count', { count: total });
      prev.disabled = offset === 0;
      next.disabled = offset + size >= total;
    },
  };
}

/* A pager over a list in memory, with serverPager's controls. opts: { id, size, onPage() }
 * (called after a page change). Returns { el, slice(list) → the items of the current page (and
 * updates the counts; the page is moved back when the list got shorter), reset() → first
 * page }. */
export function localPager({ id, size, onPage }) {
  let offset = 0;
  const pager = serverPager({ id, onPage: (off) => { offset = off; onPage(); } });
  return {
    el: pager.el,
    reset() { offset = 0; },
    slice(list) {
      const last = Math.max(0, Math.ceil(list.length / size) - 1) * size;
      offset = Math.min(Math.max(0, offset), last);
      pager.show(list.length, offset, size);
      return list.slice(offset, offset + size);
    },
  };
}

/* "姓名（login）", or the login alone when there is no name. */
export function personLabel(login, name) {
  return name ? `${name}（${login}）` : login;
}
