// web/js/views/compare.js — 单位对比 (#/compare, admin and reviewers): a few units of one cycle
// side by side, every unit × area, and one unit across the years.
// Owns two routes of the page:
//  - #/compare?cycle=ID&units=A,B — the cycle picker (cycles whose results the user may see:
//    the admin from 评审 on, reviewers from 公示 on), the unit picker (2–6 units as removable
//    chips, added from a list or by clicking a heatmap row), from GET …/compare: a radar chart
//    of the areas (each area's score as a share of what was attainable: N/A leaves left out,
//    the same share the heatmap shows) and a table per area → indicator with each unit's value
//    and, behind a toggle per indicator, the reviewers' scores, comments and evidence quotes
//    side by side; from GET …/heatmap: the heatmap of every unit × area.
//  - #/compare?unit=CODE — GET /api/v1/units/{code}/history: a line chart of the total per year
//    and a table of the indicators by year (rows in the newest rubric's order, then indicators
//    only older rubrics had).
// The choices live in the URL (replaceState), so a reload or a shared link shows the same.
// Charts: comparecharts.js (Apache ECharts, vendored). The radar's and the line's numbers are
// also in the tables (keyboards, screen readers, printing); the heatmap's only in its cells.

import { h, replace } from '../dom.js';
import { t, errorMessage } from '../i18n.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { notice } from '../ui.js';
import { pageHead, emptyState } from './page.js';
import { num, total } from './resultshared.js';
import { drawChart, radarOption, heatmapOption, lineOption } from './comparecharts.js';

const MIN_UNITS = 2;
const MAX_UNITS = 6;

/* The view of #/compare (ctx.route.query: cycle, units, or unit). */
export function compareView(ctx) {
  const unit = ctx.route.query.get('unit');
  return unit ? historyView(ctx, unit) : compareCyclesView(ctx);
}

/* Share s (0..1) as a percentage text. */
const pct = (s) => (typeof s === 'number' ? Math.round(s * 100) + '%' : '—');

/* Per area of data.areas, the unit's leaf values over the max of its applicable leaves (null
 * when every leaf is N/A or the unit has no result): the heatmap's share (server/h_compare.c). */
function areaShares(data, u) {
  return data.areas.map((a) => {
    let got = 0;
    let max = 0;
    data.leaves.forEach((l, i) => {
      const v = u.values ? u.values[i] : null;
      if (l.area !== a.code || typeof v !== 'number') return;
      got += v;
      max += l.max;
    });
    return max > 0 && typeof u.total === 'number' ? got / max : null;
  });
}

