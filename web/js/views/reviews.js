// web/js/views/reviews.js — the work lists: a reviewer's 我的评审任务 (#/reviews) and a unit's
// 自评 (#/self-assessment), both from GET /api/v1/reviews; and 回避, which the scoring page
// offers too.
// Owns: the reviewer's list — one panel per cycle, newest first (title, phase, 评审截止 with
// the time left, 已提交 x / y), a table of its units (单位 — the neutral name in a blind cycle —,
// 报告 已提交 / 未提交, 状态 待评 / 评分中 / 已提交 / 已回避, 已评 n / m with a bar, 提交时间, and
// 开始评分 / 继续评分 / 查看评分表, 回避 while the sheet is not submitted); the unit's list — one
// row per cycle with its self-assessment (状态 未开始 / 自评中 / 已提交, 已评, 提交时间, 开始自评 /
// 继续自评 while the cycle is in the submission phase, 查看自评 otherwise); recuseDialog() (reason
// required, optionally declaring a conflict of interest → POST …/assignments/{id}/recuse) and
// statusBadge() for a sheet's status. Above the reviewer's list, 复核任务: the appeals the
// office assigned to the reviewer for re-review (resultappeals.js appealTasksPart).

import { h, icon, replace } from '../dom.js';
import { t, errorMessage, formatDateTime, formatMinute } from '../i18n.js';
import { api } from '../api.js';
import { timeLeft } from '../dates.js';
import { button, openDialog, badge, notice, messageRow, progressBar, field, alertBox, formErrors } from '../ui.js';
import { pageHead, emptyState } from './page.js';
import { phaseBadge } from './cycles.js';
import { appealTasksPart } from './resultappeals.js';

const REASON_MAX = 500;

/* "#/cycles/2/units/YL-SFJ/scoring". */
export function scoringHref(cycleId, unit) {
  return `#/cycles/${encodeURIComponent(cycleId)}/units/${encodeURIComponent(unit)}/scoring`;
}

/* The badge of a sheet's status; self: a self-assessment (其 wording differs). */
export function statusBadge(status, self = false) {
  const kind = { not_started: 'off', assigned: 'off', in_progress: 'info', submitted: 'ok', recused: 'off' }[status] || 'off';
  const key = self ? 'reviews.selfStatus.' + status : 'reviews.status.' + status;
  return h('span', { class: 'badge badge-' + kind + ' sc-status', 'data-status': status }, t(key));
}

/* The recusal dialog for assignment assignmentId of cycleId (unitName for the title).
 * Resolves to true once the server has taken it, undefined when cancelled. */
export function recuseDialog({ cycleId, assignmentId, unitName }) {
  const reason = h('textarea', { rows: '3', maxlength: String(REASON_MAX), class: 'control' });
  const reasonField = field('reason', { label: t('reviews.recuseReason'), input: reason, hint: t('reviews.recuseReasonHint') });
  const conflict = h('input', { type: 'checkbox', id: 'recuse-conflict' });
  const alert = alertBox();
  const errors = formErrors([reasonField], alert);
  const dlg = openDialog({
    title: t('reviews.recuseTitle', { unit: unitName }),
    id: 'recuse-dialog',
    size: 'md',
    danger: true,
    submitText: t('reviews.recuseConfirm'),
    body: [
      h('p', { class: 'dlg-intro' }, t('reviews.recuseIntro')),
      reasonField.wrap,
      h('label', { class: 'radio sc-check', for: 'recuse-conflict' }, conflict, h('span', null, t('reviews.recuseConflict'))),
      alert,
    ],
    onSubmit: async () => {
      errors.clear();
      const text = reason.value.trim();
      if (!text) { errors.field('reason', t('reviews.recuseReasonRequired')); return false; }
      try {
        await api.post(`/api/v1/cycles/${encodeURIComponent(cycleId)}/assignments/${encodeURIComponent(assignmentId)}/recuse`,
          { reason: text, conflict: conflict.checked });
      } catch (err) {
        errors.show(err);
        return false;
      }
      return true;
    },
  });
  return dlg.closed;
}

/* "剩余 3 天" / "剩余 5 小时" / "已截止" for a deadline in Unix seconds ('' without one). */
function leftText(secs) {
  if (typeof secs !== 'number') return '';
  const left = timeLeft(secs);
  if (left.past) return t('reviews.deadlinePast');
  return left.days ? t('reviews.daysLeft', { n: left.days }) : t('reviews.hoursLeft', { n: left.hours });
}

