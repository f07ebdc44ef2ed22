// web/js/views/assignprogress.js — the progress part of the 评审分配 page (admin).
// Owns, from GET /api/v1/cycles/{cycle}/progress:
//  - the summary at the top: 已提交 x / y 份评分表 with the percentage, a bar in three parts
//    (已提交 / 评分中 / 未开始) and its legend, the review deadline and whether it has passed,
//    how many reviewers have unsubmitted sheets and how many recusals there are;
//  - two tabs, 按评审人 and 按单位 (ARIA tabs: ←/→/Home/End move between them), each a table
//    with the three-part bar per row and the counts (the unit table also says where the
//    unit's self-assessment 自评 stands), paged in the browser;
//  - 未完成评审人: the reviewers with unsubmitted sheets (and the units), and 复制名单, which
//    puts one line per reviewer ("姓名（账号）：未提交 n 份") on the clipboard (with a fallback
//    that selects a text area) and says 已复制;
//  - 回避记录: every recusal (unit, reviewer, reason, time, how many reviewers the unit has now)
//    with 重新分配, which picks another reviewer for that unit (reviewerpick.js).
// The page (assignments.js) says which cycle to show and is told when an assignment was made.

import { h, icon, replace } from '../dom.js';
import { t, errorMessage, formatDateTime, formatMinute } from '../i18n.js';
import { api } from '../api.js';
import { button, badge, notice, messageRow } from '../ui.js';
import { statusBadge, stackBar, stackLegend, localPager, copyText, personLabel, EDITABLE_PHASES } from './assignshared.js';
import { assignDialog } from './reviewerpick.js';

const PAGE = 20;
const SMALL_PAGE = 10;
const MAX_UNITS_SHOWN = 5;

const active = (r) => (r.not_started || 0) + (r.in_progress || 0) + (r.submitted || 0);
const num = (n, cls) => h('td', { class: 'cell-num' + (cls ? ' ' + cls : '') }, String(n || 0));

/* The progress part. opts: { say(kind, text): the page's notice line; reviewersOf(code) → the
 * logins already on that unit (not offered when reassigning); onAssigned(): an assignment
 * was made here }. Returns { top: the summary panel, tabs: the panel with the two tables,
 * side: the late list and the recusals, load(cycle) }. */
