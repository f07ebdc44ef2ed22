// web/js/views/resulttrace.js — a unit's trace (#/results/UNIT?cycle=ID[&method=M], admin):
// every step from the reviewers' scores to the unit's total and grade.
// Owns, from GET /api/v1/cycles/{id}/results/{unit}[?method=] (the unit's row with "trace",
// server/results.h), with the names of indicators, items and areas from the cycle's rubric
// (GET /api/v1/rubrics/{id}) and the reviewers' names from the assignments:
//  - the head: total, rank and rank in kind (ties said), grade (待定 at a quota's border, the
//    veto), sheets, disputed indicators, a link back to the ranking and the download of the
//    unit's 评分表 (GET /api/v1/cycles/{id}/units/{unit}/scoresheet.xlsx);
//  - per area a table of its indicators: each reviewer's score (不适用 where they marked it),
//    the four aggregates with the method shown highlighted (the official one marked 官方), sd,
//    range; flagged rows marked 分歧大, N/A rows with their reason;
//  - bonus and deduction counts per reviewer with their aggregate, veto votes, the reviewers'
//    own totals, the scoring steps as an ordered list and the ranking sentences.

import { h, replace } from '../dom.js';
import { t, errorMessage } from '../i18n.js';
import { api } from '../api.js';
import { button, badge, notice } from '../ui.js';
import { pageHead } from './page.js';
import { personLabel } from './assignshared.js';
import {
  METHODS, resultsCycle, officialMethod, num, total, rankText, gradeContent, resultsHash, reviewerNames,
} from './resultshared.js';

/* The rubric's names: leaf code → {name, area, max}, area code → name, item code → name. */
function rubricIndex(rubric) {
  const leaves = new Map();
  const areas = new Map();
  const items = new Map();
  const walk = (node, area) => {
    const kids = Array.isArray(node.children) ? node.children : [];
    if (!kids.length) { leaves.set(node.code, { name: node.name, area, max: node.max_points }); return; }
    for (const k of kids) walk(k, area);
  };
  for (const a of (rubric && rubric.areas) || []) {
    areas.set(a.code, a.name);
    walk(a, a.code);
  }
  for (const k of ['bonus', 'deduction', 'veto']) for (const x of (rubric && rubric[k]) || []) items.set(x.code, x.name);
  const bands = rubric && Array.isArray(rubric.grade_bands) ? rubric.grade_bands : [];
  return { leaves, areas, items, bands };
}

