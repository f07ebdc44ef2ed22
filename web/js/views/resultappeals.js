// web/js/views/resultappeals.js — 复核申请, the appeals tab of 考核结果 (results.js), and the
// small pieces of an appeal that 本单位结果 (myresults.js) and 我的评审任务 (reviews.js) show too.
// Owns, from GET /api/v1/cycles/{id}/appeals[?status=] (admin: every appeal of the cycle):
//  - the filter by status (全部 / 待处理 / 复核中 / 已采纳 / 未采纳) and the table: unit,
//    indicator, the unit's reasons (the indicator's and the whole appeal's), evidence count,
//    status, the re-reviewer, the re-review's points and comment, before → after, and actions;
//  - 指派复核 (a reviewer picker, reviewerpick.js, never a reviewer of the appealing unit →
//    POST …/appeals/{id}/assign {reviewer}) and 作出决定 (采纳 / 不予采纳, a response, the points
//    prefilled with the re-review's → POST …/appeals/{id}/decide {outcome, response, points?});
//    a decision calls onDecided() (the ranking reloads: the results recompute);
//  - appealStatusBadge() and outcomeText() (before → after) for the other pages.
// Loaded when the tab is first opened, and again after every change.

import { h, replace } from '../dom.js';
import { t, errorMessage, formatDateTime } from '../i18n.js';
import { api } from '../api.js';
import { button, badge, notice, messageRow, field, alertBox, formErrors, openDialog, uid } from '../ui.js';
import { localPager, personLabel } from './assignshared.js';
import { listReviewers, reviewerField } from './reviewerpick.js';
import { num } from './resultshared.js';

export const APPEAL_STATUSES = ['open', 'in_review', 'upheld', 'rejected'];
const STATUS_KIND = { open: 'warn', in_review: 'info', upheld: 'ok', rejected: 'off' };
const PAGE = 25;
const COLS = 8;
const TEXT_MAX = 1000;

/* The badge of an appeal's status. */
export function appealStatusBadge(status) {
  const el = badge(t('appeals.status.' + status), STATUS_KIND[status] || 'off');
  el.classList.add('appeal-status');
  el.dataset.status = status;
  return el;
}

/* "8 → 9.5" for a decided appeal (before → after; a rejected one keeps its score), or null
 * while it is not decided. */
export function outcomeText(a) {
  if (a.status !== 'upheld' && a.status !== 'rejected') return null;
  const after = a.status === 'upheld' ? a.after : a.before;
  return h('span', { class: 'appeal-change' + (after !== a.before ? ' is-changed' : ''), 'data-before': num(a.before), 'data-after': num(after) },
    h('span', { class: 'appeal-before' }, num(a.before)), ' → ', h('strong', { class: 'appeal-after' }, num(after)));
}

/* The evidence of an appeal as a short text ("2 处原文依据"), or null without any. */
export function evidenceText(a) {
  const n = Array.isArray(a.evidence) ? a.evidence.length : 0;
  return n ? t('appeals.evidenceCount', { n }) : null;
}

/* The evidence passages: quotes when the reply has them, else the offsets. */
export function evidenceList(a) {
  const list = Array.isArray(a.evidence) ? a.evidence : [];
  if (!list.length) return null;
  return h('ul', { class: 'appeal-evidence' }, list.map((e) => h('li', null,
    typeof e.quote === 'string' && e.quote
      ? h('blockquote', { class: 'appeal-quote' }, e.quote)
      : h('span', { class: 'text-muted' }, t('appeals.evidenceRange', { start: e.start, end: e.end })))));
}

/* The unit's reasons: the indicator's own and the whole appeal's. */
export function reasonBlock(a) {
  return h('div', { class: 'appeal-reasons' },
    a.reason ? h('p', { class: 'appeal-reason' }, a.reason) : null,
    a.group_reason && a.group_reason !== a.reason
      ? h('p', { class: 'appeal-group-reason' }, h('span', { class: 'text-muted' }, t('appeals.groupReason')), a.group_reason) : null);
}

/* The appeals part. opts: { onDecided() } (after a decision: the results changed). Returns
 * { el, load(cycle) }. */
