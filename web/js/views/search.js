// web/js/views/search.js — 全文检索 (#/search?q=…&cycle=…&kind=…&offset=…, every role):
// full-text search over the current versions of the reports the person may read.
// Owns: the query form (words separated by spaces must all occur; the cycle filter from
// GET /api/v1/cycles, the kind filter from GET /api/v1/unit-kinds, not shown to a unit user,
// who only ever finds the own unit); the state lives in the route, so Back and the header's
// search box work; the results of GET /api/v1/search (total, cycle, unit, version, the
// snippet whose hits come wrapped in U+0002 … U+0003 and are rendered as <mark> by splitting
// the string), the order the server used ("relevance", or "recent" = newest stored first when
// more reports match than the server ranks), paging (a "total_capped" total is "超过 N 份": the
// pager then shows the page number only, and a next page exists), and the empty state
// "未找到包含“…”的报告". A result opens the report view with the words highlighted.

import { h, icon, replace } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { button, notice } from '../ui.js';
import { unitKinds } from '../unitpicker.js';
import { pageHead } from './page.js';
import { reportHref } from './reportparts.js';

const PAGE_SIZE = 20;
const START = '\u0002';
const END = '\u0003';
const EXAMPLES = ['法律顾问', '行政复议', '行政执法', '合法性审查'];

/* The snippet as nodes: text, and <mark> for each hit. Line breaks become spaces. */
export function snippetNodes(snippet) {
  const s = String(snippet || '').replace(/\s*\n\s*/g, ' ');
  const out = [];
  const parts = s.split(START);
  if (parts[0]) out.push(parts[0]);
  for (const part of parts.slice(1)) {
    const k = part.indexOf(END);
    if (k < 0) { out.push(h('mark', null, part)); continue; }
    out.push(h('mark', null, part.slice(0, k)));
    const rest = part.slice(k + 1).split(END).join('');
    if (rest) out.push(rest);
  }
  return out;
}

/* The route for a search (empty values left out). */
function searchPath({ q, cycle, kind, offset }) {
  const p = new URLSearchParams();
  if (q) p.set('q', q);
  if (cycle) p.set('cycle', cycle);
  if (kind) p.set('kind', kind);
  if (offset) p.set('offset', String(offset));
  const s = p.toString();
  return '/search' + (s ? '?' + s : '');
}

