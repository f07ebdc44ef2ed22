// web/js/views/cycles.js — 考核周期 (admin): the list (#/cycles) and one cycle (#/cycles/{id}).
// Owns:
//  - the cycle table (GET /api/v1/cycles: 年度, 名称, 阶段, 填报截止, 评审截止, 单位数, 已提交
//    报告) and the 新建考核周期 dialog (POST /api/v1/cycles: year, title defaulting to
//    "YYYY年度法治政府建设考核" until edited, deadlines from <input type="date"> as 23:59:59 of
//    that day in Beijing, see dates.js; 评分细则: copy the previous cycle's, the built-in
//    template, an existing one or none, see cyclerubric.js); a new cycle opens its own page;
//  - the cycle page: the phase stepper (筹备 → 报告填报 → 评审 → 结果公示 → 已结束) with
//    上一阶段 / 下一阶段, each after a confirmation saying what changes (PATCH phase, one step;
//    a closed cycle is read-only); 编辑周期信息 (PATCH title and deadlines, only what changed);
//    the cycle's 评分细则 (name + version linking to #/rubrics/ID) and 更换评分细则 while the
//    phase is 筹备, 报告填报 or 评审 (preview and confirmation in cyclerubric.js);
//    the submission progress (已提交 x / y with a bar) and the unit table from
//    GET /api/v1/cycles/{id}/units (状态 未提交 / 已提交 vN / 补交, 提交时间, 结构提示 in red when
//    the report has warnings, 查看报告 or 上传报告, 允许补交 with a date, or withdrawing it:
//    POST …/units/{code}/late-upload {until}), filtered by name and status on this side;
//    批量导入报告（压缩包） (reportimport.js) while reports may still be added (筹备, 报告填报,
//    评审), after which the progress is loaded again;
//  - the 评分设置 section (cyclesettings.js), placed after the phase panel.
// Server errors are shown with the server's detail, next to the field they name.

import { h, icon, replace } from '../dom.js';
import { t, errorMessage, errorText, formatMinute, formatDateTime } from '../i18n.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import {
  field, alertBox, formErrors, button, setBusy, openDialog, confirmDialog, badge, notice, messageRow, progressBar,
} from '../ui.js';
import { chinaEndOfDay, chinaDate, chinaToday } from '../dates.js';
import { pageHead } from './page.js';
import { reportImportDialog } from './reportimport.js';
import { rubricChoice, rubricLink, rubricChangeDialog, listRubrics } from './cyclerubric.js';
import { rubricLabel } from './rubricdiff.js';
import { cycleSettingsPanel } from './cyclesettings.js';

export const PHASES = ['draft', 'submission', 'review', 'publication', 'closed'];
const LIST_COLS = 8;
const UNIT_COLS = 6;

let createdId = null; // the cycle just created: its page says so once

/* The badge of a phase. */
export function phaseBadge(phase) {
  const kind = { draft: 'off', submission: 'info', review: 'warn', publication: 'ok', closed: 'off' }[phase] || 'off';
  return h('span', { class: 'badge badge-' + kind + ' badge-phase', 'data-phase': phase }, t('phase.' + phase));
}

const deadlineText = (secs) => (typeof secs === 'number' ? formatMinute(secs) : t('cycles.noDeadline'));

/* A date input for a deadline, with the day of secs in Beijing. */
function dateInput(secs) {
  return h('input', { type: 'date', value: chinaDate(secs), min: '2000-01-01', max: '2099-12-31' });
}

// ─── the list ─────────────────────────────────────────────────────────────