export function resultTraceView({ refreshCycles, route, unitCode }) {
  const q = route.query;
  const wantedText = q.get('cycle');
  const wanted = /^\d+$/.test(wantedText || '') ? Number(wantedText) : null;
  const method = METHODS.includes(q.get('method')) ? q.get('method') : null;
  let cycle = null;

  const head = h('div', { class: 'trace-head' }, pageHead(t('trace.title'), t('trace.desc')));
  const body = h('div', { class: 'trace-body', id: 'trace-body' }, h('p', { class: 'card-loading' }, t('app.loading')));
  const back = h('a', { class: 'btn btn-link trace-back', id: 'trace-back', href: '#/results' }, t('trace.back'));

  function backHref() {
    return resultsHash(cycle.id, { method });
  }

  function fact(label, value, id) {
    return h('div', { class: 'stat', id }, h('span', { class: 'stat-value' }, value), h('span', { class: 'stat-label' }, label));
  }

  function render(u, idx, names) {
    const tr = u.trace || {};
    const official = officialMethod(cycle);
    const shown = method || official;
    const who = (login) => names.get(login) || login;
    const reviewers = (Array.isArray(tr.reviewers) ? tr.reviewers : []).map((r) => r.reviewer);
    for (const l of tr.leaves || []) for (const s of l.scores || []) if (!reviewers.includes(s.reviewer)) reviewers.push(s.reviewer);

    back.href = backHref();
    replace(head,
      h('nav', { class: 'crumbs', 'aria-label': t('trace.crumbs') },
        h('a', { href: backHref() }, t('results.title')), h('span', { 'aria-hidden': 'true' }, ' / '),
        h('span', { 'aria-current': 'page' }, u.name)),
      pageHead(u.name, t('trace.descOf', { code: u.code, cycle: cycle.title, method: t('results.method.' + shown) }),
        h('a', {
          class: 'btn btn-secondary btn-sm', id: 'trace-scoresheet', download: '',
          href: `/api/v1/cycles/${cycle.id}/units/${encodeURIComponent(u.code)}/scoresheet.xlsx`,
        }, t('trace.scoresheet')), back));

    // the head: total, ranks, grade
    const disputed = Array.isArray(u.disputed) ? u.disputed.length : 0;
    const none = u.status === 'no_sheets';
    const summary = h('section', { class: 'panel panel-pad trace-summary', id: 'trace-summary', 'aria-label': t('trace.summary') },
      h('div', { class: 'stat-row' },
        fact(t('trace.total'), none ? '—' : total(u.total), 'trace-total'),
        fact(t('trace.rank'), rankText(u.rank, u.tied), 'trace-rank'),
        fact(t('trace.rankInKind'), rankText(u.rank_in_kind, u.tied_in_kind), 'trace-rank-kind'),
        h('div', { class: 'stat', id: 'trace-grade' }, h('span', { class: 'stat-value' }, none ? '—' : gradeContent(u, idx.bands)),
          h('span', { class: 'stat-label' }, t('trace.grade'))),
        fact(t('trace.sheets'), String(u.sheets || 0), 'trace-sheets'),
        fact(t('trace.disputed'), String(disputed), 'trace-disputed')),
      u.vetoed_by ? notice('warn', t('trace.vetoNote', { code: u.vetoed_by, name: idx.items.get(u.vetoed_by) || '' }), { id: 'trace-veto-note' }) : null,
      none ? notice('info', t('trace.noSheets'), { id: 'trace-nosheets' }) : null);

    // per area: the leaves
    const leavesByArea = new Map();
    for (const l of tr.leaves || []) {
      const info = idx.leaves.get(l.code) || {};
      const area = info.area || '';
      if (!leavesByArea.has(area)) leavesByArea.set(area, []);
      leavesByArea.get(area).push(l);
    }
    const areaScore = new Map((tr.areas || []).map((a) => [a.code, a]));
    const methodHead = (m) => h('th', { scope: 'col', class: 'col-count col-method' + (m === shown ? ' is-shown' : ''), 'data-method': m },
      t('trace.m.' + m), m === official ? h('span', { class: 'method-official' }, t('results.official')) : null);
    const areaPanels = [...leavesByArea.entries()].map(([code, leaves]) => {
      const a = areaScore.get(code);
      const titleId = 'trace-area-' + code.replace(/[^\w-]/g, '_');
      return h('section', { class: 'panel trace-area', 'data-area': code, 'aria-labelledby': titleId },
        h('div', { class: 'panel-bar' },
          h('h2', { class: 'section-title', id: titleId }, h('code', { class: 'leaf-code' }, code), ' ', idx.areas.get(code) || ''),
          a ? h('span', { class: 'table-count trace-area-score' }, a.score == null
            ? t('trace.areaNa')
            : t('trace.areaScore', { score: num(a.score), points: num(a.points), max: num(a.max) })) : null),
        h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact trace-table' },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, t('trace.col.leaf')),
            reviewers.map((r) => h('th', { scope: 'col', class: 'col-count col-reviewer', title: personLabel(r, names.get(r)) }, who(r))),
            METHODS.map(methodHead),
            h('th', { scope: 'col', class: 'col-count' }, t('trace.col.sd')),
            h('th', { scope: 'col', class: 'col-count' }, t('trace.col.range')))),
          h('tbody', null, leaves.map((l) => leafRow(l, idx, reviewers, shown))))));
    });

    replace(body, summary, areaPanels, countsPanel(tr, idx, reviewers, who), vetoPanel(tr, idx, who),
      reviewersPanel(tr, who), stepsPanel(tr, u));
  }

  function leafRow(l, idx, reviewers, shown) {
    const info = idx.leaves.get(l.code) || {};
    const byRev = new Map((l.scores || []).map((s) => [s.reviewer, s]));
    const na = l.status === 'na';
    const scoreCell = (r) => {
      const s = byRev.get(r);
      if (!s) return h('td', { class: 'cell-num text-subtle' }, '');
      if (s.na) return h('td', { class: 'cell-num' }, h('span', { class: 'text-muted' }, t('trace.naShort')));
      return h('td', { class: 'cell-num', title: s.adjusted == null ? null : t('trace.adjusted', { value: num(s.adjusted) }) },
        s.points == null ? '—' : num(s.points));
    };
    const cls = ['trace-leaf', l.flag ? 'is-flagged' : null, na ? 'is-na' : null].filter(Boolean).join(' ');
    return h('tr', { class: cls, 'data-leaf': l.code, 'data-status': l.status },
      h('th', { scope: 'row', class: 'cell-leaf' },
        h('span', { class: 'leaf-label' }, h('code', { class: 'leaf-code' }, l.code), ' ', info.name || ''),
        h('span', { class: 'cell-note' }, t('results.leafMax', { max: num(info.max) }), ' ', l.flag ? badge(t('trace.flag'), 'warn') : null)),
      reviewers.map(scoreCell),
      na
        ? h('td', { colspan: String(METHODS.length + 2), class: 'cell-na' },
          t('trace.na.' + (l.na_reason || 'majority'), { votes: l.na_votes || 0 }))
        : [METHODS.map((m) => h('td', { class: 'cell-num cell-method' + (m === shown ? ' is-shown' : ''), 'data-method': m }, num(l[m]))),
          h('td', { class: 'cell-num' }, num(l.sd)),
          h('td', { class: 'cell-num' + (l.flag ? ' is-warn' : '') }, num(l.range))]);
  }

  function countsPanel(tr, idx, reviewers, who) {
    const list = Array.isArray(tr.counts) ? tr.counts : [];
    return h('section', { class: 'panel trace-counts', id: 'trace-counts', 'aria-labelledby': 'trace-counts-title' },
      h('div', { class: 'panel-bar' }, h('h2', { class: 'section-title', id: 'trace-counts-title' }, t('trace.counts'))),
      list.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact' },
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, t('trace.col.item')),
          reviewers.map((r) => h('th', { scope: 'col', class: 'col-count' }, who(r))),
          ['mean', 'median', 'trimmed'].map((m) => h('th', { scope: 'col', class: 'col-count' }, t('trace.m.' + m))),
          h('th', { scope: 'col', class: 'col-count' }, t('trace.col.value')))),
        h('tbody', null, list.map((c) => h('tr', { 'data-item': c.code },
          h('th', { scope: 'row' }, badge(t('trace.type.' + c.type), c.type === 'bonus' ? 'ok' : 'warn'), ' ',
            h('code', { class: 'leaf-code' }, c.code), ' ', idx.items.get(c.code) || ''),
          reviewers.map((r, i) => h('td', { class: 'cell-num' }, num((c.counts || [])[i]))),
          ['mean', 'median', 'trimmed'].map((m) => h('td', { class: 'cell-num' }, num(c[m]))),
          h('td', { class: 'cell-num cell-total' }, num(c.value)))))))
        : h('p', { class: 'panel-desc' }, t('trace.noCounts')));
  }

  function vetoPanel(tr, idx, who) {
    const list = Array.isArray(tr.vetoes) ? tr.vetoes : [];
    return h('section', { class: 'panel trace-vetoes', id: 'trace-vetoes', 'aria-labelledby': 'trace-vetoes-title' },
      h('div', { class: 'panel-bar' }, h('h2', { class: 'section-title', id: 'trace-vetoes-title' }, t('trace.vetoes'))),
      list.length ? h('ul', { class: 'trace-list' }, list.map((v) => h('li', { 'data-veto': v.code },
        h('code', { class: 'leaf-code' }, v.code), ' ', idx.items.get(v.code) || '', ' ',
        badge(t(v.flagged ? 'trace.vetoApplied' : 'trace.vetoNotApplied'), v.flagged ? 'warn' : 'off'),
        h('span', { class: 'cell-note' }, t('trace.vetoVotes', {
          votes: v.votes, of: v.of, by: (v.by || []).map(who).join('、') || '—',
        })))))
        : h('p', { class: 'panel-desc' }, t('trace.noVetoes')));
  }

  function reviewersPanel(tr, who) {
    const list = Array.isArray(tr.reviewers) ? tr.reviewers : [];
    return h('section', { class: 'panel trace-reviewers', id: 'trace-reviewers', 'aria-labelledby': 'trace-rev-title' },
      h('div', { class: 'panel-bar' }, h('h2', { class: 'section-title', id: 'trace-rev-title' }, t('trace.reviewers'))),
      h('p', { class: 'panel-desc' }, t('trace.reviewersDesc')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact' },
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, t('trace.col.reviewer')),
          h('th', { scope: 'col', class: 'col-count' }, t('trace.col.total')),
          h('th', { scope: 'col' }, t('trace.col.grade')))),
        h('tbody', null, list.map((r) => h('tr', { 'data-login': r.reviewer },
          h('td', null, personLabel(r.reviewer, who(r.reviewer) !== r.reviewer ? who(r.reviewer) : null)),
          h('td', { class: 'cell-num' }, total(r.total)),
          h('td', null, r.grade || '—')))))));
  }

  function stepsPanel(tr, u) {
    const steps = tr.scoring && Array.isArray(tr.scoring.steps) ? tr.scoring.steps : [];
    const ranking = Array.isArray(tr.ranking) ? tr.ranking : [];
    return h('div', { class: 'trace-grid' },
      h('section', { class: 'panel panel-pad', id: 'trace-steps', 'aria-labelledby': 'trace-steps-title' },
        h('h2', { class: 'section-title', id: 'trace-steps-title' }, t('trace.steps')),
        steps.length ? h('ol', { class: 'trace-steps' }, steps.map((s) => h('li', null, s)))
          : h('p', { class: 'panel-desc' }, t('trace.noSteps')),
        tr.scoring && typeof tr.scoring.total === 'number'
          ? h('p', { class: 'trace-result' }, t('trace.result', { total: total(tr.scoring.total), grade: tr.scoring.grade || '—' })) : null),
      h('section', { class: 'panel panel-pad', id: 'trace-ranking', 'aria-labelledby': 'trace-ranking-title' },
        h('h2', { class: 'section-title', id: 'trace-ranking-title' }, t('trace.ranking')),
        ranking.length ? h('ul', { class: 'trace-sentences' }, ranking.map((s) => h('li', null, s)))
          : h('p', { class: 'panel-desc' }, t(u.rank == null ? 'trace.notRanked' : 'trace.noSteps'))));
  }

  async function start() {
    let cycles;
    try {
      cycles = await refreshCycles();
    } catch (err) {
      showError(err);
      return;
    }
    cycle = resultsCycle(cycles, wanted);
    if (!cycle) { replace(body, notice('info', t('assign.noCycles'))); return; }
    if (wanted !== cycle.id) history.replaceState(history.state, '', resultsHash(cycle.id, { method, unit: unitCode }));
    back.href = backHref();
    const path = `/api/v1/cycles/${cycle.id}/results/${encodeURIComponent(unitCode)}` + (method ? '?method=' + method : '');
    let reply;
    let rubric = null;
    let names;
    try {
      [reply, rubric, names] = await Promise.all([
        api.get(path),
        cycle.rubric_id != null ? api.get('/api/v1/rubrics/' + cycle.rubric_id).then((r) => r && r.rubric).catch(() => null) : null,
        reviewerNames(cycle.id),
      ]);
    } catch (err) {
      showError(err);
      return;
    }
    const u = reply && reply.unit;
    if (!u) { showError(null); return; }
    render(u, rubricIndex(rubric), names);
  }

  function showError(err) {
    const retry = button(t('common.retry'), { kind: 'link', id: 'trace-retry', onclick: () => start() });
    let text;
    if (err && err.status === 404) text = t('trace.notFound', { unit: unitCode });
    else if (err && (err.code === 'E_NOT_OPEN' || err.status === 409)) text = t('results.notOpen');
    else text = t('trace.failed', { reason: err ? errorMessage(err) : t('err.unknown') });
    replace(body, notice(err && err.status === 404 ? 'warn' : 'error', [h('span', null, text), ' ', retry], { id: 'trace-error' }),
      h('p', null, back));
  }

  start();

  return {
    title: t('trace.title'),
    node: h('div', { class: 'page page-trace', 'data-page': 'result-trace' }, head, body),
  };
}

