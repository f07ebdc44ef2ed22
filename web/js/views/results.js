// web/js/views/results.js — 考核结果 (#/results?cycle=ID[&method=M][&tab=T], admin): a cycle's
// results as the assessment office defends, publishes and hands them around; and the route
// to a unit's trace (#/results/UNIT?cycle=ID, resulttrace.js).
// Owns, from GET /api/v1/cycles/{id}/results[?method=] (server/results.h):
//  - the cycle picker (the newest cycle in 评审 / 公示 / 已结束 by default; ?cycle=ID keeps the
//    choice across reloads), the method switcher (平均分 / 中位数 / 去高低平均 / 校正平均, the
//    cycle's official one marked 官方; a non-official choice lives in ?method=), and the
//    downloads 导出 Excel / CSV / JSON (links to the export routes with the method shown);
//  - the summary: counts (units, ranked, no sheets, sheets, reviewers), the grade distribution
//    (each band's count / quota limit) and the engine's notes;
//  - four tabs (?tab=): 排名 — the ranking table (rank with ties, unit, kind, rank in kind,
//    total, one compact column per area, grade with 待定 at a quota's border and the veto code,
//    disputed leaves, sheets), filtered by kind and by a search in unit names and codes, 25 / 50
//    a page, each row linking to the unit's trace; 分歧较大的指标 — the flagged unit × indicator
//    pairs; 汇总方法影响 — the units whose grade differs under another method. The three
//    lists come a page at a time from the server (?part=&limit=&offset=&kind=&q=: a national
//    cycle has 50,000 units); the summary comes with the ranking's first page; 评审统计
//    (resultstats.js, loaded when first opened); 复核申请 — the units' appeals with 指派复核 and
//    作出决定 (resultappeals.js, loaded when opened; a decision reloads the ranking).
// A cycle before the review phase (409 E_NOT_OPEN) and a cycle without any submitted sheet
// ("empty") get a clear message instead of the tables.

import { h, icon, replace } from '../dom.js';
import { t, errorMessage } from '../i18n.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { button, badge, notice, messageRow, progressBar } from '../ui.js';
import { pageHead } from './page.js';
import { phaseBadge } from './cycles.js';
import {
  METHODS, resultsCycle, officialMethod, num, total, rankText, gradeBadge, gradeContent, resultsHash,
  exportHref, kindNames, tabs,
} from './resultshared.js';
import { serverPager } from './assignshared.js';
import { statsPart } from './resultstats.js';
import { appealsPart } from './resultappeals.js';
import { resultTraceView } from './resulttrace.js';

const TABS = ['ranking', 'disagreements', 'sensitivity', 'statistics', 'appeals'];
const PAGE_SIZES = [25, 50];
const SMALL_PAGE = 25;

/* The view of a path below #/results (ctx.route.segments[0] is "results"), or null. */
export function resultsRoute(ctx) {
  const s = ctx.route.segments;
  if (s.length === 1) return resultsView(ctx);
  if (s.length === 2) return resultTraceView({ ...ctx, unitCode: ctx.decodeSeg(s[1]) });
  return null;
}