function compareCyclesView({ user, route }) {
  const q = route.query;
  const admin = user.role === 'admin';
  const phases = admin ? ['review', 'publication', 'closed'] : ['publication', 'closed'];
  let cycles = [];
  let cycle = null;
  let picked = (q.get('units') || '').split(',').filter(Boolean).slice(0, MAX_UNITS);
  let heat = null; // GET …/heatmap, or null
  let seq = 0;

  const status = h('div', { class: 'page-status', id: 'compare-status', role: 'status' });
  const bar = h('section', { class: 'panel panel-pad compare-bar', 'aria-label': t('compare.pickers') },
    h('p', { class: 'card-loading' }, t('app.loading')));
  const radarBox = h('div', { class: 'compare-chart compare-radar', id: 'compare-radar', role: 'img', 'aria-label': t('compare.radar') });
  const radarPanel = h('section', { class: 'panel panel-pad', id: 'compare-radar-panel', hidden: true },
    h('h2', { class: 'section-title' }, t('compare.radar')), radarBox);
  const tablePanel = h('section', { class: 'panel compare-table-panel', id: 'compare-table-panel', hidden: true });
  const heatBox = h('div', { class: 'compare-chart compare-heatmap', id: 'compare-heatmap', role: 'img', 'aria-label': t('compare.heatmap') });
  const heatPanel = h('section', { class: 'panel panel-pad', id: 'compare-heatmap-panel', hidden: true },
    h('h2', { class: 'section-title' }, t('compare.heatmap')),
    h('p', { class: 'compare-note' }, t('compare.heatmapHint')), heatBox);

  const say = (kind, text) => replace(status, kind ? notice(kind, text) : null);
  const setUrl = () => history.replaceState(history.state, '',
    '#/compare?cycle=' + cycle.id + (picked.length ? '&units=' + picked.map(encodeURIComponent).join(',') : ''));

  function renderBar() {
    const sel = h('select', { id: 'compare-cycle', class: 'control' },
      cycles.map((c) => h('option', { value: String(c.id), selected: c.id === cycle.id }, c.title + ' · ' + t('phase.' + c.phase))));
    sel.addEventListener('change', () => navigate('/compare?cycle=' + sel.value));
    const units = heat ? heat.units : [];
    const name = (code) => (units.find((u) => u.code === code) || { name: code }).name;
    const add = h('select', { id: 'compare-add', class: 'control', disabled: picked.length >= MAX_UNITS || !units.length },
      h('option', { value: '' }, picked.length >= MAX_UNITS ? t('compare.full') : t('compare.add')),
      units.filter((u) => !picked.includes(u.code)).map((u) => h('option', { value: u.code }, u.name)));
    add.addEventListener('change', () => { if (add.value) pick([...picked, add.value]); });
    replace(bar,
      h('div', { class: 'compare-bar-row' },
        h('label', { class: 'toolbar-label', for: 'compare-cycle' }, t('compare.cycle')), sel,
        h('label', { class: 'toolbar-label', for: 'compare-add' }, t('compare.units')), add),
      h('ul', { class: 'compare-chips', id: 'compare-chips', 'aria-label': t('compare.picked') },
        picked.map((code) => h('li', { class: 'compare-chip' },
          h('a', { href: '#/compare?unit=' + encodeURIComponent(code), title: t('compare.historyOf', { name: name(code) }) }, name(code)),
          h('button', { type: 'button', class: 'compare-chip-x', 'aria-label': t('compare.remove', { name: name(code) }),
            onclick: () => pick(picked.filter((c) => c !== code)) }, '×')))),
      h('p', { class: 'compare-note' }, t('compare.pickHint', { min: MIN_UNITS, max: MAX_UNITS })));
  }

  function pick(next) {
    picked = next.slice(0, MAX_UNITS);
    setUrl();
    renderBar();
    loadCompare();
  }

  async function loadCompare() {
    const my = ++seq;
    if (picked.length < MIN_UNITS) {
      radarPanel.hidden = true;
      replace(tablePanel, emptyState(t('compare.pickHint', { min: MIN_UNITS, max: MAX_UNITS }), 'sm'));
      tablePanel.hidden = false;
      return;
    }
    let data;
    try {
      data = await api.get('/api/v1/cycles/' + cycle.id + '/compare?units=' + picked.map(encodeURIComponent).join(','));
    } catch (err) {
      if (my !== seq) return;
      say('error', errorMessage(err));
      radarPanel.hidden = true;
      tablePanel.hidden = true;
      return;
    }
    if (my !== seq) return;
    say(null);
    radarPanel.hidden = false;
    tablePanel.hidden = false;
    replace(tablePanel, compareTable(data, admin));
    await drawChart(radarBox, radarOption(data.areas,
      data.units.map((u) => ({ name: u.name, values: areaShares(data, u) })), { shareText: pct }));
  }

  async function loadHeat() {
    try {
      heat = await api.get('/api/v1/cycles/' + cycle.id + '/heatmap');
    } catch (err) {
      heat = null;
      say('error', errorMessage(err));
      return;
    }
    renderBar();
    heatPanel.hidden = false;
    heatBox.style.height = Math.max(220, heat.units.length * 26 + 80) + 'px';
    const cells = [];
    heat.units.forEach((u, y) => u.areas.forEach((v, x) => cells.push([x, y, v])));
    const chart = await drawChart(heatBox, heatmapOption(heat.units, heat.areas, cells, { shareText: pct, naText: t('compare.na') }));
    chart.on('click', (p) => {
      const code = heat.units[p.value[1]].code;
      if (!picked.includes(code) && picked.length < MAX_UNITS) pick([...picked, code]);
    });
  }

  (async () => {
    try {
      const r = await api.get('/api/v1/cycles');
      cycles = (r.cycles || []).filter((c) => phases.includes(c.phase));
    } catch (err) {
      say('error', errorMessage(err));
      return;
    }
    if (!cycles.length) {
      replace(bar, emptyState(t(admin ? 'compare.noCycleAdmin' : 'compare.noCycle'), 'sm'));
      return;
    }
    const wanted = Number(q.get('cycle'));
    cycle = cycles.find((c) => c.id === wanted) || cycles[0];
    setUrl();
    renderBar();
    await loadHeat();
    await loadCompare();
  })();

  return {
    title: t('nav.compare'),
    node: h('div', { class: 'page compare-page', 'data-page': 'compare' },
      pageHead(t('nav.compare'), t('compare.desc')), status, bar, radarPanel, tablePanel, heatPanel),
  };
}

