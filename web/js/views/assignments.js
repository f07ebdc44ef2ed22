// web/js/views/assignments.js — 评审分配 (#/assignments?cycle=ID, admin): who reviews which
// unit in one cycle, and how far the reviews have got.
// Owns the page frame and the assignment table:
//  - the cycle picker (GET /api/v1/cycles through ctx.refreshCycles; the default is the newest
//    cycle in the review phase, else the newest; the choice lives in the URL's ?cycle=ID so a
//    reload keeps it), the phase, and the page's actions: 添加分配 (reviewerpick.js),
//    批量导入 (assignimport.js) and 自动分配 (autoassign.js), offered while assignments may
//    change (筹备, 报告填报, 评审);
//  - the progress (assignprogress.js) and the conflicts of interest (assignconflicts.js);
//  - the assignments grouped by unit (GET /api/v1/cycles/{id}/assignments, with the cycle's
//    units from GET /api/v1/cycles/{id}/units so a unit without any reviewer shows too):
//    the unit with 已提交 x / n and 添加评审人, then one line per sheet — the reviewer (or 单位
//    自评), the status badge (with the reason of a recusal), how many indicators are scored,
//    when it was submitted, and 查看评分表 (#/cycles/C/units/U/scoring?sheet=ID, the read-only
//    view of the scoring page), 取消分配 (no scores yet; DELETE, after a confirmation) and
//    退回修改 (a submitted sheet while its author may still edit it — a review sheet in the
//    review phase, a self-assessment in the submission phase; POST …/assignments/{id}/reopen
//    with a required reason);
//    filtered by text (unit or reviewer) and status, paged by units in the browser.
// Every change reloads the table and the progress; results are said in the page's notice
// line, server refusals with the server's words.

import { h, icon, replace } from '../dom.js';
import { t, errorMessage, errorText, formatDateTime, formatMinute } from '../i18n.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { alertBox, formErrors, button, openDialog, confirmDialog, badge, notice, messageRow } from '../ui.js';
import { pageHead } from './page.js';
import { phaseBadge } from './cycles.js';
import { statusBadge, localPager, personLabel, EDITABLE_PHASES } from './assignshared.js';
import { progressPart } from './assignprogress.js';
import { conflictsPart, reasonField, reasonValue } from './assignconflicts.js';
import { assignDialog } from './reviewerpick.js';
import { assignImportDialog } from './assignimport.js';
import { autoAssignDialog } from './autoassign.js';

const COLS = 6;
const UNITS_PER_PAGE = 25;
const FILTERS = ['', 'unassigned', 'assigned', 'in_progress', 'submitted', 'recused'];

/* The cycle to show: ?cycle=ID when it names one of cycles, else the newest in the review
 * phase, else the newest (cycles come newest first). null when there is none. */
export function defaultCycle(cycles, wanted) {
  if (wanted != null) {
    const c = cycles.find((x) => x.id === wanted);
    if (c) return c;
  }
  return cycles.find((c) => c.phase === 'review') || cycles[0] || null;
}

const isActive = (a) => a.status !== 'recused';

