// web/js/views/resultstats.js — 评审统计, the statistics tab of 考核结果 (results.js).
// Owns, from GET /api/v1/cycles/{id}/statistics (server/revstats.h):
//  - the overall agreement (ICC(1) on the sheets' totals, with its label) and the cycle's
//    completion;
//  - per reviewer: completion (a bar, submitted of the sheets not recused), the mean score
//    rate, leniency (the mean offset from the other reviewers of the same unit and
//    indicator, as points on a 100-point total, with its label 偏松 / 偏严 / 适中 / 样本不足)
//    and how many comparisons it rests on;
//  - per indicator: the units and scores that enter, ICC(1) and its label (or why there is
//    none);
//  - the outlier scores (far from the other reviewers' median), paged.
// Loaded once per cycle, when the tab is first opened.

import { h, icon, replace } from '../dom.js';
import { t, errorMessage } from '../i18n.js';
import { api } from '../api.js';
import { button, badge, notice, messageRow, progressBar } from '../ui.js';
import { localPager, personLabel } from './assignshared.js';
import { num, resultsHash } from './resultshared.js';

const PAGE = 25;
const LENIENCY_KIND = { 偏松: 'warn', 偏严: 'info', 适中: 'ok' };
const ICC_KIND = { 很好: 'ok', 良好: 'ok', 一般: 'info', 较差: 'warn' };

const pct = (f) => (typeof f === 'number' ? Math.round(f * 1000) / 10 + '%' : '—');
const signed = (n) => (typeof n !== 'number' ? '—' : (n > 0 ? '+' : '') + num(n));
const icc = (v) => (typeof v === 'number' ? v.toFixed(2) : '—');

/* The statistics part. opts: { unitName(code) → name, method() → the method in the URL or
 * null }. Returns { el, load(cycle) } (a second load of the same cycle does nothing). */