/* The table of data (GET …/compare): per area a group row, per indicator a row with each
 * unit's value and a toggle that opens the reviewers' comments and quotes side by side. */
function compareTable(data, admin) {
  const units = data.units;
  const shares = units.map((u) => areaShares(data, u));
  const head = h('tr', null,
    h('th', { scope: 'col', class: 'compare-ind' }, t('compare.indicator')),
    h('th', { scope: 'col', class: 'num' }, t('compare.max')),
    units.map((u) => h('th', { scope: 'col', class: 'num compare-unit-col' },
      h('a', { href: '#/compare?unit=' + encodeURIComponent(u.code) }, u.name))));
  const summary = [
    h('tr', { class: 'compare-total' },
      h('th', { scope: 'row' }, t('compare.total')), h('td', { class: 'num' }, '100'),
      units.map((u) => h('td', { class: 'num', 'data-unit': u.code }, total(u.total)))),
    h('tr', { class: 'compare-total' },
      h('th', { scope: 'row' }, t('compare.rankGrade')), h('td'),
      units.map((u) => h('td', { class: 'num' },
        (u.rank != null ? t('compare.rank', { n: u.rank }) + ' · ' : '') + (u.grade || '—')))),
  ];
  const body = [];
  data.areas.forEach((a, ai) => {
    body.push(h('tr', { class: 'compare-area' },
      h('th', { scope: 'rowgroup' }, a.code + ' ' + a.name), h('td', { class: 'num' }, num(a.max)),
      units.map((u, ui) => h('td', { class: 'num' }, num(u.areas ? u.areas[ai] : null) + ' (' + pct(shares[ui][ai]) + ')'))));
    data.leaves.forEach((l, li) => {
      if (l.area !== a.code) return;
      const by = (data.comments || {})[l.code] || {};
      const detail = h('tr', { class: 'compare-detail', hidden: true, id: 'compare-detail-' + li },
        h('td', { colspan: 2, class: 'compare-detail-label' }, t('compare.comments')),
        units.map((u) => h('td', { class: 'compare-detail-cell' }, reviewerNotes(by[u.code] || [], admin))));
      const count = units.reduce((n, u) => n + (by[u.code] || []).filter((e) => e.comment || e.quotes.length).length, 0);
      const toggle = h('button', {
        type: 'button', class: 'compare-toggle', 'aria-expanded': 'false', 'aria-controls': 'compare-detail-' + li,
        title: t('compare.showComments'),
      }, l.code + ' ' + l.name, count ? h('span', { class: 'compare-count' }, ' ' + t('compare.noteCount', { n: count })) : null);
      toggle.addEventListener('click', () => {
        detail.hidden = !detail.hidden;
        toggle.setAttribute('aria-expanded', String(!detail.hidden));
      });
      body.push(h('tr', { class: 'compare-leaf', 'data-leaf': l.code },
        h('th', { scope: 'row' }, toggle), h('td', { class: 'num' }, num(l.max)),
        units.map((u) => h('td', { class: 'num', 'data-unit': u.code },
          u.values && u.values[li] === null && u.status === 'ok' ? t('compare.na') : num(u.values ? u.values[li] : null)))));
      body.push(detail);
    });
  });
  return h('div', { class: 'table-wrap compare-table-wrap' },
    h('table', { class: 'table compare-table', id: 'compare-table' },
      h('caption', { class: 'visually-hidden' }, t('compare.table')),
      h('thead', null, head), h('tbody', null, summary, body)));
}