export function cyclesView({ refreshCycles }) {
  const tbody = h('tbody');
  let cycles = []; // the list as last loaded, newest first
  const status = h('div', { class: 'page-status', id: 'cycles-status', role: 'status' });
  const createBtn = button(t('cycles.create'), { kind: 'primary', icon: 'plus', id: 'cycles-create', onclick: () => createDialog() });

  function row(c) {
    const href = '#/cycles/' + c.id;
    return h('tr', { 'data-id': String(c.id) },
      h('td', { class: 'cell-num' }, String(c.year)),
      h('td', { class: 'cell-name' }, h('a', { href, class: 'cell-link' }, c.title)),
      h('td', null, phaseBadge(c.phase)),
      h('td', { class: 'cell-time' }, deadlineText(c.submission_deadline)),
      h('td', { class: 'cell-time' }, deadlineText(c.review_deadline)),
      h('td', { class: 'cell-num' }, String(c.units)),
      h('td', { class: 'cell-progress' },
        h('span', { class: 'mini-progress' },
          progressBar(c.reports, c.units, t('cycles.reportsOf', { reports: c.reports, units: c.units })),
          h('span', { class: 'mini-progress-text' }, `${c.reports} / ${c.units}`))),
      h('td', { class: 'cell-actions' }, h('a', { href, class: 'btn btn-link', 'aria-label': t('cycles.openOf', { title: c.title }) }, t('cycles.open'))));
  }

  async function load() {
    replace(tbody, messageRow(LIST_COLS, t('app.loading')));
    let list;
    try {
      list = await refreshCycles();
    } catch (err) {
      const retry = button(t('common.retry'), { kind: 'link', onclick: () => load() });
      replace(tbody, messageRow(LIST_COLS, h('span', { class: 'text-danger' }, errorMessage(err)), ' ', retry));
      return;
    }
    cycles = list;
    replace(tbody, ...(list.length ? list.map(row)
      : [messageRow(LIST_COLS, h('div', { class: 'empty empty-sm' }, icon('empty', 'empty-icon'),
        h('p', { class: 'empty-title' }, t('page.empty')), h('p', { class: 'empty-hint' }, t('page.cycles.hint'))))]));
  }

  function createDialog() {
    const thisYear = Number(chinaToday().slice(0, 4));
    const defaultTitle = (y) => t('cycles.defaultTitle', { year: y });
    const year = field('year', {
      label: t('cycles.col.year'), hint: t('cycles.form.yearHint'),
      input: h('input', { type: 'number', min: '2000', max: '2099', step: '1', value: String(thisYear - 1), inputmode: 'numeric' }),
    });
    const title = field('title', {
      label: t('cycles.col.title'),
      input: h('input', { type: 'text', maxlength: '100', autocomplete: 'off', value: defaultTitle(thisYear - 1) }),
    });
    let titleEdited = false;
    title.input.addEventListener('input', () => { titleEdited = true; });
    year.input.addEventListener('input', () => {
      if (!titleEdited && /^\d{4}$/.test(year.input.value)) title.input.value = defaultTitle(year.input.value);
    });
    const sub = field('submission_deadline', { label: t('cycles.col.submissionDeadline'), optional: true, input: dateInput(null), hint: t('cycles.form.deadlineHint') });
    const rev = field('review_deadline', { label: t('cycles.col.reviewDeadline'), optional: true, input: dateInput(null) });
    const rubric = rubricChoice({ cycles: cycles.length ? cycles : refreshCycles().catch(() => []) });
    const alert = alertBox();
    const errors = formErrors([year, title, sub, rev, rubric], alert);
    const aliases = { rubric_id: 'rubric', rubric_copy_from: 'rubric', rubric_template: 'rubric' };

    const dlg = openDialog({
      title: t('cycles.createTitle'), id: 'cycle-create-dialog', size: 'lg',
      submitText: t('cycles.createSubmit'),
      body: [
        h('p', { class: 'dlg-intro' }, t('cycles.createIntro')),
        h('div', { class: 'form-grid form-grid-year' }, year.wrap, title.wrap),
        h('div', { class: 'form-grid form-grid-2' }, sub.wrap, rev.wrap),
        rubric.wrap,
        alert],
      onSubmit: async () => {
        const y = Number(year.input.value);
        if (!Number.isInteger(y) || y < 2000 || y > 2099) { errors.field('year', t('cycles.form.yearInvalid')); return false; }
        const body = { year: y, title: title.input.value.trim() };
        if (!body.title) { errors.field('title', t('cycles.form.titleRequired')); return false; }
        for (const [f, key] of [[sub, 'submission_deadline'], [rev, 'review_deadline']]) {
          if (!f.input.value) continue;
          const secs = chinaEndOfDay(f.input.value);
          if (secs == null) { errors.field(key, t('cycles.form.dateInvalid')); return false; }
          body[key] = secs;
        }
        if (body.submission_deadline && body.review_deadline && body.review_deadline < body.submission_deadline) {
          errors.field('review_deadline', t('cycles.form.reviewBeforeSubmission'));
          return false;
        }
        errors.clear();
        await rubric.ready;
        const choice = rubric.body();
        if (!choice) return false;
        try {
          return await api.post('/api/v1/cycles', { ...body, ...choice });
        } catch (err) {
          errors.show(err, aliases);
          return false;
        }
      },
    });
    dlg.closed.then((reply) => {
      if (!reply || !reply.cycle) return;
      createdId = reply.cycle.id;
      navigate('/cycles/' + reply.cycle.id);
    });
  }

  load();

  return {
    title: t('nav.cycles'),
    node: h('div', { class: 'page page-cycles', 'data-page': 'cycles' },
      pageHead(t('nav.cycles'), t('page.cycles.desc')),
      h('div', { class: 'toolbar toolbar-end' }, h('div', { class: 'toolbar-actions' }, createBtn)),
      status,
      h('section', { class: 'panel', 'aria-label': t('cycles.tableLabel') },
        h('div', { class: 'table-wrap' },
          h('table', { class: 'table', id: 'cycles-table' },
            h('thead', null, h('tr', null,
              h('th', { scope: 'col', class: 'col-year' }, t('cycles.col.year')),
              h('th', { scope: 'col' }, t('cycles.col.title')),
              h('th', { scope: 'col' }, t('cycles.col.phase')),
              h('th', { scope: 'col' }, t('cycles.col.submissionDeadline')),
              h('th', { scope: 'col' }, t('cycles.col.reviewDeadline')),
              h('th', { scope: 'col' }, t('cycles.col.units')),
              h('th', { scope: 'col' }, t('cycles.col.reports')),
              h('th', { scope: 'col', class: 'col-actions' }, t('common.actions')))),
            tbody)))),
  };
}