export function progressPart({ say, reviewersOf, onAssigned }) {
  let cycle = null;
  let data = null;
  let seq = 0;

  // ─── summary ───
  const summary = h('div', { class: 'assign-summary', id: 'assign-summary', 'aria-live': 'polite' },
    h('p', { class: 'card-loading' }, t('app.loading')));
  const top = h('section', { class: 'panel panel-pad assign-top', 'aria-labelledby': 'assign-summary-title' },
    h('h2', { class: 'section-title', id: 'assign-summary-title' }, t('assign.progress.title')),
    summary);

  // ─── tabs ───
  const tabIds = ['reviewers', 'units'];
  const tabButtons = {};
  const tabPanels = {};
  let current = 'reviewers';
  const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('assign.progress.tabs') });
  for (const id of tabIds) {
    const tabId = 'assign-tab-' + id;
    const panelId = 'assign-tabpanel-' + id;
    tabButtons[id] = h('button', {
      type: 'button', role: 'tab', id: tabId, class: 'tab', 'aria-controls': panelId,
      'aria-selected': String(id === current), tabindex: id === current ? '0' : '-1',
      onclick: () => select(id),
    }, t('assign.progress.tab.' + id));
    tabPanels[id] = h('div', { role: 'tabpanel', id: panelId, class: 'tab-panel', 'aria-labelledby': tabId, hidden: id !== current });
    tablist.append(tabButtons[id]);
  }
  tablist.addEventListener('keydown', (ev) => {
    const i = tabIds.indexOf(current);
    let n = null;
    if (ev.key === 'ArrowRight') n = (i + 1) % tabIds.length;
    else if (ev.key === 'ArrowLeft') n = (i + tabIds.length - 1) % tabIds.length;
    else if (ev.key === 'Home') n = 0;
    else if (ev.key === 'End') n = tabIds.length - 1;
    if (n === null) return;
    ev.preventDefault();
    select(tabIds[n]);
    tabButtons[tabIds[n]].focus();
  });

  function select(id) {
    current = id;
    for (const k of tabIds) {
      tabButtons[k].setAttribute('aria-selected', String(k === id));
      tabButtons[k].tabIndex = k === id ? 0 : -1;
      tabPanels[k].hidden = k !== id;
    }
  }

  const revBody = h('tbody');
  const unitBody = h('tbody');
  const revPager = localPager({ id: 'assign-rev-pager', size: PAGE, onPage: () => renderReviewers() });
  const unitPager = localPager({ id: 'assign-unit-pager', size: PAGE, onPage: () => renderUnits() });
  const onlyOpen = h('input', { type: 'checkbox', id: 'assign-units-open' });
  onlyOpen.addEventListener('change', () => { unitPager.reset(); renderUnits(); });
  const headRow = (first, extra) => h('thead', null, h('tr', null,
    first.map((k, i) => h('th', { scope: 'col', class: i ? 'col-count' : null }, t(k))),
    h('th', { scope: 'col', class: 'col-bar' }, t('assign.col.progress')),
    ['assign.bar.not_started', 'assign.bar.in_progress', 'assign.bar.submitted', 'assign.status.recused']
      .map((k) => h('th', { scope: 'col', class: 'col-count' }, t(k))),
    extra ? h('th', { scope: 'col' }, t(extra)) : null));
  replace(tabPanels.reviewers,
    h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', id: 'assign-by-reviewer' },
      headRow(['assign.col.reviewer', 'assign.col.assigned']), revBody)),
    revPager.el);
  replace(tabPanels.units,
    h('label', { class: 'check-line tab-filter' }, onlyOpen, h('span', null, t('assign.progress.onlyOpen'))),
    h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', id: 'assign-by-unit' },
      headRow(['assign.col.unit', 'assign.col.reviewers'], 'assign.col.self'), unitBody)),
    unitPager.el);
  const tabs = h('section', { class: 'panel assign-tabs', 'aria-label': t('assign.progress.tabs') },
    tablist, tabPanels.reviewers, tabPanels.units);

  // ─── late reviewers and recusals ───
  const lateBody = h('tbody');
  const latePager = localPager({ id: 'assign-late-pager', size: SMALL_PAGE, onPage: () => renderLate() });
  const copyStatus = h('span', { class: 'copy-status', role: 'status', id: 'assign-copy-status' });
  const copyArea = h('textarea', {
    class: 'control copy-area', id: 'assign-copy-area', readonly: true, rows: '4', hidden: true,
    'aria-label': t('assign.late.copyArea'),
  });
  const copyBtn = button(t('assign.late.copy'), { icon: 'copy', id: 'assign-copy', onclick: () => copyLate() });
  const lateNote = h('p', { class: 'panel-desc', id: 'assign-late-note' });
  const recBody = h('tbody');
  const recPager = localPager({ id: 'assign-rec-pager', size: SMALL_PAGE, onPage: () => renderRecusals() });
  const side = h('div', { class: 'assign-grid' },
    h('section', { class: 'panel', id: 'assign-late', 'aria-labelledby': 'assign-late-title' },
      h('div', { class: 'panel-bar' },
        h('h2', { class: 'section-title', id: 'assign-late-title' }, t('assign.late.title')),
        h('div', { class: 'panel-bar-actions' }, copyStatus, copyBtn)),
      lateNote,
      copyArea,
      h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', id: 'assign-late-table' },
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, t('assign.col.reviewer')),
          h('th', { scope: 'col', class: 'col-count' }, t('assign.late.col.unsubmitted')),
          h('th', { scope: 'col' }, t('assign.late.col.units')))),
        lateBody)),
      latePager.el),
    h('section', { class: 'panel', id: 'assign-recusals', 'aria-labelledby': 'assign-rec-title' },
      h('div', { class: 'panel-bar' },
        h('h2', { class: 'section-title', id: 'assign-rec-title' }, t('assign.rec.title'))),
      h('p', { class: 'panel-desc' }, t('assign.rec.desc')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', id: 'assign-rec-table' },
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, t('assign.col.unit')),
          h('th', { scope: 'col' }, t('assign.col.reviewer')),
          h('th', { scope: 'col' }, t('assign.rec.col.reason')),
          h('th', { scope: 'col' }, t('assign.rec.col.at')),
          h('th', { scope: 'col', class: 'col-actions' }, t('common.actions')))),
        recBody)),
      recPager.el));

  // ─── rendering ───
  function unitName(code) {
    const u = data.unitByCode.get(code);
    return u ? u.name : code;
  }

  function renderSummary() {
    const d = data;
    const sums = { not_started: 0, in_progress: 0, submitted: 0, recused: 0 };
    for (const r of d.reviewers) for (const k of Object.keys(sums)) sums[k] += r[k] || 0;
    const total = sums.not_started + sums.in_progress + sums.submitted;
    const pct = total ? Math.round((sums.submitted / total) * 100) : 0;
    const deadline = typeof d.review_deadline === 'number'
      ? h('span', { id: 'assign-deadline' }, t('assign.progress.deadline', { time: formatMinute(d.review_deadline) }),
        d.overdue ? badge(t('assign.progress.overdue'), 'warn') : null)
      : h('span', { id: 'assign-deadline' }, t('assign.progress.noDeadline'));
    const noReviewers = d.units.filter((u) => active(u) === 0).length;
    replace(summary,
      h('div', { class: 'progress-line' },
        h('span', { class: 'progress-count', id: 'assign-progress-count' },
          t('assign.progress.count', { done: sums.submitted, total })),
        h('span', { class: 'progress-pct', id: 'assign-progress-pct' }, pct + '%')),
      stackBar(sums, t('assign.progress.title'), { id: 'assign-progress-bar' }),
      h('div', { class: 'assign-summary-foot' },
        stackLegend(),
        h('p', { class: 'progress-notes', id: 'assign-progress-notes' },
          t('assign.progress.notes', {
            in_progress: sums.in_progress, not_started: sums.not_started, late: d.late.length, recused: sums.recused,
          }) + (noReviewers ? t('assign.progress.emptyUnits', { units: d.units.length, empty: noReviewers }) : ''))),
      h('p', { class: 'assign-deadline' }, icon('clock'), deadline));
  }

  function reviewerRow(r) {
    return h('tr', { 'data-login': r.login },
      h('td', null, h('span', { class: 'cell-unit' }, h('span', { class: 'cell-name' }, r.display_name || r.login),
        h('code', { class: 'unit-code' }, r.login))),
      num(r.assigned),
      h('td', { class: 'cell-bar' }, stackBar(r, r.display_name || r.login)),
      num(r.not_started), num(r.in_progress), num(r.submitted), num(r.recused, r.recused ? 'is-warn' : null));
  }

  function unitRow(u) {
    let self;
    if (u.self && u.self !== 'not_started') self = statusBadge(u.self);
    else self = h('span', { class: 'text-subtle' }, t('assign.self.none'));
    const n = active(u);
    return h('tr', { 'data-code': u.code },
      h('td', null, h('span', { class: 'cell-unit' }, h('span', { class: 'cell-name' }, u.name), h('code', { class: 'unit-code' }, u.code))),
      h('td', { class: 'cell-num' }, n ? String(n) : badge(t('assign.unassigned'), 'warn')),
      h('td', { class: 'cell-bar' }, stackBar(u, u.name)),
      num(u.not_started), num(u.in_progress), num(u.submitted), num(u.recused, u.recused ? 'is-warn' : null),
      h('td', null, self));
  }

  function renderReviewers() {
    const list = data.reviewers;
    replace(revBody, ...(list.length ? revPager.slice(list).map(reviewerRow)
      : [messageRow(8, t('assign.progress.noReviewers'))]));
    if (!list.length) revPager.slice([]);
  }

  function renderUnits() {
    const list = onlyOpen.checked ? data.units.filter((u) => active(u) === 0 || u.not_started || u.in_progress) : data.units;
    replace(unitBody, ...(list.length ? unitPager.slice(list).map(unitRow)
      : [messageRow(9, t(onlyOpen.checked ? 'assign.progress.allDone' : 'assign.progress.noUnits'))]));
    if (!list.length) unitPager.slice([]);
  }

  function lateUnits(codes) {
    const names = codes.slice(0, MAX_UNITS_SHOWN).map(unitName);
    const more = codes.length > MAX_UNITS_SHOWN ? t('assign.late.more', { count: codes.length }) : '';
    return names.join('、') + more;
  }

  function renderLate() {
    const late = data.late;
    if (data.overdue) lateNote.textContent = t('assign.late.overdue', { count: late.length });
    else lateNote.textContent = t('assign.late.desc', { count: late.length });
    copyBtn.disabled = !late.length;
    replace(lateBody, ...(late.length ? latePager.slice(late).map((r) => h('tr', { 'data-login': r.login },
      h('td', null, h('span', { class: 'cell-unit' }, h('span', { class: 'cell-name' }, r.display_name || r.login),
        h('code', { class: 'unit-code' }, r.login))),
      num(r.unsubmitted, 'is-strong'),
      h('td', { class: 'cell-units' }, lateUnits(Array.isArray(r.units) ? r.units : []))))
      : [messageRow(3, h('span', { class: 'hint-count is-ok' }, icon('check'), t('assign.late.none')))]));
    if (!late.length) latePager.slice([]);
  }

  /* The text 复制名单 copies: one line per reviewer. */
  function lateText() {
    return data.late.map((r) => t('assign.late.line', {
      name: personLabel(r.login, r.display_name), count: r.unsubmitted,
    })).join('\n');
  }

  async function copyLate() {
    if (!data || !data.late.length) return;
    const ok = await copyText(lateText(), copyArea);
    copyStatus.textContent = t(ok ? 'assign.late.copied' : 'assign.late.copyFailed', { count: data.late.length });
    copyStatus.className = 'copy-status ' + (ok ? 'is-ok' : 'is-bad');
    if (ok) copyArea.hidden = true;
  }

  function renderRecusals() {
    const list = data.recusals;
    const canEdit = EDITABLE_PHASES.includes(cycle.phase);
    replace(recBody, ...(list.length ? recPager.slice(list).map((r) => {
      const unit = data.unitByCode.get(r.unit);
      const now = unit ? active(unit) : null;
      const again = canEdit ? button(t('assign.rec.reassign'), {
        kind: 'link', 'data-action': 'reassign', 'aria-label': t('assign.rec.reassignOf', { unit: r.unit_name }),
        onclick: (ev) => reassign(r, ev.currentTarget),
      }) : null;
      return h('tr', { 'data-assignment': String(r.assignment), 'data-unit': r.unit },
        h('td', null, h('span', { class: 'cell-unit' }, h('span', { class: 'cell-name' }, r.unit_name), h('code', { class: 'unit-code' }, r.unit)),
          now == null ? null : h('span', { class: 'rec-now', 'data-now': String(now) }, t('assign.rec.now', { count: now }))),
        h('td', null, personLabel(r.reviewer, r.reviewer_name)),
        h('td', { class: 'cell-reason' }, r.reason || h('span', { class: 'text-subtle' }, '—'),
          r.by && r.by !== r.reviewer ? h('span', { class: 'cell-sub' }, t('assign.rec.byOffice')) : null),
        h('td', { class: 'cell-time' }, formatDateTime(r.at)),
        h('td', { class: 'cell-actions' }, again));
    }) : [messageRow(5, t('assign.rec.none'))]));
    if (!list.length) recPager.slice([]);
  }

  async function reassign(r, btn) {
    let dlg;
    try {
      dlg = await assignDialog({
        cycle, unit: { code: r.unit, name: r.unit_name }, id: 'reassign-dialog',
        exclude: [r.reviewer, ...reviewersOf(r.unit)],
        title: t('assign.rec.reassignTitle', { unit: r.unit_name }),
        intro: t('assign.rec.reassignIntro', { reviewer: personLabel(r.reviewer, r.reviewer_name), reason: r.reason || '—' }),
      });
    } catch (err) {
      say('error', errorMessage(err));
      return;
    }
    const reply = await dlg.closed;
    if (!reply || !reply.assignment) { btn.focus(); return; }
    const a = reply.assignment;
    say('ok', t('assign.rec.reassigned', { unit: r.unit_name, reviewer: personLabel(a.reviewer || '', a.reviewer_name) }));
    onAssigned();
  }

  function showError(err) {
    const retry = button(t('common.retry'), { kind: 'link', id: 'assign-progress-retry', onclick: () => load(cycle) });
    replace(summary, notice('error', [h('span', null, t('assign.progress.failed', { reason: errorMessage(err) })), ' ', retry],
      { id: 'assign-progress-error' }));
    for (const body of [revBody, unitBody]) replace(body, messageRow(9, t('assign.progress.unavailable')));
    replace(lateBody, messageRow(3, t('assign.progress.unavailable')));
    replace(recBody, messageRow(5, t('assign.progress.unavailable')));
    copyBtn.disabled = true;
  }

  /* Loads and shows the progress of cycle {id, phase, …}. */
  async function load(c) {
    cycle = c;
    const mine = ++seq;
    let reply;
    try {
      reply = await api.get(`/api/v1/cycles/${c.id}/progress`);
    } catch (err) {
      if (mine === seq) showError(err);
      return;
    }
    if (mine !== seq) return;
    const arr = (v) => (Array.isArray(v) ? v : []);
    data = {
      review_deadline: reply.review_deadline ?? null, overdue: !!reply.overdue,
      reviewers: arr(reply.reviewers), units: arr(reply.units), late: arr(reply.late), recusals: arr(reply.recusals),
    };
    data.unitByCode = new Map(data.units.map((u) => [u.code, u]));
    copyStatus.textContent = '';
    copyArea.hidden = true;
    renderSummary();
    renderReviewers();
    renderUnits();
    renderLate();
    renderRecusals();
  }

  return { top, tabs, side, load };
}