function resultsView({ refreshCycles, route }) {
  const q = route.query;
  const wantedText = q.get('cycle');
  const wanted = /^\d+$/.test(wantedText || '') ? Number(wantedText) : null;
  let method = METHODS.includes(q.get('method')) ? q.get('method') : null; // null: the official
  let tab = TABS.includes(q.get('tab')) ? q.get('tab') : 'ranking';
  let cycles = [];
  let cycle = null;
  let data = null;   // R, or null before it is loaded
  let kinds = new Map();
  let seq = 0;

  const status = h('div', { class: 'page-status', id: 'results-status', role: 'status' });
  const say = (kind, text) => replace(status, notice(kind, text));
  const shownMethod = () => method || officialMethod(cycle);
  const setUrl = () => history.replaceState(history.state, '', resultsHash(cycle.id, { method, tab }));

  // ─── cycle bar: picker, method, downloads ───
  const cycleBar = h('section', { class: 'panel panel-pad cycle-bar results-bar', 'aria-label': t('results.cycleBar') },
    h('p', { class: 'card-loading' }, t('app.loading')));
  const methodGroup = h('div', { class: 'method-switch', role: 'group', 'aria-labelledby': 'results-method-label', id: 'results-method' });
  const downloads = h('div', { class: 'results-downloads', id: 'results-downloads' });

  function renderBar() {
    const sel = h('select', { id: 'results-cycle', class: 'control' },
      cycles.map((c) => h('option', { value: String(c.id), selected: c.id === cycle.id },
        t('assign.cycleOption', { title: c.title, phase: t('phase.' + c.phase) }))));
    sel.addEventListener('change', () => navigate('/results?cycle=' + sel.value));
    replace(cycleBar,
      h('div', { class: 'cycle-bar-top' },
        h('div', { class: 'cycle-pick' }, h('label', { class: 'toolbar-label', for: 'results-cycle' }, t('assign.cycle')), sel),
        phaseBadge(cycle.phase),
        h('a', { href: '#/cycles/' + cycle.id, class: 'btn btn-link', id: 'results-cycle-link' }, t('results.settingsLink'))),
      h('div', { class: 'results-bar-row' },
        h('div', { class: 'method-pick' },
          h('span', { class: 'toolbar-label', id: 'results-method-label' }, t('results.method')), methodGroup),
        downloads));
    renderMethods();
  }

  function renderMethods() {
    const official = officialMethod(cycle);
    const now = shownMethod();
    replace(methodGroup, METHODS.map((m) => h('button', {
      type: 'button', class: 'method-btn' + (m === now ? ' is-on' : ''), 'data-method': m,
      'aria-pressed': String(m === now), title: t('results.methodHint.' + m),
      onclick: () => switchMethod(m),
    }, t('results.method.' + m), m === official ? h('span', { class: 'method-official' }, t('results.official')) : null)));
    const m = method && method !== official ? method : null;
    replace(downloads, h('span', { class: 'toolbar-label' }, t('results.export')),
      [['xlsx', 'results.exportXlsx'], ['csv', 'results.exportCsv'], ['json', 'results.exportJson']].map(([f, key]) =>
        h('a', { class: 'btn btn-secondary btn-sm', href: exportHref(cycle.id, f, m), download: '', id: 'results-export-' + f, 'data-format': f },
          icon('download'), h('span', { class: 'btn-label' }, t(key)))));
  }

  function switchMethod(m) {
    const official = officialMethod(cycle);
    const next = m === official ? null : m;
    if (next === method && data) return;
    method = next;
    setUrl();
    renderMethods();
    load();
  }

  // ─── summary ───
  const summary = h('section', { class: 'panel panel-pad results-summary', id: 'results-summary', 'aria-labelledby': 'results-summary-title' },
    h('h2', { class: 'section-title', id: 'results-summary-title' }, t('results.summary')),
    h('p', { class: 'card-loading' }, t('app.loading')));

  function renderSummary() {
    const c = data.counts || {};
    const fact = (key, n, id) => h('div', { class: 'stat', id },
      h('span', { class: 'stat-value' }, String(n ?? 0)), h('span', { class: 'stat-label' }, t(key)));
    const bands = Array.isArray(data.grades) ? data.grades : [];
    const ranked = c.ranked || 0;
    const notes = Array.isArray(data.notes) ? data.notes : [];
    replace(summary,
      h('h2', { class: 'section-title', id: 'results-summary-title' },
        t('results.summaryOf', { method: t('results.method.' + data.method) })),
      h('div', { class: 'results-summary-grid' },
        h('div', { class: 'stat-row', id: 'results-counts' },
          fact('results.count.units', c.units, 'results-count-units'),
          fact('results.count.ranked', c.ranked, 'results-count-ranked'),
          fact('results.count.noSheets', c.no_sheets, 'results-count-nosheets'),
          fact('results.count.sheets', c.sheets, 'results-count-sheets'),
          fact('results.count.reviewers', c.reviewers, 'results-count-reviewers')),
        h('div', { class: 'grade-dist', id: 'results-grades' },
          h('h3', { class: 'sub-title' }, t('results.grades')),
          bands.length ? h('ul', { class: 'grade-list' }, bands.map((b) => h('li', { 'data-grade': b.name },
            h('span', { class: 'grade-name' }, gradeBadge(b.name, bands)),
            progressBar(b.count || 0, ranked || 1, t('results.gradeBar', { grade: b.name, count: b.count || 0, ranked })),
            h('span', { class: 'grade-count' }, b.limit != null
              ? t('results.gradeLimit', { count: b.count || 0, limit: b.limit, share: Math.round((b.max_share || 0) * 1000) / 10 })
              : t('results.gradeCount', { count: b.count || 0 })))))
            : h('p', { class: 'text-muted' }, t('results.noBands')))),
      notes.length ? h('div', { class: 'results-notes', id: 'results-notes' },
        h('h3', { class: 'sub-title' }, t('results.notes')),
        h('ul', null, notes.map((n) => h('li', null, icon('info'), h('span', null, n))))) : null);
  }

  // ─── tabs ───
  const tabSet = tabs(TABS, {
    prefix: 'results', current: tab, label: t('results.tabs'),
    text: (id) => t('results.tab.' + id),
    onSelect: (id) => { tab = id; setUrl(); if (id === 'statistics') stats.load(cycle); if (id === 'appeals') appeals.load(cycle); },
  });
  const tabsEl = h('section', { class: 'panel results-tabs', id: 'results-tabs', 'aria-label': t('results.tabs') },
    tabSet.list, ...TABS.map((id) => tabSet.panels[id]));

  // ranking: the server pages, filters and searches (a national cycle has 50,000 units)
  const kindFilter = h('select', { id: 'results-kind', class: 'control' });
  const search = h('input', {
    id: 'results-q', class: 'control', type: 'search', placeholder: t('results.searchHint'),
    'aria-label': t('results.search'), autocomplete: 'off',
  });
  const sizeSel = h('select', { id: 'results-size', class: 'control' },
    PAGE_SIZES.map((n) => h('option', { value: String(n) }, t('results.perPage', { count: n }))));
  const countText = h('span', { class: 'table-count', id: 'results-table-count' });
  const rank = { items: [], total: 0, offset: 0 };
  const pager = serverPager({ id: 'results-pager', onPage: (off) => loadRanking(off) });
  kindFilter.addEventListener('change', () => loadRanking(0));
  sizeSel.addEventListener('change', () => loadRanking(0));
  let searchTimer = null;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => loadRanking(0), 250);
  });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { clearTimeout(searchTimer); loadRanking(0); }
  });
  const rankHead = h('thead');
  const rankBody = h('tbody');
  replace(tabSet.panels.ranking,
    h('div', { class: 'toolbar toolbar-in-panel' },
      h('div', { class: 'toolbar-filters' },
        h('label', { class: 'toolbar-label', for: 'results-kind' }, t('results.col.kind')), kindFilter,
        search,
        h('label', { class: 'toolbar-label', for: 'results-size' }, t('results.pageSize')), sizeSel),
      countText),
    h('div', { class: 'table-wrap results-table-wrap', tabindex: '0', 'aria-label': t('results.tableScroll') },
      h('table', { class: 'table table-compact results-table', id: 'results-table' }, rankHead, rankBody)),
    pager.el);

  const kindName = (k) => (k == null ? t('results.kindNone') : kinds.get(k) || k);
  const areaCols = () => (Array.isArray(data.areas) ? data.areas : []);
  const names = new Map(); // unit code → name, from every page seen (statistics shows names)
  const remember = (list) => list.forEach((x) => { if (x.name) names.set(x.code || x.unit, x.name); });

  /* GET a page of PART (units / disagreements / sensitivity) of the shown cycle's results. */
  function pageUrl(part, offset, limit, filters = {}) {
    const p = new URLSearchParams();
    if (method) p.set('method', method);
    p.set('part', part);
    p.set('limit', String(limit));
    p.set('offset', String(offset));
    for (const [k, v] of Object.entries(filters)) if (v) p.set(k, v);
    return `/api/v1/cycles/${cycle.id}/results?` + p.toString();
  }
  const rankFilters = () => ({ kind: kindFilter.value, q: search.value.trim() });

  function renderRankHead() {
    replace(rankHead, h('tr', null,
      h('th', { scope: 'col', class: 'col-rank' }, t('results.col.rank')),
      h('th', { scope: 'col' }, t('results.col.unit')),
      h('th', { scope: 'col' }, t('results.col.kind')),
      h('th', { scope: 'col', class: 'col-count' }, t('results.col.rankInKind')),
      h('th', { scope: 'col', class: 'col-count' }, t('results.col.total')),
      areaCols().map((a, i) => h('th', { scope: 'col', class: 'col-area', title: t('results.areaTip', { name: a.name, max: num(a.max) }) },
        h('span', { 'aria-hidden': 'true' }, t('results.areaShort', { n: i + 1 })),
        h('span', { class: 'visually-hidden' }, a.name))),
      h('th', { scope: 'col' }, t('results.col.grade')),
      h('th', { scope: 'col', class: 'col-count' }, t('results.col.disputed')),
      h('th', { scope: 'col', class: 'col-count' }, t('results.col.sheets'))));
  }

  function unitRow(u) {
    const href = resultsHash(cycle.id, { method, unit: u.code });
    const none = u.status === 'no_sheets';
    const disputed = Array.isArray(u.disputed) ? u.disputed.length : 0;
    const areas = Array.isArray(u.areas) ? u.areas : [];
    return h('tr', { 'data-unit': u.code, 'data-rank': u.rank == null ? '' : String(u.rank), class: none ? 'is-muted' : null },
      h('td', { class: 'cell-rank' }, rankText(u.rank, u.tied)),
      h('td', null, h('a', { href, class: 'cell-unit unit-link', 'aria-label': t('results.traceOf', { unit: u.name }) },
        h('span', { class: 'cell-name' }, u.name), h('code', { class: 'unit-code' }, u.code))),
      h('td', { class: 'cell-kind' }, kindName(u.kind)),
      h('td', { class: 'cell-num' }, rankText(u.rank_in_kind, u.tied_in_kind)),
      h('td', { class: 'cell-num cell-total' }, none ? badge(t('results.noSheets'), 'off') : total(u.total)),
      areaCols().map((a, i) => h('td', { class: 'cell-num cell-area' }, none ? '' : num(areas[i]))),
      h('td', { class: 'cell-grade' }, none ? h('span', { class: 'text-subtle' }, '—') : gradeContent(u, data.grades)),
      h('td', { class: 'cell-num' + (disputed ? ' is-warn' : '') }, disputed ? String(disputed) : h('span', { class: 'text-subtle' }, '0')),
      h('td', { class: 'cell-num' }, String(u.sheets || 0)));
  }

  function renderRanking() {
    if (!data) return;
    const cols = 8 + areaCols().length;
    const all = (data.parts && data.parts.units) || 0;
    countText.textContent = t('results.tableCount', { shown: rank.total, units: all });
    const filtered = kindFilter.value || search.value.trim();
    replace(rankBody, ...(rank.items.length ? rank.items.map(unitRow)
      : [messageRow(cols, filtered ? t('results.noUnitsFound') : t('results.noUnitsOfKind'))]));
    pager.show(rank.total, rank.offset, Number(sizeSel.value));
  }

  let rankSeq = 0;
  /* Loads the ranking page from OFFSET under the filters; a newer request wins. */
  async function loadRanking(offset) {
    if (!data) return;
    const mine = ++rankSeq;
    const size = Number(sizeSel.value);
    replace(rankBody, messageRow(8 + areaCols().length, t('app.loading')));
    try {
      const r = (await api.get(pageUrl('units', offset, size, rankFilters()))).results;
      if (mine !== rankSeq) return;
      rank.items = r.units || [];
      rank.total = r.page ? r.page.total : rank.items.length;
      rank.offset = offset;
      remember(rank.items);
      renderRanking();
    } catch (err) {
      if (mine !== rankSeq) return;
      replace(rankBody, messageRow(8 + areaCols().length, t('results.failed', { reason: errorMessage(err) })));
    }
  }

  function fillKinds() {
    const present = Array.isArray(data.kinds) ? data.kinds : [];
    const old = kindFilter.value;
    replace(kindFilter, h('option', { value: '' }, t('results.kindAll')),
      present.map((k) => h('option', { value: k.kind, selected: k.kind === old },
        t('results.kindCount', { kind: kindName(k.kind), count: k.units }))));
    if (!present.some((k) => k.kind === old)) kindFilter.value = '';
  }

  /* A list tab the server pages (disagreements, sensitivity): its body, pager and loader. */
  function pagedTab(part, render) {
    const state = { items: [], total: 0, offset: 0, seq: 0 };
    const pagerEl = serverPager({ id: `results-${part === 'disagreements' ? 'dis' : 'sen'}-pager`, onPage: (off) => load(off) });
    async function load(offset) {
      const mine = ++state.seq;
      try {
        const r = (await api.get(pageUrl(part, offset, SMALL_PAGE))).results;
        if (mine !== state.seq) return;
        state.items = r[part] || [];
        state.total = r.page ? r.page.total : state.items.length;
        state.offset = offset;
        render(state);
        pagerEl.show(state.total, offset, SMALL_PAGE);
      } catch (err) {
        if (mine !== state.seq) return;
        render({ ...state, items: [], total: 0, error: errorMessage(err) });
      }
    }
    return { pager: pagerEl, load, reset() { state.seq++; } };
  }

  // disagreements
  const disBody = h('tbody');
  const disTab = pagedTab('disagreements', renderDisagreements);
  replace(tabSet.panels.disagreements,
    h('p', { class: 'panel-desc', id: 'results-dis-desc' }),
    h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', id: 'results-dis-table' },
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, t('results.col.unit')),
        h('th', { scope: 'col' }, t('results.col.leaf')),
        h('th', { scope: 'col', class: 'col-count' }, t('results.col.n')),
        h('th', { scope: 'col', class: 'col-count' }, t('results.col.minMax')),
        h('th', { scope: 'col', class: 'col-count' }, t('results.col.range')),
        h('th', { scope: 'col', class: 'col-count' }, t('results.col.sd')))),
      disBody)),
    disTab.pager.el);

  function renderDisagreements(st) {
    const list = st.items;
    const leaves = new Map((data.leaves || []).map((l) => [l.code, l]));
    remember(list);
    tabSet.panels.disagreements.querySelector('#results-dis-desc').textContent =
      t('results.dis.desc', { share: Math.round((data.flag_share ?? 0.5) * 100), count: st.total });
    if (st.error) {
      replace(disBody, messageRow(6, t('results.failed', { reason: st.error })));
      return;
    }
    replace(disBody, ...(list.length ? list.map((d) => {
      const l = leaves.get(d.leaf);
      return h('tr', { 'data-unit': d.unit, 'data-leaf': d.leaf },
        h('td', null, h('a', { href: resultsHash(cycle.id, { method, unit: d.unit }), class: 'cell-unit' },
          h('span', { class: 'cell-name' }, d.name || d.unit), h('code', { class: 'unit-code' }, d.unit))),
        h('td', null, h('span', { class: 'leaf-label' }, h('code', { class: 'leaf-code' }, d.leaf), ' ', l ? l.name : ''),
          l ? h('span', { class: 'cell-note' }, t('results.leafMax', { max: num(l.max) })) : null),
        h('td', { class: 'cell-num' }, String(d.n)),
        h('td', { class: 'cell-num' }, `${num(d.min)} – ${num(d.max)}`),
        h('td', { class: 'cell-num is-warn' }, num(d.range)),
        h('td', { class: 'cell-num' }, num(d.sd)));
    }) : [messageRow(6, h('span', { class: 'hint-count is-ok' }, icon('check'), t('results.dis.none')))]));
  }

  // sensitivity
  const senBody = h('tbody');
  const senHead = h('thead');
  const senTab = pagedTab('sensitivity', renderSensitivity);
  replace(tabSet.panels.sensitivity,
    h('p', { class: 'panel-desc', id: 'results-sen-desc' }),
    h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', id: 'results-sen-table' }, senHead, senBody)),
    senTab.pager.el);

  function renderSensitivity(st) {
    const list = st.items;
    const methods = Array.isArray(data.methods) ? data.methods : METHODS;
    remember(list);
    tabSet.panels.sensitivity.querySelector('#results-sen-desc').textContent = t('results.sen.desc', { count: st.total });
    replace(senHead, h('tr', null,
      h('th', { scope: 'col' }, t('results.col.unit')),
      methods.map((m) => h('th', { scope: 'col', class: m === data.method ? 'col-official' : null },
        t('results.method.' + m), m === officialMethod(cycle) ? h('span', { class: 'method-official' }, t('results.official')) : null))));
    if (st.error) {
      replace(senBody, messageRow(methods.length + 1, t('results.failed', { reason: st.error })));
      return;
    }
    replace(senBody, ...(list.length ? list.map((s) => {
      const by = s.by_method || {};
      const changes = s.changes || {};
      return h('tr', { 'data-unit': s.unit },
        h('td', null, h('a', { href: resultsHash(cycle.id, { method, unit: s.unit }), class: 'cell-unit' },
          h('span', { class: 'cell-name' }, s.name || s.unit), h('code', { class: 'unit-code' }, s.unit))),
        methods.map((m) => {
          const grade = m === data.method ? s.grade : Object.hasOwn(changes, m) ? changes[m] : s.grade;
          const b = by[m];
          return h('td', { class: 'cell-sen' + (Object.hasOwn(changes, m) ? ' is-changed' : '') + (m === data.method ? ' col-official' : ''), 'data-method': m },
            gradeBadge(grade, data.grades),
            b ? h('span', { class: 'cell-note' }, t('results.sen.cell', { total: total(b.total), rank: b.rank ?? '—' })) : null);
        }));
    }) : [messageRow(methods.length + 1, h('span', { class: 'hint-count is-ok' }, icon('check'), t('results.sen.none')))]));
  }

  // statistics
  const stats = statsPart({ unitName: (code) => names.get(code) || code, method: () => method });
  tabSet.panels.statistics.append(stats.el);

  // appeals
  const appeals = appealsPart({ onDecided: () => load() });
  tabSet.panels.appeals.append(appeals.el);

  // ─── loading ───
  const body = h('div', { class: 'results-body' }, summary, tabsEl);

  function showState(node) {
    summary.hidden = true;
    tabsEl.hidden = true;
    replace(status, node);
  }

  async function load() {
    const c = cycle;
    const mine = ++seq;
    rankSeq++;
    disTab.reset();
    senTab.reset();
    replace(rankBody, messageRow(8, t('app.loading')));
    let reply;
    try {
      reply = await api.get(pageUrl('units', 0, Number(sizeSel.value), rankFilters()));
    } catch (err) {
      if (mine !== seq) return;
      data = null;
      if (err.code === 'E_NOT_OPEN' || err.status === 409) {
        showState(h('div', { class: 'panel empty empty-lg', id: 'results-not-open' }, icon('hourglass', 'empty-icon'),
          h('p', { class: 'empty-title' }, t('results.notOpen')),
          h('p', { class: 'empty-hint' }, t('results.notOpenHint', { phase: t('phase.' + c.phase) }))));
        return;
      }
      const retry = button(t('common.retry'), { kind: 'link', id: 'results-retry', onclick: () => load() });
      showState(notice('error', [h('span', null, t('results.failed', { reason: errorMessage(err) })), ' ', retry], { id: 'results-error' }));
      return;
    }
    if (mine !== seq || c !== cycle) return;
    status.replaceChildren();
    const r = reply && reply.results;
    if (!r || r.empty) {
      data = r || null;
      showState(h('div', { class: 'panel empty empty-lg', id: 'results-empty' }, icon('empty', 'empty-icon'),
        h('p', { class: 'empty-title' }, t('results.empty')),
        h('p', { class: 'empty-hint' }, t('results.emptyHint'), ' ',
          h('a', { href: '#/assignments?cycle=' + c.id }, t('results.emptyLink')))));
      return;
    }
    data = r;
    rank.items = r.units || [];
    rank.total = r.page ? r.page.total : rank.items.length;
    rank.offset = 0;
    remember(rank.items);
    summary.hidden = false;
    tabsEl.hidden = false;
    renderMethods();
    renderSummary();
    fillKinds();
    renderRankHead();
    renderRanking();
    disTab.load(0);
    senTab.load(0);
    if (tab === 'statistics') stats.load(cycle);
    if (tab === 'appeals') appeals.load(cycle);
  }

  async function start() {
    try {
      [cycles, kinds] = await Promise.all([refreshCycles(), kindNames()]);
    } catch (err) {
      const retry = button(t('common.retry'), { kind: 'link', onclick: () => start() });
      replace(cycleBar, notice('error', [h('span', null, errorMessage(err)), ' ', retry]));
      return;
    }
    cycle = resultsCycle(cycles, wanted);
    if (!cycle) {
      replace(cycleBar, h('div', { class: 'empty empty-sm' }, icon('empty', 'empty-icon'),
        h('p', { class: 'empty-title' }, t('assign.noCycles')),
        h('p', { class: 'empty-hint' }, h('a', { href: '#/cycles' }, t('assign.noCyclesHint')))));
      summary.hidden = true;
      tabsEl.hidden = true;
      return;
    }
    if (wanted !== cycle.id) {
      if (wanted != null) say('warn', t('assign.cycleMissing', { id: wanted }));
      setUrl();
    }
    renderBar();
    load();
  }

  start();

  return {
    title: t('results.title'),
    node: h('div', { class: 'page page-results', 'data-page': 'results' },
      pageHead(t('results.title'), t('page.results.desc')),
      cycleBar,
      status,
      body),
  };
}