/* ctx: { user, route, refreshCycles }. */
export function searchView({ user, route, refreshCycles }) {
  const query = route.query;
  const cur = {
    q: (query.get('q') || '').trim(),
    cycle: /^\d+$/.test(query.get('cycle') || '') ? query.get('cycle') : '',
    kind: query.get('kind') || '',
    offset: Math.max(0, parseInt(query.get('offset') || '0', 10) || 0),
  };
  const withKind = user.role !== 'unit';

  const qInput = h('input', {
    type: 'search', id: 'search-q', class: 'control search-q', maxlength: '200', autocomplete: 'off',
    placeholder: t('search.placeholder'), value: cur.q,
  });
  const cycleSel = h('select', { id: 'search-cycle', class: 'control' }, h('option', { value: '' }, t('search.allCycles')));
  const kindSel = withKind ? h('select', { id: 'search-kind', class: 'control' }, h('option', { value: '' }, t('units.filter.allKinds'))) : null;
  const formError = h('div', { class: 'form-error', role: 'alert', id: 'search-error' });

  const submit = (ev) => {
    if (ev) ev.preventDefault();
    const q = qInput.value.trim();
    if (!q) {
      replace(formError, icon('alert'), h('span', null, t('search.required')));
      qInput.focus();
      return;
    }
    navigate(searchPath({ q, cycle: cycleSel.value, kind: kindSel ? kindSel.value : '', offset: 0 }));
  };
  const refilter = () => { if (cur.q) submit(); };
  cycleSel.addEventListener('change', refilter);
  if (kindSel) kindSel.addEventListener('change', refilter);

  const form = h('form', { class: 'search-form panel', role: 'search', 'aria-label': t('nav.search'), onsubmit: submit },
    h('div', { class: 'search-main' },
      h('label', { class: 'visually-hidden', for: 'search-q' }, t('search.label')),
      h('div', { class: 'search-box search-box-lg' }, icon('search'), qInput),
      button(t('search.submit'), { type: 'submit', kind: 'primary', id: 'search-submit', icon: 'search' })),
    h('div', { class: 'search-filters' },
      h('label', { class: 'toolbar-label', for: 'search-cycle' }, t('search.cycle')), cycleSel,
      kindSel ? [h('label', { class: 'toolbar-label', for: 'search-kind' }, t('units.col.kind')), kindSel] : null,
      h('span', { class: 'search-tip' }, icon('info'), t(user.role === 'unit' ? 'search.tipUnit' : 'search.tip'))),
    formError);

  const results = h('section', { class: 'search-results', id: 'search-results', 'aria-live': 'polite', 'aria-label': t('search.results') });

  async function fillFilters() {
    try {
      const cycles = await refreshCycles();
      cycleSel.append(...cycles.map((c) => h('option', { value: String(c.id), selected: String(c.id) === cur.cycle }, c.title)));
      cycleSel.value = cur.cycle;
    } catch { /* the filter stays "全部" */ }
    if (kindSel) {
      try {
        const kinds = await unitKinds();
        kindSel.append(...kinds.map((k) => h('option', { value: k.code, selected: k.code === cur.kind }, k.name)));
        kindSel.value = cur.kind;
      } catch { /* idem */ }
    }
  }

  function item(r) {
    return h('li', { class: 'result', 'data-unit': r.unit.code, 'data-cycle': String(r.cycle.id) },
      h('a', { class: 'result-link', href: reportHref(r.cycle.id, r.unit.code) + '?q=' + encodeURIComponent(cur.q) },
        h('span', { class: 'result-head' },
          h('span', { class: 'result-unit' }, r.unit.name),
          r.unit.kind_name ? h('span', { class: 'result-kind' }, r.unit.kind_name) : null,
          h('span', { class: 'result-cycle' }, r.cycle.title),
          h('span', { class: 'result-version' }, t('versions.version', { version: r.version }))),
        h('span', { class: 'result-snippet' }, snippetNodes(r.snippet))));
  }

  async function load() {
    if (!cur.q) {
      replace(results, h('div', { class: 'panel empty empty-lg search-intro' },
        icon('search', 'empty-icon'),
        h('p', { class: 'empty-title' }, t('search.introTitle')),
        h('p', { class: 'empty-hint' }, t('search.introHint')),
        h('p', { class: 'search-examples' }, h('span', { class: 'text-muted' }, t('search.examples')),
          EXAMPLES.map((w) => h('a', { class: 'chip', href: '#' + searchPath({ q: w }) }, w)))));
      return;
    }
    replace(results, h('p', { class: 'card-loading' }, t('app.loading')));
    const params = new URLSearchParams({ q: cur.q, limit: String(PAGE_SIZE), offset: String(cur.offset) });
    if (cur.cycle) params.set('cycle', cur.cycle);
    if (withKind && cur.kind) params.set('kind', cur.kind);
    let reply;
    try {
      reply = await api.get('/api/v1/search?' + params);
    } catch (err) {
      replace(results, notice('error', errorText(err), { id: 'search-failed' }));
      return;
    }
    const list = reply && Array.isArray(reply.results) ? reply.results : [];
    const total = reply && Number.isInteger(reply.total) ? reply.total : list.length;
    if (!list.length) {
      replace(results, h('div', { class: 'panel empty empty-lg', id: 'search-empty' },
        icon('empty', 'empty-icon'),
        h('p', { class: 'empty-title' }, t('search.none', { q: cur.q })),
        h('p', { class: 'empty-hint' }, t(cur.cycle || cur.kind ? 'search.noneFiltered' : 'search.noneHint'))));
      return;
    }
    const capped = reply.total_capped === true;
    const order = reply.order === 'recent' ? 'recent' : 'relevance';
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const page = Math.floor(cur.offset / PAGE_SIZE) + 1;
    const go = (offset) => navigate(searchPath({ ...cur, offset }));
    const prev = button(t('pager.prev'), { id: 'search-prev', onclick: () => go(Math.max(0, cur.offset - PAGE_SIZE)) });
    const next = button(t('pager.next'), { id: 'search-next', onclick: () => go(cur.offset + PAGE_SIZE) });
    prev.disabled = cur.offset === 0;
    next.disabled = !capped && cur.offset + PAGE_SIZE >= total;
    const range = { from: cur.offset + 1, to: cur.offset + list.length, total };
    replace(results,
      h('p', { class: 'search-total', id: 'search-total', 'data-total': String(total), 'data-capped': String(capped) },
        t(capped ? 'search.totalMore' : 'search.total', { total, q: cur.q })),
      h('p', { class: 'search-order', id: 'search-order', 'data-order': order },
        icon('info'), t(order === 'recent' ? 'search.orderRecent' : 'search.orderRelevance')),
      h('ol', { class: 'result-list', id: 'search-list', start: String(cur.offset + 1) }, list.map(item)),
      capped || pages > 1 ? h('div', { class: 'pager' }, h('span', null, t(capped ? 'search.rangeMore' : 'search.range', range)),
        h('div', { class: 'pager-nav' }, prev, h('span', { class: 'pager-page' },
          capped ? t('search.pageOnly', { page }) : t('pager.page', { page, pages })), next)) : null);
  }

  fillFilters();
  load();

  return {
    title: cur.q ? t('search.titleOf', { q: cur.q }) : t('nav.search'),
    node: h('div', { class: 'page page-search', 'data-page': 'search' },
      pageHead(t('nav.search'), t('page.search.desc')),
      form,
      results),
    focus: cur.q ? null : () => qInput.focus(),
  };
}