export function appealsPart({ onDecided }) {
  let cycle = null;
  let list = null;
  let seq = 0;

  const state = h('div', { class: 'page-status', id: 'appeals-status', role: 'status' });
  const say = (kind, text) => replace(state, notice(kind, text));
  const filter = h('select', { id: 'appeals-filter', class: 'control' },
    ['', ...APPEAL_STATUSES].map((s) => h('option', { value: s }, t('appeals.filter.' + (s || 'all')))));
  const countText = h('span', { class: 'table-count', id: 'appeals-count' });
  const tbody = h('tbody');
  const pager = localPager({ id: 'appeals-pager', size: PAGE, onPage: () => render() });
  filter.addEventListener('change', () => { pager.reset(); render(); });

  const el = h('div', { class: 'appeals', id: 'results-appeals' },
    h('p', { class: 'panel-desc' }, t('appeals.adminDesc')),
    h('div', { class: 'toolbar toolbar-in-panel' },
      h('div', { class: 'toolbar-filters' },
        h('label', { class: 'toolbar-label', for: 'appeals-filter' }, t('appeals.col.status')), filter),
      countText),
    state,
    h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact appeals-table', id: 'appeals-table' },
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, t('appeals.col.unit')),
        h('th', { scope: 'col' }, t('appeals.col.indicator')),
        h('th', { scope: 'col', class: 'col-reason' }, t('appeals.col.reason')),
        h('th', { scope: 'col' }, t('appeals.col.status')),
        h('th', { scope: 'col' }, t('appeals.col.reviewer')),
        h('th', { scope: 'col', class: 'col-reason' }, t('appeals.col.rescore')),
        h('th', { scope: 'col', class: 'col-count' }, t('appeals.col.change')),
        h('th', { scope: 'col', class: 'col-actions' }, t('common.actions')))),
      tbody)),
    pager.el);

  const base = () => `/api/v1/cycles/${cycle.id}/appeals`;

  function row(a) {
    const decided = a.status === 'upheld' || a.status === 'rejected';
    const actions = [];
    if (!decided) {
      actions.push(button(a.reviewer ? t('appeals.reassign') : t('appeals.assign'), {
        kind: a.reviewer ? 'link' : 'secondary', 'data-action': 'assign',
        'aria-label': t('appeals.assignOf', { unit: a.unit_name, indicator: a.indicator }),
        onclick: () => assign(a),
      }));
      actions.push(button(t('appeals.decide'), {
        kind: a.rescore ? 'primary' : 'link', 'data-action': 'decide',
        'aria-label': t('appeals.decideOf', { unit: a.unit_name, indicator: a.indicator }),
        onclick: () => decide(a),
      }));
    }
    const rs = a.rescore;
    return h('tr', { 'data-appeal': String(a.id), 'data-unit': a.unit, 'data-status': a.status },
      h('td', null, h('span', { class: 'cell-unit' }, h('span', { class: 'cell-name' }, a.unit_name || a.unit), h('code', { class: 'unit-code' }, a.unit)),
        h('span', { class: 'cell-note' }, formatDateTime(a.created_at))),
      h('td', null, h('span', { class: 'leaf-label' }, h('code', { class: 'leaf-code' }, a.indicator), ' ', a.indicator_name || '')),
      h('td', { class: 'cell-reason' }, reasonBlock(a), evidenceText(a) ? h('span', { class: 'cell-note' }, evidenceText(a)) : null),
      h('td', null, appealStatusBadge(a.status)),
      h('td', null, a.reviewer ? personLabel(a.reviewer, a.reviewer_name) : h('span', { class: 'text-subtle' }, t('appeals.unassigned'))),
      h('td', { class: 'cell-reason' }, rs
        ? [h('strong', null, t('appeals.points', { n: num(rs.points) })), rs.comment ? h('p', { class: 'appeal-reason' }, rs.comment) : null]
        : h('span', { class: 'text-subtle' }, '—')),
      h('td', { class: 'cell-num' }, outcomeText(a) || h('span', { class: 'text-subtle' }, '—'),
        decided && a.response ? h('span', { class: 'cell-note', title: a.response }, a.response) : null),
      h('td', { class: 'cell-actions' }, h('div', { class: 'reviews-actions' }, actions)));
  }

  function render() {
    if (!list) return;
    const f = filter.value;
    const shown = f ? list.filter((a) => a.status === f) : list;
    countText.textContent = t('appeals.count', { shown: shown.length, total: list.length });
    replace(tbody, ...(shown.length ? pager.slice(shown).map(row)
      : [messageRow(COLS, list.length ? t('appeals.noneOfStatus') : t('appeals.none'))]));
    if (!shown.length) pager.slice([]);
  }

  async function load(c) {
    if (c) cycle = c;
    if (!cycle) return;
    const mine = ++seq;
    if (!list) replace(tbody, messageRow(COLS, t('app.loading')));
    let reply;
    try {
      reply = await api.get(base());
    } catch (err) {
      if (mine !== seq) return;
      list = null;
      const retry = button(t('common.retry'), { kind: 'link', onclick: () => load() });
      replace(tbody, messageRow(COLS, h('span', { class: 'text-danger' }, t('appeals.failed', { reason: errorMessage(err) })), ' ', retry));
      return;
    }
    if (mine !== seq) return;
    list = reply && Array.isArray(reply.appeals) ? reply.appeals : [];
    render();
  }

  async function assign(a) {
    let reviewers;
    try {
      reviewers = await listReviewers();
    } catch (err) {
      say('error', errorMessage(err));
      return;
    }
    const exclude = reviewers.filter((u) => u.unit && u.unit.code === a.unit).map((u) => u.login);
    const rf = reviewerField({ reviewers, exclude, hint: t('appeals.assignHint') });
    if (a.reviewer) rf.input.value = a.reviewer;
    const alert = alertBox();
    const errors = formErrors([rf], alert);
    const reply = await openDialog({
      title: t('appeals.assignTitle'), id: 'appeal-assign-dialog', size: 'md', submitText: t('appeals.assignSubmit'),
      initialFocus: rf.input,
      body: [summaryFacts(a), rf.wrap, alert],
      onSubmit: async () => {
        let login;
        try { login = rf.resolve(); } catch (e) { errors.field('reviewer', e.message); return false; }
        if (!login) { errors.field('reviewer', t('assign.add.reviewerRequired')); return false; }
        errors.clear();
        try {
          return await api.post(`${base()}/${a.id}/assign`, { reviewer: login });
        } catch (err) {
          errors.show(err);
          return false;
        }
      },
    }).closed;
    if (!reply) return;
    say('ok', t('appeals.assigned', { unit: a.unit_name || a.unit, indicator: a.indicator }));
    load();
  }

  async function decide(a) {
    const name = uid('outcome');
    const radios = h('div', { class: 'radio-col' }, ['upheld', 'rejected'].map((v) => h('label', { class: 'radio' },
      h('input', { type: 'radio', name, value: v, checked: v === (a.rescore ? 'upheld' : 'rejected') }),
      h('span', null, t('appeals.outcome.' + v)))));
    const outcomeWrap = h('fieldset', { class: 'field fieldset', 'data-field': 'outcome' }, h('legend', null, t('appeals.outcome')), radios);
    const pts = field('points', {
      label: t('appeals.newPoints'), hint: t(a.rescore ? 'appeals.newPointsHint' : 'appeals.newPointsNone'),
      input: h('input', { type: 'number', min: '0', step: 'any', inputmode: 'decimal', class: 'input-num',
        value: a.rescore && typeof a.rescore.points === 'number' ? String(a.rescore.points) : '' }),
    });
    const resp = field('response', {
      label: t('appeals.response'), hint: t('appeals.responseHint'),
      input: h('textarea', { rows: '3', maxlength: String(TEXT_MAX) }),
    });
    const outcome = () => (radios.querySelector('input:checked') || {}).value || 'rejected';
    const sync = () => { pts.wrap.hidden = outcome() !== 'upheld'; };
    radios.addEventListener('change', sync);
    sync();
    const alert = alertBox();
    const errors = formErrors([pts, resp], alert);
    const reply = await openDialog({
      title: t('appeals.decideTitle'), id: 'appeal-decide-dialog', size: 'md', submitText: t('appeals.decideSubmit'),
      body: [summaryFacts(a), outcomeWrap, pts.wrap, resp.wrap, alert],
      onSubmit: async () => {
        const body = { outcome: outcome(), response: resp.input.value.trim() };
        if (!body.response) { errors.field('response', t('appeals.responseRequired')); return false; }
        if (body.outcome === 'upheld') {
          const v = pts.input.value.trim();
          if (v === '' || pts.input.validity.badInput || !Number.isFinite(Number(v)) || Number(v) < 0) {
            errors.field('points', t('appeals.pointsInvalid'));
            return false;
          }
          body.points = Number(v);
        }
        errors.clear();
        try {
          return await api.post(`${base()}/${a.id}/decide`, body);
        } catch (err) {
          errors.show(err);
          return false;
        }
      },
    }).closed;
    if (!reply) return;
    say('ok', t('appeals.decided', { unit: a.unit_name || a.unit, indicator: a.indicator }));
    await load();
    if (onDecided) onDecided();
  }

  /* What a dialog is about: unit, indicator, the reasons and the re-review. */
  function summaryFacts(a) {
    return h('dl', { class: 'facts appeal-facts' },
      h('dt', null, t('appeals.col.unit')), h('dd', null, personLabel(a.unit, a.unit_name)),
      h('dt', null, t('appeals.col.indicator')), h('dd', null, `${a.indicator} ${a.indicator_name || ''}`),
      h('dt', null, t('appeals.col.reason')), h('dd', null, reasonBlock(a)),
      a.before != null ? [h('dt', null, t('appeals.before')), h('dd', null, num(a.before))] : null,
      a.rescore ? [h('dt', null, t('appeals.col.rescore')),
        h('dd', null, t('appeals.points', { n: num(a.rescore.points) }), a.rescore.comment ? ' · ' + a.rescore.comment : '')] : null);
  }

  return { el, load };
}