// ─── one cycle ────────────────────────────────────────────────────────────

/* The five phases as a stepper; the current one has aria-current="step". */
function stepper(phase) {
  const at = PHASES.indexOf(phase);
  return h('ol', { class: 'stepper', 'aria-label': t('cycle.phases') },
    PHASES.map((p, i) => h('li', {
      class: 'step' + (i < at ? ' is-done' : '') + (i === at ? ' is-current' : ''),
      'aria-current': i === at ? 'step' : null, 'data-phase': p,
    },
    h('span', { class: 'step-dot', 'aria-hidden': 'true' }, i < at ? icon('check') : String(i + 1)),
    h('span', { class: 'step-text' },
      h('span', { class: 'step-name' }, t('cycle.step.' + p)),
      h('span', { class: 'step-desc' }, t('cycle.stepDesc.' + p))),
    i < at ? h('span', { class: 'visually-hidden' }, t('cycle.stepDone')) : null)));
}

/* What moving from → to changes, as the sentences of the confirmation. */
function moveMessage(c, from, to) {
  const lines = [t('cycle.move.' + from + '.' + to, {
    units: c.units, reports: c.reports,
    deadline: typeof c.submission_deadline === 'number' ? formatMinute(c.submission_deadline) : '',
  })];
  if (from === 'draft' && to === 'submission') {
    lines.push(t(typeof c.submission_deadline === 'number' ? 'cycle.move.deadline' : 'cycle.move.noDeadline',
      { deadline: deadlineText(c.submission_deadline) }));
  }
  return lines;
}