/* Rows of the reply grouped by cycle, newest cycle first (the server's order is kept). */
function byCycle(rows) {
  const groups = [];
  const seen = new Map();
  for (const r of rows) {
    let g = seen.get(r.cycle);
    if (!g) {
      g = { cycle: r.cycle, title: r.cycle_title, year: r.year, phase: r.phase, deadline: r.review_deadline, rows: [] };
      seen.set(r.cycle, g);
      groups.push(g);
    }
    g.rows.push(r);
  }
  return groups;
}

const scoredText = (r) => t('reviews.scored', { done: r.scored ?? 0, total: r.leaves ?? 0 });

function scoredCell(r) {
  return h('td', { class: 'cell-scored' },
    h('div', { class: 'scored-cell' },
      h('span', { class: 'cell-num' }, scoredText(r)),
      progressBar(r.scored ?? 0, r.leaves ?? 0, scoredText(r))));
}

// ─── 我的评审任务 ─────────────────────────────────────────────────────────

const REVIEW_COLS = 6;

export function reviewsView() {
  const body = h('div', { class: 'reviews-body', id: 'reviews-body' }, h('p', { class: 'card-loading' }, t('app.loading')));
  const status = h('div', { class: 'page-status', id: 'reviews-status', role: 'status' });
  const tasks = appealTasksPart();

  function row(r, g) {
    const open = r.status !== 'recused';
    const label = r.status === 'submitted' ? t('reviews.view') : r.status === 'in_progress' ? t('reviews.continue') : t('reviews.start');
    const actions = [];
    if (open) {
      actions.push(h('a', {
        class: 'btn ' + (r.status === 'submitted' ? 'btn-link' : 'btn-primary btn-sm'), href: scoringHref(r.cycle, r.unit), 'data-action': 'open',
        'aria-label': `${label}：${r.unit_name}`,
      }, label));
    }
    if (open && r.status !== 'submitted' && g.phase === 'review') {
      actions.push(button(t('reviews.recuse'), {
        kind: 'link', 'data-action': 'recuse', 'aria-label': t('reviews.recuseOf', { unit: r.unit_name }),
        onclick: async () => {
          const ok = await recuseDialog({ cycleId: r.cycle, assignmentId: r.assignment, unitName: r.unit_name });
          if (ok) {
            status.replaceChildren(notice('ok', t('reviews.recused', { unit: r.unit_name })));
            load();
          }
        },
      }));
    }
    const blind = typeof r.unit === 'string' && r.unit.startsWith('~');
    return h('tr', { 'data-unit': r.unit, 'data-assignment': String(r.assignment), 'data-status': r.status, class: r.status === 'recused' ? 'is-disabled' : null },
      h('td', null, h('div', { class: 'cell-unit' },
        open ? h('a', { href: scoringHref(r.cycle, r.unit), class: 'cell-link' }, r.unit_name) : h('span', { class: 'cell-name' }, r.unit_name),
        blind ? h('span', { class: 'unit-code' }, t('scoring.blind')) : h('span', { class: 'unit-code' }, r.unit))),
      h('td', null, r.has_report ? badge(t('reviews.report.yes'), 'ok') : badge(t('reviews.report.no'), 'warn')),
      h('td', null, statusBadge(r.status)),
      scoredCell(r),
      h('td', { class: 'cell-time' }, r.submitted_at ? formatDateTime(r.submitted_at) : h('span', { class: 'text-subtle' }, '—')),
      h('td', { class: 'cell-actions' }, h('div', { class: 'reviews-actions' }, actions)));
  }

  function panel(g) {
    const active = g.rows.filter((r) => r.status !== 'recused');
    const submitted = active.filter((r) => r.status === 'submitted').length;
    const left = g.phase === 'review' ? leftText(g.deadline) : '';
    return h('section', { class: 'panel reviews-panel', 'data-cycle': String(g.cycle), 'aria-labelledby': 'reviews-cycle-' + g.cycle },
      h('header', { class: 'reviews-panel-head' },
        h('div', { class: 'reviews-panel-title' },
          h('h2', { class: 'section-title', id: 'reviews-cycle-' + g.cycle }, g.title), phaseBadge(g.phase)),
        h('p', { class: 'reviews-panel-meta' },
          h('span', { class: 'reviews-count' }, t('reviews.submittedCount', { done: submitted, total: active.length })),
          g.deadline ? h('span', null, t('reviews.deadline', { time: formatMinute(g.deadline) }),
            left ? h('span', { class: 'reviews-left' + (left === t('reviews.deadlinePast') ? ' is-past' : '') }, left) : null) : null)),
      h('div', { class: 'table-wrap' },
        h('table', { class: 'table reviews-table' },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, t('reviews.col.unit')),
            h('th', { scope: 'col' }, t('reviews.col.report')),
            h('th', { scope: 'col' }, t('reviews.col.status')),
            h('th', { scope: 'col' }, t('reviews.col.scored')),
            h('th', { scope: 'col' }, t('reviews.col.submitted')),
            h('th', { scope: 'col', class: 'col-actions' }, t('common.actions')))),
          h('tbody', null, g.rows.map((r) => row(r, g))))));
  }

  async function load() {
    let reply;
    try {
      reply = await api.get('/api/v1/reviews');
    } catch (err) {
      replace(body, h('div', { class: 'panel' }, h('table', { class: 'table' }, h('tbody', null,
        messageRow(REVIEW_COLS, h('span', { class: 'text-danger' }, errorMessage(err)), ' ', button(t('common.retry'), { kind: 'link', onclick: () => load() }))))));
      return;
    }
    const rows = reply && Array.isArray(reply.reviews) ? reply.reviews : [];
    if (!rows.length) {
      replace(body, h('section', { class: 'panel' }, emptyState(t('page.reviews.hint'))));
      return;
    }
    replace(body, byCycle(rows).map(panel));
  }

  load();
  tasks.load();
  return {
    title: t('nav.reviews'),
    node: h('div', { class: 'page page-reviews', 'data-page': 'reviews' },
      pageHead(t('nav.reviews'), t('page.reviews.desc')),
      status,
      tasks.el,
      body),
  };
}