export function assignmentsView({ refreshCycles, route }) {
  const wantedText = route.query.get('cycle');
  const wanted = /^\d+$/.test(wantedText || '') ? Number(wantedText) : null;
  let cycles = [];
  let cycle = null;
  let units = null;        // the cycle's units [{code, name, kind, kind_name}] or null
  let assignments = null;  // the cycle's assignments, or null before they are loaded

  const status = h('div', { class: 'page-status', id: 'assign-status', role: 'status' });
  const say = (kind, text) => replace(status, notice(kind, text));

  // ─── cycle bar and actions ───
  const cycleBar = h('section', { class: 'panel panel-pad cycle-bar assign-bar', 'aria-label': t('assign.cycleBar') },
    h('p', { class: 'card-loading' }, t('app.loading')));
  const addBtn = button(t('assign.add'), { kind: 'primary', icon: 'plus', id: 'assign-add', onclick: () => addDialog(null) });
  const importBtn = button(t('assign.import'), { icon: 'upload', id: 'assign-import', onclick: () => importDialog() });
  const autoBtn = button(t('assign.auto'), { icon: 'assignments', id: 'assign-auto', onclick: (ev) => autoDialog(ev.currentTarget) });
  const canEdit = () => !!cycle && EDITABLE_PHASES.includes(cycle.phase);

  function renderBar() {
    const sel = h('select', { id: 'assign-cycle', class: 'control' },
      cycles.map((c) => h('option', { value: String(c.id), selected: c.id === cycle.id },
        t('assign.cycleOption', { title: c.title, phase: t('phase.' + c.phase) }))));
    sel.addEventListener('change', () => navigate('/assignments?cycle=' + sel.value));
    const editable = canEdit();
    for (const b of [addBtn, importBtn, autoBtn]) b.hidden = !editable;
    replace(cycleBar,
      h('div', { class: 'cycle-bar-top' },
        h('div', { class: 'cycle-pick' }, h('label', { class: 'toolbar-label', for: 'assign-cycle' }, t('assign.cycle')), sel),
        phaseBadge(cycle.phase),
        h('a', { href: '#/cycles/' + cycle.id, class: 'btn btn-link', id: 'assign-cycle-link' }, t('assign.cycleLink')),
        h('div', { class: 'assign-actions' }, autoBtn, importBtn, addBtn)),
      editable ? null : notice('info', t('assign.readonly', { phase: t('phase.' + cycle.phase) }), { id: 'assign-readonly' }),
      cycle.phase === 'draft' || cycle.phase === 'submission'
        ? h('p', { class: 'assign-bar-note' }, icon('info'), t('assign.earlyNote', { deadline: typeof cycle.review_deadline === 'number' ? formatMinute(cycle.review_deadline) : t('cycles.noDeadline') }))
        : null);
  }

  // ─── progress and conflicts ───
  const progress = progressPart({
    say,
    reviewersOf: (code) => (assignments || []).filter((a) => a.unit === code && a.kind !== 'self').map((a) => a.reviewer),
    onAssigned: () => reload(),
  });
  const conflicts = conflictsPart({ say, onDeclared: () => reload() });

  // ─── the assignment table ───
  const tbody = h('tbody');
  const search = h('input', {
    type: 'search', id: 'assign-search', class: 'control', maxlength: '100', autocomplete: 'off',
    placeholder: t('assign.searchPlaceholder'),
  });
  const statusFilter = h('select', { id: 'assign-filter', class: 'control' },
    FILTERS.map((v) => h('option', { value: v }, t('assign.filter.' + (v || 'all')))));
  const pager = localPager({ id: 'assign-pager', size: UNITS_PER_PAGE, onPage: () => render() });
  const countText = h('span', { class: 'table-count', id: 'assign-count' });
  let debounce = null;
  search.addEventListener('input', () => { clearTimeout(debounce); debounce = setTimeout(() => { pager.reset(); render(); }, 200); });
  statusFilter.addEventListener('change', () => { pager.reset(); render(); });

  /* The units with their assignments, in the order of the cycle's units (then any unit only
   * the assignments know). */
  function groups() {
    const map = new Map();
    for (const u of units || []) map.set(u.code, { code: u.code, name: u.name, kind: u.kind_name || u.kind || '', rows: [] });
    for (const a of assignments || []) {
      if (!map.has(a.unit)) map.set(a.unit, { code: a.unit, name: a.unit_name, kind: '', rows: [] });
      map.get(a.unit).rows.push(a);
    }
    return [...map.values()];
  }

  function filtered() {
    const q = search.value.trim().toLowerCase();
    const f = statusFilter.value;
    const out = [];
    for (const g of groups()) {
      const unitHit = !q || g.name.toLowerCase().includes(q) || g.code.toLowerCase().includes(q);
      if (f === 'unassigned') {
        if (unitHit && !g.rows.some(isActive)) out.push(g);
        continue;
      }
      const rows = g.rows.filter((a) => (!f || a.status === f) &&
        (unitHit || a.reviewer.toLowerCase().includes(q) || (a.reviewer_name || '').toLowerCase().includes(q)));
      if (rows.length || (!f && unitHit)) out.push({ ...g, rows });
    }
    return out;
  }

  function unitCell(g, span) {
    const act = g.rows.filter((a) => isActive(a) && a.kind !== 'self');
    const done = act.filter((a) => a.status === 'submitted').length;
    const add = canEdit() ? button(t('assign.addReviewer'), {
      kind: 'link', icon: 'plus', 'data-action': 'add', 'aria-label': t('assign.addReviewerOf', { unit: g.name }),
      onclick: () => addDialog(g),
    }) : null;
    return h('td', { class: 'cell-group', rowspan: String(span) },
      h('span', { class: 'cell-unit' }, h('span', { class: 'cell-name' }, g.name), h('code', { class: 'unit-code' }, g.code)),
      h('span', { class: 'cell-sub group-count', 'data-done': String(done), 'data-total': String(act.length) },
        act.length ? t('assign.groupCount', { done, total: act.length }) : badge(t('assign.unassigned'), 'warn')),
      add);
  }

  function assignmentRow(g, a, first, span) {
    const self = a.kind === 'self';
    const href = `#/cycles/${cycle.id}/units/${encodeURIComponent(g.code)}/scoring?sheet=${a.id}`;
    const who = personLabel(a.reviewer, a.reviewer_name);
    const view = h('a', {
      class: 'btn btn-link', href, 'data-action': 'view',
      'aria-label': t('assign.viewOf', { unit: g.name, reviewer: self ? t('assign.self') : who }),
    }, t('assign.view'));
    let cancel = null;
    let reopen = null;
    if (canEdit() && !self && !a.scored && a.status !== 'submitted') {
      cancel = button(t('assign.cancel'), {
        kind: 'link', 'data-action': 'cancel', 'aria-label': t('assign.cancelOf', { unit: g.name, reviewer: who }),
        onclick: () => cancelAssignment(g, a),
      });
    }
    if (a.status === 'submitted' && cycle.phase === (self ? 'submission' : 'review')) {
      reopen = button(t('assign.reopen'), {
        kind: 'link', 'data-action': 'reopen', 'aria-label': t('assign.reopenOf', { unit: g.name, reviewer: self ? t('assign.self') : who }),
        onclick: (ev) => reopenDialog(g, a, ev.currentTarget),
      });
    }
    return h('tr', { 'data-id': String(a.id), 'data-unit': g.code, 'data-reviewer': a.reviewer, 'data-status': a.status, class: first ? 'group-first' : null },
      first ? unitCell(g, span) : null,
      h('td', null, self
        ? h('span', { class: 'cell-unit' }, h('span', null, h('span', { class: 'tag-self' }, t('assign.self')), ' ', a.reviewer_name || ''), h('code', { class: 'unit-code' }, a.reviewer))
        : h('span', { class: 'cell-unit' }, h('span', null, a.reviewer_name || a.reviewer), h('code', { class: 'unit-code' }, a.reviewer))),
      h('td', null, h('span', { class: 'cell-stack' }, statusBadge(a.status),
        a.status === 'recused' && a.recuse_reason ? h('span', { class: 'cell-sub' }, t('assign.recuseReason', { reason: a.recuse_reason })) : null)),
      h('td', { class: 'cell-num' }, a.scored ? t('assign.scored', { count: a.scored }) : h('span', { class: 'text-subtle' }, '—')),
      h('td', { class: 'cell-time' }, a.submitted_at ? formatDateTime(a.submitted_at) : h('span', { class: 'text-subtle' }, '—')),
      h('td', { class: 'cell-actions' }, view, reopen, cancel));
  }

  function render() {
    if (!assignments) return;
    const list = filtered();
    const total = assignments.filter((a) => a.kind !== 'self' && isActive(a)).length;
    countText.textContent = t('assign.count', { units: groups().length, total });
    const rows = [];
    for (const g of pager.slice(list)) {
      if (!g.rows.length) {
        rows.push(h('tr', { 'data-unit': g.code, class: 'group-first' }, unitCell(g, 1),
          h('td', { colspan: String(COLS - 1), class: 'text-muted' }, t('assign.noneForUnit'))));
        continue;
      }
      g.rows.forEach((a, i) => rows.push(assignmentRow(g, a, i === 0, g.rows.length)));
    }
    replace(tbody, ...(rows.length ? rows : [messageRow(COLS, h('div', { class: 'empty empty-sm' }, icon('empty', 'empty-icon'),
      h('p', { class: 'empty-title' }, t(assignments.length || (units && units.length) ? 'assign.noMatch' : 'assign.none'))))]));
  }

  async function loadAssignments() {
    const c = cycle;
    let reply;
    try {
      reply = await api.get(`/api/v1/cycles/${c.id}/assignments`);
    } catch (err) {
      if (c !== cycle) return;
      const retry = button(t('common.retry'), { kind: 'link', onclick: () => loadAssignments() });
      replace(tbody, messageRow(COLS, h('span', { class: 'text-danger' }, errorMessage(err)), ' ', retry));
      return;
    }
    if (c !== cycle) return;
    assignments = reply && Array.isArray(reply.assignments) ? reply.assignments : [];
    render();
  }

  async function loadUnits() {
    try {
      const reply = await api.get(`/api/v1/cycles/${cycle.id}/units`);
      units = reply && Array.isArray(reply.units) ? reply.units : [];
    } catch {
      units = null; // the table then shows the units that have assignments
    }
    render();
  }

  /* Reloads what an assignment change affects. */
  function reload() {
    loadAssignments();
    progress.load(cycle);
  }

  // ─── actions ───
  async function addDialog(g) {
    let dlg;
    try {
      dlg = await assignDialog({
        cycle,
        unit: g ? { code: g.code, name: g.name } : null,
        exclude: g ? g.rows.filter((a) => a.kind !== 'self').map((a) => a.reviewer) : [],
        title: g ? t('assign.addReviewerTitle', { unit: g.name }) : t('assign.add.title'),
        intro: t('assign.add.intro'),
      });
    } catch (err) {
      say('error', errorMessage(err));
      return;
    }
    const reply = await dlg.closed;
    if (!reply || !reply.assignment) return;
    const a = reply.assignment;
    const unitName = g ? g.name : ((units || []).find((u) => u.code === a.unit) || {}).name || a.unit;
    say('ok', t('assign.added', { unit: unitName, reviewer: a.reviewer }));
    reload();
  }

  function importDialog() {
    assignImportDialog({ cycle }).closed.then((reply) => {
      if (!reply) return;
      const c = reply.counts || {};
      say('ok', t('assign.imported', { create: c.create || 0, exists: c.exists || 0 }));
      reload();
    });
  }

  async function autoDialog(btn) {
    let dlg;
    btn.disabled = true;
    try {
      dlg = await autoAssignDialog({ cycle });
    } catch (err) {
      say('error', errorMessage(err));
      return;
    } finally {
      btn.disabled = false;
    }
    const reply = await dlg.closed;
    if (!reply) return;
    const n = Array.isArray(reply.proposed) ? reply.proposed.length : 0;
    const short = Array.isArray(reply.short) ? reply.short.length : 0;
    say('ok', short ? t('assign.autoDoneShort', { count: n, short }) : t('assign.autoDone', { count: n }));
    reload();
  }

  async function cancelAssignment(g, a) {
    const reply = await confirmDialog({
      id: 'assign-cancel-dialog',
      title: t('assign.cancelTitle'),
      message: [t('assign.cancelConfirm', { unit: g.name, reviewer: personLabel(a.reviewer, a.reviewer_name) }), t('assign.cancelEffect')],
      confirmText: t('assign.cancelSubmit'),
      danger: true,
      action: async () => { await api.del(`/api/v1/cycles/${cycle.id}/assignments/${a.id}`); return { done: true }; },
    });
    if (!reply) return;
    say('ok', t('assign.cancelled', { unit: g.name, reviewer: personLabel(a.reviewer, a.reviewer_name) }));
    reload();
  }

  function reopenDialog(g, a, btn) {
    const self = a.kind === 'self';
    const who = self ? t('assign.selfOf', { unit: g.name }) : personLabel(a.reviewer, a.reviewer_name);
    const reason = reasonField(t('assign.reopenReason'), t('assign.reopenReasonHint'));
    const alert = alertBox();
    const errors = formErrors([reason], alert);
    const dlg = openDialog({
      title: t('assign.reopenTitle'), id: 'reopen-dialog', size: 'md', submitText: t('assign.reopenSubmit'),
      body: [
        h('p', { class: 'dlg-intro' }, t(self ? 'assign.reopenIntroSelf' : 'assign.reopenIntro', { unit: g.name, reviewer: who })),
        h('dl', { class: 'facts' },
          h('dt', null, t('assign.col.unit')), h('dd', null, personLabel(g.code, g.name)),
          h('dt', null, t(self ? 'assign.self' : 'assign.col.reviewer')), h('dd', null, who),
          h('dt', null, t('assign.col.submittedAt')), h('dd', null, formatDateTime(a.submitted_at))),
        reason.wrap, alert],
      onSubmit: async () => {
        const why = reasonValue(reason, errors);
        if (why == null) return false;
        errors.clear();
        try {
          return await api.post(`/api/v1/cycles/${cycle.id}/assignments/${a.id}/reopen`, { reason: why });
        } catch (err) {
          if (err.status === 409) { errors.alert(errorText(err)); return false; }
          errors.show(err);
          return false;
        }
      },
    });
    dlg.closed.then((reply) => {
      if (!reply) { if (btn.isConnected) btn.focus(); return; }
      say('ok', t('assign.reopened', { unit: g.name, reviewer: who }));
      reload();
    });
  }

  // ─── start ───
  async function start() {
    try {
      cycles = await refreshCycles();
    } catch (err) {
      const retry = button(t('common.retry'), { kind: 'link', onclick: () => start() });
      replace(cycleBar, notice('error', [h('span', null, errorMessage(err)), ' ', retry]));
      return;
    }
    cycle = defaultCycle(cycles, wanted);
    if (!cycle) {
      replace(cycleBar, h('div', { class: 'empty empty-sm' }, icon('empty', 'empty-icon'),
        h('p', { class: 'empty-title' }, t('assign.noCycles')),
        h('p', { class: 'empty-hint' }, h('a', { href: '#/cycles' }, t('assign.noCyclesHint')))));
      tbody.replaceChildren();
      return;
    }
    if (wanted !== cycle.id) {
      if (wanted != null) say('warn', t('assign.cycleMissing', { id: wanted }));
      history.replaceState(history.state, '', '#/assignments?cycle=' + cycle.id);
    }
    renderBar();
    loadUnits();
    loadAssignments();
    progress.load(cycle);
    conflicts.load();
  }

  tbody.append(messageRow(COLS, t('app.loading')));
  start();

  return {
    title: t('nav.assignments'),
    node: h('div', { class: 'page page-assignments', 'data-page': 'assignments' },
      pageHead(t('nav.assignments'), t('page.assignments.desc')),
      cycleBar,
      status,
      progress.top,
      progress.tabs,
      progress.side,
      h('section', { class: 'panel', id: 'assign-list', 'aria-labelledby': 'assign-list-title' },
        h('div', { class: 'panel-bar' },
          h('h2', { class: 'section-title', id: 'assign-list-title' }, t('assign.list.title')),
          countText),
        h('div', { class: 'toolbar toolbar-in-panel' },
          h('div', { class: 'toolbar-filters' },
            h('div', { class: 'search-box' },
              h('label', { class: 'visually-hidden', for: 'assign-search' }, t('assign.search')),
              icon('search'), search),
            h('label', { class: 'toolbar-label', for: 'assign-filter' }, t('assign.col.status')), statusFilter)),
        h('div', { class: 'table-wrap' },
          h('table', { class: 'table table-groups', id: 'assign-table' },
            h('thead', null, h('tr', null,
              h('th', { scope: 'col' }, t('assign.col.unit')),
              h('th', { scope: 'col' }, t('assign.col.reviewer')),
              h('th', { scope: 'col' }, t('assign.col.status')),
              h('th', { scope: 'col' }, t('assign.col.scored')),
              h('th', { scope: 'col' }, t('assign.col.submittedAt')),
              h('th', { scope: 'col', class: 'col-actions' }, t('common.actions')))),
            tbody)),
        pager.el),
      conflicts.el),
  };
}