/* ctx: { cycleId, refreshCycles }. */
export function cycleView({ cycleId, refreshCycles }) {
  const base = '/api/v1/cycles/' + encodeURIComponent(cycleId);
  let cycle = null;
  let rubrics = null; // GET /api/v1/rubrics, for the name of the cycle's rubric
  let units = null;
  const filter = { text: '', status: '' };

  const head = h('div', { class: 'cycle-head' }, pageHead(t('app.loading'), null));
  const status = h('div', { class: 'page-status', id: 'cycle-status', role: 'status' });
  const say = (kind, text) => replace(status, notice(kind, text));
  if (createdId === cycleId) {
    createdId = null;
    say('ok', t('cycle.created'));
  }
  const phasePanel = h('section', { class: 'panel panel-pad cycle-phase', 'aria-labelledby': 'cycle-phase-title' },
    h('p', { class: 'card-loading' }, t('app.loading')));
  const summary = h('div', { class: 'progress-summary', id: 'cycle-progress' });
  const settings = cycleSettingsPanel({ onSaved: (c) => { cycle = c; } });
  const tbody = h('tbody');

  // ─── head and phase ───
  function renderHead() {
    const c = cycle;
    replace(head, 
      h('nav', { class: 'crumbs', 'aria-label': t('cycle.crumbs') },
        h('a', { href: '#/cycles' }, t('nav.cycles')), h('span', { 'aria-hidden': 'true' }, ' / '),
        h('span', { 'aria-current': 'page' }, c.title)),
      pageHead(c.title, t('cycle.desc', { year: c.year, units: c.units }), phaseBadge(c.phase)));
  }

  function renderPhase() {
    const c = cycle;
    settings.update(c);
    const at = PHASES.indexOf(c.phase);
    const closed = c.phase === 'closed';
    const prevBtn = at > 0 && !closed ? button(t('cycle.prev', { phase: t('cycle.step.' + PHASES[at - 1]) }), {
      id: 'cycle-prev', icon: 'refresh', onclick: () => move(PHASES[at - 1]),
    }) : null;
    const nextBtn = at < PHASES.length - 1 ? button(t('cycle.next', { phase: t('cycle.step.' + PHASES[at + 1]) }), {
      id: 'cycle-next', kind: 'primary', onclick: () => move(PHASES[at + 1]),
    }) : null;
    const editBtn = closed ? null : button(t('cycle.edit'), { id: 'cycle-edit', icon: 'edit', kind: 'link', onclick: () => editDialog() });
    const canSwitch = ['draft', 'submission', 'review'].includes(c.phase);
    const rubricBtn = canSwitch ? button(t(c.rubric_id != null ? 'cycle.rubric.change' : 'cycle.rubric.choose'), {
      id: 'cycle-rubric-change', icon: 'indicators', kind: 'link', onclick: (ev) => changeRubric(ev.currentTarget),
    }) : null;
    const rubric = rubrics ? rubrics.find((r) => r.id === c.rubric_id) : null;
    replace(phasePanel, 
      h('div', { class: 'panel-head' },
        h('h2', { class: 'section-title', id: 'cycle-phase-title' }, t('cycle.phaseTitle')),
        h('div', { class: 'phase-actions' }, prevBtn, nextBtn)),
      stepper(c.phase),
      closed ? notice('info', t('cycle.closedNote')) : null,
      h('div', { class: 'cycle-facts' },
        h('dl', { class: 'facts facts-inline' },
          h('dt', null, t('cycles.col.year')), h('dd', null, String(c.year)),
          h('dt', null, t('cycles.col.submissionDeadline')), h('dd', { id: 'cycle-submission-deadline' }, deadlineText(c.submission_deadline)),
          h('dt', null, t('cycles.col.reviewDeadline')), h('dd', { id: 'cycle-review-deadline' }, deadlineText(c.review_deadline)),
          h('dt', null, t('cycles.col.units')), h('dd', null, String(c.units)),
          h('dt', null, t('cycle.rubric')), h('dd', { id: 'cycle-rubric' }, rubricLink(c.rubric_id, rubric))),
        h('div', { class: 'cycle-fact-actions' }, rubricBtn, editBtn)));
  }

  async function loadRubrics() {
    try {
      rubrics = await listRubrics();
    } catch {
      rubrics = null; // the link then says 评分细则 #id
    }
    if (cycle) renderPhase();
  }

  async function changeRubric(btn) {
    setBusy(btn, true);
    try {
      rubrics = await listRubrics();
    } catch (err) {
      setBusy(btn, false);
      say('error', errorMessage(err));
      return;
    }
    setBusy(btn, false);
    const reply = await rubricChangeDialog({ cycle, rubrics }).closed;
    if (!reply || !reply.cycle) return;
    cycle = reply.cycle;
    const now = rubrics.find((r) => r.id === cycle.rubric_id);
    renderHead();
    renderPhase();
    say('ok', t('cycle.rubric.changed', { label: now ? rubricLabel(now) : t('cycle.rubric.numbered', { id: cycle.rubric_id }) }));
    loadRubrics(); // the cycles-in-use counts changed
  }

  async function move(to) {
    const from = cycle.phase;
    const forward = PHASES.indexOf(to) > PHASES.indexOf(from);
    const reply = await confirmDialog({
      id: 'cycle-phase-dialog',
      title: t(forward ? 'cycle.nextTitle' : 'cycle.prevTitle', { phase: t('cycle.step.' + to) }),
      message: moveMessage(cycle, from, to),
      confirmText: t(forward ? 'cycle.nextSubmit' : 'cycle.prevSubmit', { phase: t('cycle.step.' + to) }),
      danger: to === 'closed' || !forward,
      action: () => api.patch(base, { phase: to }),
    });
    if (!reply || !reply.cycle) return;
    cycle = reply.cycle;
    renderHead();
    renderPhase();
    renderUnits();
    say('ok', t('cycle.moved', { phase: t('phase.' + cycle.phase) }));
    refreshCycles().catch(() => {});
  }

  function editDialog() {
    const c = cycle;
    const title = field('title', { label: t('cycles.col.title'), input: h('input', { type: 'text', maxlength: '100', autocomplete: 'off', value: c.title }) });
    const sub = field('submission_deadline', { label: t('cycles.col.submissionDeadline'), optional: true, input: dateInput(c.submission_deadline), hint: t('cycles.form.deadlineHint') });
    const rev = field('review_deadline', { label: t('cycles.col.reviewDeadline'), optional: true, input: dateInput(c.review_deadline) });
    const alert = alertBox();
    const errors = formErrors([title, sub, rev], alert);
    const dlg = openDialog({
      title: t('cycle.editTitle'), id: 'cycle-edit-dialog', size: 'md', submitText: t('common.save'),
      body: [title.wrap, h('div', { class: 'form-grid form-grid-2' }, sub.wrap, rev.wrap), alert],
      onSubmit: async () => {
        const body = {};
        const tt = title.input.value.trim();
        if (!tt) { errors.field('title', t('cycles.form.titleRequired')); return false; }
        if (tt !== c.title) body.title = tt;
        for (const [f, key] of [[sub, 'submission_deadline'], [rev, 'review_deadline']]) {
          const secs = f.input.value ? chinaEndOfDay(f.input.value) : null;
          if (f.input.value && secs == null) { errors.field(key, t('cycles.form.dateInvalid')); return false; }
          // Unchanged day: keep the stored time (it may not be 23:59:59).
          if (chinaDate(c[key]) === f.input.value) continue;
          body[key] = secs;
        }
        const s = 'submission_deadline' in body ? body.submission_deadline : c.submission_deadline;
        const r = 'review_deadline' in body ? body.review_deadline : c.review_deadline;
        if (typeof s === 'number' && typeof r === 'number' && r < s) {
          errors.field('review_deadline', t('cycles.form.reviewBeforeSubmission'));
          return false;
        }
        errors.clear();
        if (!Object.keys(body).length) return { unchanged: true };
        try {
          return await api.patch(base, body);
        } catch (err) {
          errors.show(err);
          return false;
        }
      },
    });
    dlg.closed.then((reply) => {
      if (!reply || !reply.cycle) return;
      cycle = reply.cycle;
      renderHead();
      renderPhase();
      say('ok', t('cycle.saved'));
      refreshCycles().catch(() => {});
    });
  }

  // ─── units and progress ───
  const search = h('input', {
    type: 'search', id: 'cycle-units-search', class: 'control', maxlength: '100', autocomplete: 'off',
    placeholder: t('cycle.units.searchPlaceholder'),
  });
  const statusFilter = h('select', { id: 'cycle-units-status', class: 'control' },
    ['', 'missing', 'submitted', 'late', 'warnings'].map((v) => h('option', { value: v }, t('cycle.units.filter.' + (v || 'all')))));
  search.addEventListener('input', () => { filter.text = search.value.trim(); renderUnits(); });
  const importBtn = button(t('cycle.import'), { icon: 'archive', id: 'cycle-import', hidden: true, onclick: () => importDialog() });
  const canImport = () => !!cycle && ['draft', 'submission', 'review'].includes(cycle.phase);

  function importDialog() {
    if (!canImport()) return;
    reportImportDialog({
      cycle,
      units,
      onApplied: (reply) => {
        const n = reply && Array.isArray(reply.entries) ? reply.entries.filter((e) => Number.isInteger(e.version)).length : 0;
        say('ok', t('cycle.imported', { count: n }));
        loadUnits();
        load();
        refreshCycles().catch(() => {});
      },
    });
  }
  statusFilter.addEventListener('change', () => { filter.status = statusFilter.value; renderUnits(); });

  function statusCell(u) {
    const r = u.report;
    const late = u.late_upload_until != null
      ? h('span', { class: 'cell-sub', 'data-late-until': String(u.late_upload_until) },
        t('cycle.units.lateUntil', { time: formatMinute(u.late_upload_until) }))
      : null;
    if (!r) return h('td', null, h('span', { class: 'cell-stack' }, badge(t('cycle.units.missing'), 'off'), late));
    return h('td', null, h('span', { class: 'cell-stack' },
      h('span', { class: 'badge-row' },
        badge(t('cycle.units.submitted', { version: r.version }), 'ok'),
        r.late ? badge(t('cycle.units.late'), 'warn') : null),
      late));
  }

  function warningsCell(r) {
    if (!r) return h('td', null, h('span', { class: 'text-subtle' }, '—'));
    if (r.warnings > 0) {
      return h('td', null, h('span', { class: 'hint-count is-bad', 'data-warnings': String(r.warnings) },
        icon('alert'), t('cycle.units.warnings', { count: r.warnings })));
    }
    return h('td', null, h('span', { class: 'hint-count is-ok', 'data-warnings': '0' }, icon('check'), t('cycle.units.complete')));
  }

  function unitRow(u) {
    const r = u.report;
    const reportHref = `#/cycles/${cycle.id}/units/${encodeURIComponent(u.code)}/report`;
    const uploadHref = `#/cycles/${cycle.id}/units/${encodeURIComponent(u.code)}/upload`;
    const view = r
      ? h('a', { class: 'btn btn-link', href: reportHref, 'data-action': 'view', 'aria-label': t('cycle.units.viewOf', { name: u.name }) }, t('cycle.units.view'))
      : h('a', { class: 'btn btn-link', href: uploadHref, 'data-action': 'upload', 'aria-label': t('cycle.units.uploadOf', { name: u.name }) }, t('cycle.units.upload'));
    let late = null;
    if (cycle.phase !== 'closed') {
      late = button(t('cycle.units.allowLate'), { kind: 'link', 'data-action': 'late', 'aria-label': t('cycle.units.allowLateOf', { name: u.name }) });
      late.addEventListener('click', () => lateDialog(u));
    }
    return h('tr', { 'data-code': u.code },
      h('td', null, h('span', { class: 'cell-unit' }, h('span', { class: 'cell-name' }, u.name), h('code', { class: 'unit-code' }, u.code))),
      h('td', null, u.kind_name || u.kind),
      statusCell(u),
      h('td', { class: 'cell-time' }, r ? formatDateTime(r.uploaded_at) : h('span', { class: 'text-subtle' }, '—')),
      warningsCell(r),
      h('td', { class: 'cell-actions' }, view, late));
  }

  function matches(u) {
    if (filter.text && !u.name.includes(filter.text) && !u.code.toLowerCase().includes(filter.text.toLowerCase())) return false;
    const r = u.report;
    switch (filter.status) {
      case 'missing': return !r;
      case 'submitted': return !!r;
      case 'late': return !!(r && r.late) || u.late_upload_until != null;
      case 'warnings': return !!(r && r.warnings > 0);
      default: return true;
    }
  }

  function renderUnits() {
    importBtn.hidden = !canImport();
    if (!units || !cycle) return;
    const done = units.filter((u) => u.report).length;
    const late = units.filter((u) => u.report && u.report.late).length;
    const warned = units.filter((u) => u.report && u.report.warnings > 0).length;
    const pct = units.length ? Math.round((done / units.length) * 100) : 0;
    replace(summary, 
      h('div', { class: 'progress-line' },
        h('span', { class: 'progress-count', id: 'cycle-progress-count' },
          t('cycle.units.progress', { done, total: units.length })),
        h('span', { class: 'progress-pct' }, pct + '%')),
      progressBar(done, units.length, t('cycle.units.progressLabel'), { id: 'cycle-progress-bar' }),
      h('p', { class: 'progress-notes' },
        t('cycle.units.notes', { missing: units.length - done, late, warned })));
    const shown = units.filter(matches);
    replace(tbody, ...(shown.length ? shown.map(unitRow)
      : [messageRow(UNIT_COLS, h('div', { class: 'empty empty-sm' }, icon('empty', 'empty-icon'),
        h('p', { class: 'empty-title' }, t(units.length ? 'cycle.units.noMatch' : 'cycle.units.none'))))]));
  }

  async function loadUnits() {
    let reply;
    try {
      reply = await api.get(base + '/units');
    } catch (err) {
      const retry = button(t('common.retry'), { kind: 'link', onclick: () => loadUnits() });
      replace(tbody, messageRow(UNIT_COLS, h('span', { class: 'text-danger' }, errorMessage(err)), ' ', retry));
      return;
    }
    units = reply && Array.isArray(reply.units) ? reply.units : [];
    renderUnits();
  }

  function lateDialog(u) {
    const current = u.late_upload_until;
    const until = field('until', {
      label: t('cycle.late.until'), hint: t('cycle.late.hint'),
      input: h('input', { type: 'date', value: current != null ? chinaDate(current) : chinaToday(7), min: chinaToday(), max: '2099-12-31' }),
    });
    const alert = alertBox();
    const errors = formErrors([until], alert);
    let dlg = null;
    let withdrawBtn = null;
    if (current != null) {
      withdrawBtn = button(t('cycle.late.withdraw'), { kind: 'danger-ghost', id: 'late-withdraw' });
      withdrawBtn.addEventListener('click', async () => {
        setBusy(withdrawBtn, true);
        try {
          await api.post(`${base}/units/${encodeURIComponent(u.code)}/late-upload`, { until: null });
        } catch (err) {
          setBusy(withdrawBtn, false);
          errors.show(err);
          return;
        }
        dlg.close({ withdrawn: true });
      });
    }
    dlg = openDialog({
      title: t('cycle.late.title', { name: u.name }), id: 'late-upload-dialog', size: 'sm',
      submitText: t('cycle.late.submit'),
      body: [
        h('p', { class: 'dlg-intro' }, t('cycle.late.intro', { deadline: deadlineText(cycle.submission_deadline) })),
        current != null ? h('div', { class: 'notice notice-info late-current' }, icon('info'),
          h('div', { class: 'notice-text' }, h('p', null, t('cycle.late.current', { time: formatMinute(current) })), withdrawBtn)) : null,
        until.wrap, alert],
      onSubmit: async () => {
        const secs = chinaEndOfDay(until.input.value);
        if (secs == null) { errors.field('until', t('cycle.late.required')); return false; }
        if (secs * 1000 < Date.now()) { errors.field('until', t('cycle.late.past')); return false; }
        errors.clear();
        try {
          await api.post(`${base}/units/${encodeURIComponent(u.code)}/late-upload`, { until: secs });
        } catch (err) {
          errors.show(err);
          return false;
        }
        return { until: secs };
      },
    });
    dlg.closed.then((r) => {
      if (!r) return;
      if (r.withdrawn) say('ok', t('cycle.late.withdrawn', { name: u.name }));
      else say('ok', t('cycle.late.done', { name: u.name, time: formatMinute(r.until) }));
      loadUnits();
    });
  }

  async function load() {
    let reply;
    try {
      reply = await api.get(base);
    } catch (err) {
      replace(head, pageHead(t(err.code === 'E_NOT_FOUND' ? 'cycle.notFound' : 'nav.cycles'), null));
      replace(phasePanel, notice('error', errorMessage(err)),
        h('p', null, h('a', { href: '#/cycles' }, t('cycle.back'))));
      tbody.replaceChildren();
      return;
    }
    cycle = reply.cycle;
    document.title = cycle.title + ' · ' + t('app.name');
    renderHead();
    renderPhase();
    renderUnits();
  }

  tbody.append(messageRow(UNIT_COLS, t('app.loading')));
  load();
  loadUnits();
  loadRubrics();

  return {
    title: t('nav.cycles'),
    node: h('div', { class: 'page page-cycle', 'data-page': 'cycle', 'data-cycle': String(cycleId) },
      head,
      status,
      phasePanel,
      settings.el,
      h('section', { class: 'panel cycle-units', 'aria-labelledby': 'cycle-units-title' },
        h('div', { class: 'panel-bar' },
          h('h2', { class: 'section-title', id: 'cycle-units-title' }, t('cycle.units.title')),
          summary),
        h('div', { class: 'toolbar toolbar-in-panel' },
          h('div', { class: 'toolbar-filters' },
            h('div', { class: 'search-box search-box-sm' },
              h('label', { class: 'visually-hidden', for: 'cycle-units-search' }, t('cycle.units.search')),
              icon('search'), search),
            h('label', { class: 'toolbar-label', for: 'cycle-units-status' }, t('cycle.units.col.status')), statusFilter),
          h('div', { class: 'toolbar-actions' }, importBtn)),
        h('div', { class: 'table-wrap' },
          h('table', { class: 'table', id: 'cycle-units-table' },
            h('thead', null, h('tr', null,
              h('th', { scope: 'col' }, t('cycle.units.col.unit')),
              h('th', { scope: 'col' }, t('cycle.units.col.kind')),
              h('th', { scope: 'col' }, t('cycle.units.col.status')),
              h('th', { scope: 'col' }, t('cycle.units.col.time')),
              h('th', { scope: 'col' }, t('cycle.units.col.hints')),
              h('th', { scope: 'col', class: 'col-actions' }, t('common.actions')))),
            tbody)))),
  };
}