// ─── 自评 ─────────────────────────────────────────────────────────────────

const SELF_COLS = 6;

export function selfAssessmentView({ user }) {
  const tbody = h('tbody', null, messageRow(SELF_COLS, t('app.loading')));
  const unitCode = user && user.unit ? user.unit.code : null;

  function row(r) {
    const status = r.status || 'not_started';
    const open = r.phase === 'submission' && status !== 'submitted';
    const label = open ? (status === 'not_started' ? t('reviews.selfStart') : t('reviews.selfContinue')) : t('reviews.selfView');
    const canView = open || status !== 'not_started';
    const unit = r.unit || unitCode;
    return h('tr', { 'data-cycle': String(r.cycle), 'data-status': status },
      h('td', { class: 'cell-name' }, r.cycle_title),
      h('td', null, phaseBadge(r.phase)),
      h('td', null, statusBadge(status, true)),
      scoredCell(r),
      h('td', { class: 'cell-time' }, r.submitted_at ? formatDateTime(r.submitted_at) : h('span', { class: 'text-subtle' }, '—')),
      h('td', { class: 'cell-actions' }, canView && unit
        ? h('a', { class: 'btn ' + (open ? 'btn-primary btn-sm' : 'btn-link'), href: scoringHref(r.cycle, unit), 'data-action': 'open' }, label)
        : h('span', { class: 'text-subtle' }, t('reviews.selfClosed'))));
  }

  async function load() {
    let reply;
    try {
      reply = await api.get('/api/v1/reviews');
    } catch (err) {
      replace(tbody, messageRow(SELF_COLS, h('span', { class: 'text-danger' }, errorMessage(err)), ' ', button(t('common.retry'), { kind: 'link', onclick: () => load() })));
      return;
    }
    const rows = reply && Array.isArray(reply.reviews) ? reply.reviews : [];
    replace(tbody, ...(rows.length ? rows.map(row) : [messageRow(SELF_COLS, emptyState(t('page.selfAssessment.hint'), 'sm'))]));
  }

  load();
  return {
    title: t('nav.selfAssessment'),
    node: h('div', { class: 'page page-self', 'data-page': 'selfAssessment' },
      pageHead(t('nav.selfAssessment'), t('page.selfAssessment.desc')),
      h('p', { class: 'self-note' }, icon('info'), h('span', null, t('reviews.selfNote'))),
      h('section', { class: 'panel', 'aria-label': t('nav.selfAssessment') },
        h('div', { class: 'table-wrap' },
          h('table', { class: 'table', id: 'self-table' },
            h('thead', null, h('tr', null,
              h('th', { scope: 'col' }, t('reviews.col.cycle')),
              h('th', { scope: 'col' }, t('reviews.col.phase')),
              h('th', { scope: 'col' }, t('reviews.col.status')),
              h('th', { scope: 'col' }, t('reviews.col.scored')),
              h('th', { scope: 'col' }, t('reviews.col.submitted')),
              h('th', { scope: 'col', class: 'col-actions' }, t('common.actions')))),
            tbody)))),
  };
}