/* The reviewers' notes on one indicator of one unit: points, comment, quotes. */
function reviewerNotes(list, admin) {
  if (!list.length) return h('p', { class: 'compare-none' }, t('compare.noSheets'));
  return h('ul', { class: 'compare-notes' }, list.map((e) => h('li', null,
    h('p', { class: 'compare-note-head' }, h('strong', null, e.reviewer), ' · ',
      e.na ? t('compare.na') : t('compare.points', { n: num(e.points) })),
    e.comment ? h('p', { class: 'compare-comment' }, e.comment) : null,
    e.quotes.map((qt) => h('blockquote', { class: 'compare-quote' }, qt)),
    !e.comment && !e.quotes.length ? h('p', { class: 'compare-none' }, t('compare.noComment')) : null)));
}

/* #/compare?unit=CODE: the unit's results across the years. */
function historyView({ user }, code) {
  const status = h('div', { class: 'page-status', id: 'history-status', role: 'status' });
  const lineBox = h('div', { class: 'compare-chart compare-line', id: 'history-line', role: 'img', 'aria-label': t('compare.historyChart') });
  const tableBox = h('div', { class: 'table-wrap', id: 'history-table-wrap' });
  const title = h('span', null, code);
  const back = h('a', { href: '#/compare', class: 'btn btn-link', id: 'history-back', onclick: (ev) => { ev.preventDefault(); history.back(); } }, t('compare.back'));

  (async () => {
    let data;
    try {
      data = await api.get('/api/v1/units/' + encodeURIComponent(code) + '/history');
    } catch (err) {
      replace(status, notice('error', errorMessage(err)));
      return;
    }
    replace(title, data.unit.name);
    if (!data.cycles.length) {
      replace(tableBox, emptyState(t('compare.noHistory'), 'sm'));
      return;
    }
    replace(tableBox, historyTable(data.cycles));
    await drawChart(lineBox, lineOption(data.cycles, t('compare.total')));
  })();

  return {
    title: t('compare.history'),
    node: h('div', { class: 'page compare-page', 'data-page': 'compare-history', 'data-role': user.role },
      pageHead(t('compare.history'), t('compare.historyDesc'), back),
      status,
      h('section', { class: 'panel panel-pad' }, h('h2', { class: 'section-title', id: 'history-unit' }, title), lineBox),
      h('section', { class: 'panel' }, tableBox)),
  };
}

/* Indicators × years: rows in the newest rubric's order, then those only older rubrics had. */
function historyTable(cycles) {
  const rows = new Map();
  for (const c of [...cycles].reverse()) for (const l of c.leaves) if (!rows.has(l.code)) rows.set(l.code, l);
  const cell = (v) => (v === null ? t('compare.na') : num(v));
  return h('table', { class: 'table compare-table', id: 'history-table' },
    h('caption', { class: 'visually-hidden' }, t('compare.historyTable')),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('compare.indicator')),
      cycles.map((c) => h('th', { scope: 'col', class: 'num', 'data-year': c.year, title: c.title }, String(c.year))))),
    h('tbody', null,
      h('tr', { class: 'compare-total' }, h('th', { scope: 'row' }, t('compare.total')), cycles.map((c) => h('td', { class: 'num' }, total(c.total)))),
      h('tr', { class: 'compare-total' }, h('th', { scope: 'row' }, t('compare.rankGrade')),
        cycles.map((c) => h('td', { class: 'num' }, (c.rank != null ? t('compare.rank', { n: c.rank }) + ' · ' : '') + (c.grade || '—')))),
      [...rows.values()].map((l) => h('tr', { 'data-leaf': l.code }, h('th', { scope: 'row' }, l.code + ' ' + l.name),
        cycles.map((c) => h('td', { class: 'num' }, l.code in c.values ? cell(c.values[l.code]) : '—'))))));
}