// ─── 复核任务 (我的评审任务, reviews.js) ──────────────────────────────────

/* The reviewer's re-reviews: for every cycle in the publication phase, GET …/appeals (the
 * appeals assigned to the caller). Returns { el, load() }; el stays hidden while there are
 * none. Each task shows the unit, the indicator, the unit's reasons and evidence, and, until
 * the office decides, a small form for the re-review's points and comment (POST
 * …/appeals/{id}/rescore {points, comment}). */
export function appealTasksPart() {
  const list = h('div', { class: 'appeal-tasks' });
  const state = h('div', { class: 'page-status', role: 'status', id: 'appeal-tasks-status' });
  const el = h('section', { class: 'panel panel-pad reviews-appeals', id: 'reviews-appeals', 'aria-labelledby': 'reviews-appeals-title', hidden: true },
    h('h2', { class: 'section-title', id: 'reviews-appeals-title' }, t('appeals.tasks')),
    h('p', { class: 'panel-desc' }, t('appeals.tasksDesc')),
    state, list);

  function task(c, a) {
    const decided = a.status === 'upheld' || a.status === 'rejected';
    const pts = field('points', {
      label: t('appeals.rescorePoints'),
      hint: t('appeals.rescoreHint'),
      input: h('input', { type: 'number', min: '0', step: 'any', inputmode: 'decimal',
        class: 'input-num', value: a.rescore && typeof a.rescore.points === 'number' ? String(a.rescore.points) : '' }),
    });
    const comment = field('comment', {
      label: t('appeals.rescoreComment'),
      input: h('textarea', { rows: '3', maxlength: String(TEXT_MAX) }, a.rescore && a.rescore.comment ? a.rescore.comment : ''),
    });
    const alert = alertBox();
    const errors = formErrors([pts, comment], alert);
    const save = button(a.rescore ? t('appeals.rescoreUpdate') : t('appeals.rescoreSubmit'), { kind: 'primary', type: 'submit', 'data-action': 'rescore' });
    const form = decided ? null : h('form', { class: 'appeal-rescore', novalidate: true, onsubmit: async (ev) => {
      ev.preventDefault();
      const v = pts.input.value.trim();
      if (v === '' || pts.input.validity.badInput || !Number.isFinite(Number(v)) || Number(v) < 0) { errors.field('points', t('appeals.pointsInvalid')); return; }
      const text = comment.input.value.trim();
      if (!text) { errors.field('comment', t('appeals.commentRequired')); return; }
      errors.clear();
      save.disabled = true;
      try {
        await api.post(`/api/v1/cycles/${c.id}/appeals/${a.id}/rescore`, { points: Number(v), comment: text });
      } catch (err) {
        save.disabled = false;
        errors.show(err);
        return;
      }
      replace(state, notice('ok', t('appeals.rescored', { unit: a.unit_name || a.unit, indicator: a.indicator })));
      load();
    } }, h('div', { class: 'appeal-rescore-grid' }, pts.wrap, comment.wrap), alert, h('div', { class: 'settings-foot' }, save));
    return h('article', { class: 'appeal-task', 'data-appeal': String(a.id), 'data-unit': a.unit, 'data-status': a.status },
      h('header', { class: 'appeal-task-head' },
        h('h3', { class: 'sub-title' }, a.unit_name || a.unit, ' · ', h('code', { class: 'leaf-code' }, a.indicator), ' ', a.indicator_name || ''),
        appealStatusBadge(a.status),
        h('span', { class: 'table-count' }, c.title)),
      h('dl', { class: 'facts appeal-facts' },
        h('dt', null, t('appeals.col.reason')), h('dd', null, reasonBlock(a)),
        evidenceList(a) ? [h('dt', null, t('appeals.evidence')), h('dd', null, evidenceList(a))] : null,
        decided ? [h('dt', null, t('appeals.col.change')), h('dd', null, outcomeText(a))] : null),
      form);
  }

  async function load() {
    let cycles;
    try {
      const reply = await api.get('/api/v1/cycles');
      cycles = (reply && Array.isArray(reply.cycles) ? reply.cycles : []).filter((c) => c.phase === 'publication');
    } catch {
      return; // the work list shows its own errors
    }
    const got = await Promise.allSettled(cycles.map((c) => api.get(`/api/v1/cycles/${c.id}/appeals`)));
    const items = [];
    got.forEach((g, i) => {
      if (g.status !== 'fulfilled') return;
      for (const a of (g.value && Array.isArray(g.value.appeals) ? g.value.appeals : [])) items.push(task(cycles[i], a));
    });
    el.hidden = !items.length;
    replace(list, items);
  }

  return { el, load };
}