export function statsPart({ unitName, method }) {
  let cycle = null;
  let data = null;
  let loadedFor = null;
  let seq = 0;

  const top = h('div', { class: 'stats-top', id: 'stats-overall', 'aria-live': 'polite' },
    h('p', { class: 'card-loading' }, t('app.loading')));
  const revBody = h('tbody');
  const indBody = h('tbody');
  const outBody = h('tbody');
  const revPager = localPager({ id: 'stats-rev-pager', size: PAGE, onPage: () => renderReviewers() });
  const indPager = localPager({ id: 'stats-ind-pager', size: PAGE, onPage: () => renderIndicators() });
  const outPager = localPager({ id: 'stats-out-pager', size: PAGE, onPage: () => renderOutliers() });
  const outDesc = h('p', { class: 'panel-desc', id: 'stats-out-desc' });
  const lenDesc = h('p', { class: 'panel-desc', id: 'stats-len-desc' });
  const th = (key, cls) => h('th', { scope: 'col', class: cls || null }, t(key));

  const el = h('div', { class: 'stats', id: 'results-stats' },
    top,
    h('section', { class: 'stats-block', 'aria-labelledby': 'stats-rev-title' },
      h('h3', { class: 'sub-title', id: 'stats-rev-title' }, t('stats.reviewers')),
      lenDesc,
      h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', id: 'stats-reviewers' },
        h('thead', null, h('tr', null,
          th('stats.col.reviewer'), th('stats.col.completion', 'col-bar'), th('stats.col.submitted', 'col-count'),
          th('stats.col.meanRate', 'col-count'), th('stats.col.leniency'), th('stats.col.offset', 'col-count'),
          th('stats.col.n', 'col-count'))),
        revBody)),
      revPager.el),
    h('section', { class: 'stats-block', 'aria-labelledby': 'stats-ind-title' },
      h('h3', { class: 'sub-title', id: 'stats-ind-title' }, t('stats.indicators')),
      h('p', { class: 'panel-desc' }, t('stats.indicatorsDesc')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', id: 'stats-indicators' },
        h('thead', null, h('tr', null,
          th('stats.col.leaf'), th('stats.col.units', 'col-count'), th('stats.col.scores', 'col-count'),
          th('stats.col.icc', 'col-count'), th('stats.col.agreement'))),
        indBody)),
      indPager.el),
    h('section', { class: 'stats-block', 'aria-labelledby': 'stats-out-title' },
      h('h3', { class: 'sub-title', id: 'stats-out-title' }, t('stats.outliers')),
      outDesc,
      h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', id: 'stats-outliers' },
        h('thead', null, h('tr', null,
          th('stats.col.unit'), th('stats.col.leaf'), th('stats.col.reviewer'), th('stats.col.points', 'col-count'),
          th('stats.col.othersMedian', 'col-count'), th('stats.col.distance', 'col-count'))),
        outBody)),
      outPager.el));

  const names = () => new Map((data.reviewers || []).map((r) => [r.reviewer, r.reviewer_name]));
  const leafOf = () => new Map((data.indicators || []).map((l) => [l.code, l]));
  const iccBadge = (label, reason) => badge(label || '—', reason ? 'off' : ICC_KIND[label] || 'off');

  function renderTop() {
    const o = data.overall || {};
    const c = data.completion || {};
    const open = (c.assigned || 0) - (c.recused || 0);
    replace(top,
      h('div', { class: 'stat-row' },
        h('div', { class: 'stat', id: 'stats-icc' },
          h('span', { class: 'stat-value' }, icc(o.icc)),
          h('span', { class: 'stat-label' }, t('stats.overallIcc'), ' ', iccBadge(o.label, o.reason))),
        h('div', { class: 'stat' },
          h('span', { class: 'stat-value' }, icc(o.leaf_mean)),
          h('span', { class: 'stat-label' }, t('stats.leafMean', { leaves: o.leaves || 0 }))),
        h('div', { class: 'stat', id: 'stats-completion' },
          h('span', { class: 'stat-value' }, pct(c.completion)),
          h('span', { class: 'stat-label' }, t('stats.completion', { submitted: c.submitted || 0, total: open })))),
      h('p', { class: 'panel-desc stats-method' }, icon('info'),
        t('stats.overallDesc', { units: o.units || 0, scores: o.scores || 0 })));
  }

  function renderReviewers() {
    const list = data.reviewers || [];
    const rules = data.rules || {};
    lenDesc.textContent = t('stats.leniencyDesc', {
      min: rules.leniency_min_n ?? 10, limit: Math.round((rules.leniency_limit ?? 0.05) * 100),
    });
    replace(revBody, ...(list.length ? revPager.slice(list).map((r) => {
      const open = (r.assigned || 0) - (r.recused || 0);
      const len = r.leniency || {};
      const who = personLabel(r.reviewer, r.reviewer_name);
      return h('tr', { 'data-login': r.reviewer },
        h('td', null, h('span', { class: 'cell-unit' }, h('span', { class: 'cell-name' }, r.reviewer_name || r.reviewer),
          h('code', { class: 'unit-code' }, r.reviewer))),
        h('td', { class: 'cell-bar' }, progressBar(r.submitted || 0, open, t('stats.completionOf', { who, submitted: r.submitted || 0, total: open }))),
        h('td', { class: 'cell-num' }, t('stats.ofTotal', { done: r.submitted || 0, total: open })),
        h('td', { class: 'cell-num' }, pct(r.mean_fraction)),
        h('td', { 'data-label': len.label || '' }, badge(len.label || '—', LENIENCY_KIND[len.label] || 'off')),
        h('td', { class: 'cell-num', title: len.fraction == null ? null : t('stats.offsetTip', { fraction: pct(len.fraction) }) },
          signed(len.per_100)),
        h('td', { class: 'cell-num' }, String(len.n || 0)));
    }) : [messageRow(7, t('stats.noReviewers'))]));
    if (!list.length) revPager.slice([]);
  }

  function renderIndicators() {
    const list = data.indicators || [];
    replace(indBody, ...(list.length ? indPager.slice(list).map((l) => h('tr', { 'data-leaf': l.code },
      h('td', null, h('span', { class: 'leaf-label' }, h('code', { class: 'leaf-code' }, l.code), ' ', l.name || '')),
      h('td', { class: 'cell-num' }, String(l.units || 0)),
      h('td', { class: 'cell-num' }, String(l.scores || 0)),
      h('td', { class: 'cell-num', 'data-icc': l.icc == null ? '' : String(l.icc) }, icc(l.icc)),
      h('td', null, iccBadge(l.label, l.reason))))
      : [messageRow(5, t('stats.noIndicators'))]));
    if (!list.length) indPager.slice([]);
  }

  function renderOutliers() {
    const o = data.outliers || {};
    const list = Array.isArray(o.items) ? o.items : [];
    const rules = data.rules || {};
    const who = names();
    const leaves = leafOf();
    outDesc.textContent = t(o.truncated ? 'stats.outliersTruncated' : 'stats.outliersDesc', {
      total: o.total || 0, shown: list.length, limit: Math.round((rules.outlier_limit ?? 0.4) * 100), min: rules.outlier_min_scores ?? 3,
    });
    replace(outBody, ...(list.length ? outPager.slice(list).map((x) => {
      const l = leaves.get(x.leaf);
      return h('tr', { 'data-unit': x.unit, 'data-leaf': x.leaf, 'data-login': x.reviewer },
        h('td', null, h('a', { href: resultsHash(cycle.id, { method: method(), unit: x.unit }), class: 'cell-unit' },
          h('span', { class: 'cell-name' }, unitName(x.unit)), h('code', { class: 'unit-code' }, x.unit))),
        h('td', null, h('span', { class: 'leaf-label' }, h('code', { class: 'leaf-code' }, x.leaf), ' ', l ? l.name || '' : '')),
        h('td', null, personLabel(x.reviewer, who.get(x.reviewer))),
        h('td', { class: 'cell-num is-warn' }, num(x.points)),
        h('td', { class: 'cell-num' }, num(x.others_median)),
        h('td', { class: 'cell-num' }, t('stats.distance', { distance: num(x.distance), fraction: pct(x.fraction) })));
    }) : [messageRow(6, h('span', { class: 'hint-count is-ok' }, icon('check'), t('stats.noOutliers')))]));
    if (!list.length) outPager.slice([]);
  }

  async function load(c) {
    if (loadedFor === c.id && data) return;
    cycle = c;
    loadedFor = c.id;
    const mine = ++seq;
    let reply;
    try {
      reply = await api.get(`/api/v1/cycles/${c.id}/statistics`);
    } catch (err) {
      if (mine !== seq) return;
      loadedFor = null;
      const retry = button(t('common.retry'), { kind: 'link', id: 'stats-retry', onclick: () => load(c) });
      replace(top, notice('error', [h('span', null, t('stats.failed', { reason: errorMessage(err) })), ' ', retry], { id: 'stats-error' }));
      for (const [b, n] of [[revBody, 7], [indBody, 5], [outBody, 6]]) replace(b, messageRow(n, t('stats.unavailable')));
      return;
    }
    if (mine !== seq) return;
    data = (reply && reply.statistics) || {};
    renderTop();
    renderReviewers();
    renderIndicators();
    renderOutliers();
  }

  return { el, load };
}
