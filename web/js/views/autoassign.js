// web/js/views/autoassign.js — 自动分配: the dialog in which the office lets the server propose
// reviewers for every unit of a cycle (admin; opened from the 评审分配 page).
// Owns the dialog, in two steps:
//  1. the conditions: 每个单位的评审人数 k (1–20; existing assignments count), 每位评审人最多
//     评审 (a cap on sheets per reviewer, existing ones included; empty = no cap), and
//     optionally 按评审组分配: panels, each a set of reviewers (checkboxes with a filter, from
//     GET /api/v1/users?role=reviewer) for a set of unit kinds (GET /api/v1/unit-kinds), so a
//     unit only gets reviewers of a panel listing its kind; 预览 sends POST
//     /api/v1/cycles/{cycle}/assignments/auto with a seed chosen here and apply false;
//  2. the proposal: what will be added (per unit, paged), the load of every reviewer before
//     and after (those at the cap marked), the units left short and why; 返回修改 goes back to
//     step 1, 确认分配 sends the very same request with apply true (same seed, so the stored
//     result is the preview, unless the assignments changed meanwhile).
// The server's refusal names the field (per_unit, cap, panels…) and is shown there or in the
// dialog. Resolves dlg.closed to the applied reply or undefined.

import { h, icon, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { field, alertBox, formErrors, button, notice, openDialog, setBlocked, uid, badge } from '../ui.js';
import { unitKinds } from '../unitpicker.js';
import { listReviewers } from './reviewerpick.js';
import { localPager, personLabel } from './assignshared.js';

const MAX_PER_UNIT = 20;
const PLAN_PAGE = 12;

/* One panel's editor. Returns { el, value() → {name?, reviewers, unit_kinds} | throws Error
 * (sentence), focus() }. */
function panelEditor(n, reviewers, kinds, onRemove) {
  const id = uid('auto-panel');
  const name = h('input', { type: 'text', class: 'control', id: id + '-name', maxlength: '50', autocomplete: 'off', placeholder: t('auto.panel.namePlaceholder', { n }) });
  const filter = h('input', { type: 'search', class: 'control control-sm', id: id + '-filter', maxlength: '50', autocomplete: 'off', placeholder: t('auto.panel.filter'), 'aria-label': t('auto.panel.filter') });
  const revBoxes = reviewers.map((u) => {
    const box = h('input', { type: 'checkbox', value: u.login });
    return h('label', { class: 'check-item', 'data-login': u.login, 'data-text': (u.login + ' ' + (u.display_name || '')).toLowerCase() },
      box, h('span', null, u.display_name || u.login), h('code', { class: 'unit-code' }, u.login));
  });
  filter.addEventListener('input', () => {
    const q = filter.value.trim().toLowerCase();
    for (const l of revBoxes) l.hidden = q !== '' && !l.dataset.text.includes(q);
  });
  filter.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') ev.preventDefault(); });
  const kindBoxes = kinds.map((k) => h('label', { class: 'check-item', 'data-kind': k.code },
    h('input', { type: 'checkbox', value: k.code }), h('span', null, k.name)));
  const err = h('p', { class: 'field-error', id: id + '-error', hidden: true });
  const remove = button(t('auto.panel.remove'), { kind: 'link', 'data-action': 'remove-panel', 'aria-label': t('auto.panel.removeOf', { n }), onclick: () => onRemove() });
  const el = h('fieldset', { class: 'auto-panel', 'data-panel': String(n), 'aria-describedby': id + '-error' },
    h('legend', null, t('auto.panel.legend', { n })),
    h('div', { class: 'auto-panel-head' },
      h('label', { class: 'toolbar-label', for: id + '-name' }, t('auto.panel.name')), name, remove),
    h('div', { class: 'auto-panel-cols' },
      h('div', { class: 'auto-panel-col' },
        h('p', { class: 'auto-panel-label', id: id + '-rev' }, t('auto.panel.reviewers')),
        filter,
        h('div', { class: 'check-list check-list-scroll', role: 'group', 'aria-labelledby': id + '-rev' }, revBoxes)),
      h('div', { class: 'auto-panel-col' },
        h('p', { class: 'auto-panel-label', id: id + '-kinds' }, t('auto.panel.kinds')),
        h('div', { class: 'check-list', role: 'group', 'aria-labelledby': id + '-kinds' }, kindBoxes))),
    err);
  const checked = (labels) => labels.map((l) => l.querySelector('input')).filter((b) => b.checked).map((b) => b.value);
  return {
    el,
    focus: () => name.focus(),
    clear() { err.hidden = true; err.replaceChildren(); },
    setError(text) { err.replaceChildren(icon('alert'), h('span', null, text)); err.hidden = false; },
    value() {
      const v = { reviewers: checked(revBoxes), unit_kinds: checked(kindBoxes) };
      if (name.value.trim()) v.name = name.value.trim();
      return v;
    },
  };
}

/* Opens the dialog for cycle {id, title}. Rejects with ApiError when the reviewers or the unit
 * kinds cannot be loaded; else resolves to the dialog handle (see ui.js openDialog). */
export async function autoAssignDialog({ cycle }) {
  const [reviewers, kinds] = await Promise.all([listReviewers(), unitKinds()]);
  const perUnit = field('per_unit', {
    label: t('auto.perUnit'), hint: t('auto.perUnitHint'),
    input: h('input', { type: 'number', min: '1', max: String(MAX_PER_UNIT), step: '1', value: '3', inputmode: 'numeric' }),
  });
  const cap = field('cap', {
    label: t('auto.cap'), hint: t('auto.capHint'), optional: true,
    input: h('input', { type: 'number', min: '1', step: '1', inputmode: 'numeric', placeholder: t('auto.capNone') }),
  });
  const usePanels = h('input', { type: 'checkbox', id: 'auto-use-panels' });
  const panels = [];
  const panelBox = h('div', { class: 'auto-panels', id: 'auto-panels', hidden: true });
  const addPanelBtn = button(t('auto.panel.add'), { kind: 'link', icon: 'plus', id: 'auto-add-panel', onclick: () => addPanel() });
  const alert = alertBox();
  const errors = formErrors([perUnit, cap], alert);
  const form = h('div', { class: 'import-step', id: 'auto-form' },
    h('p', { class: 'dlg-intro' }, t('auto.intro', { title: cycle.title })),
    h('div', { class: 'form-grid form-grid-2' }, perUnit.wrap, cap.wrap),
    h('label', { class: 'check-line' }, usePanels, h('span', null, t('auto.usePanels'))),
    h('p', { class: 'field-hint auto-panels-hint' }, t('auto.usePanelsHint')),
    panelBox);
  const previewBox = h('div', { class: 'import-step', id: 'auto-preview', hidden: true });
  let request = null; // the body previewed
  let proposal = null;

  function renumber() {
    panels.forEach((p, i) => { p.el.dataset.panel = String(i + 1); });
  }

  function addPanel() {
    const n = panels.length + 1;
    const p = panelEditor(n, reviewers, kinds, () => {
      panels.splice(panels.indexOf(p), 1);
      p.el.remove();
      renumber();
      addPanelBtn.focus();
    });
    panels.push(p);
    panelBox.insertBefore(p.el, addPanelBtn);
    p.focus();
  }
  panelBox.append(addPanelBtn);
  usePanels.addEventListener('change', () => {
    panelBox.hidden = !usePanels.checked;
    if (usePanels.checked && !panels.length) addPanel();
  });

  const dlg = openDialog({
    title: t('auto.title'), id: 'auto-dialog', size: 'xl',
    submitText: t('auto.preview'),
    body: [form, previewBox, alert],
    initialFocus: perUnit.input,
    onSubmit: async () => {
      if (!request) return runPreview();
      if (!proposal || !proposal.proposed.length) return false;
      // 确认分配: the same request, applied.
      const reply = await api.post(`/api/v1/cycles/${cycle.id}/assignments/auto`, { ...request, apply: true });
      return reply || { applied: true, proposed: proposal.proposed };
    },
  });
  const submitLabel = dlg.submitButton.querySelector('.btn-label');

  /* Step 1 → 2: checks the conditions, asks for the proposal. false keeps the dialog open. */
  async function runPreview() {
    errors.clear();
    for (const p of panels) p.clear();
    const k = Number(perUnit.input.value);
    if (!perUnit.input.value || !Number.isInteger(k) || k < 1 || k > MAX_PER_UNIT) {
      errors.field('per_unit', t('auto.perUnitInvalid', { max: MAX_PER_UNIT }));
      return false;
    }
    let c = null;
    if (cap.input.value !== '' || cap.input.validity.badInput) {
      c = Number(cap.input.value);
      if (!cap.input.value || !Number.isInteger(c) || c < 1) { errors.field('cap', t('auto.capInvalid')); return false; }
    }
    const body = { per_unit: k, cap: c, seed: Math.floor(Math.random() * 2147483647) };
    if (usePanels.checked) {
      const list = [];
      for (const p of panels) {
        const v = p.value();
        if (!v.reviewers.length || !v.unit_kinds.length) {
          p.setError(t(v.reviewers.length ? 'auto.panel.needKinds' : 'auto.panel.needReviewers'));
          p.focus();
          return false;
        }
        list.push(v);
      }
      if (!list.length) { errors.alert(t('auto.panel.none')); return false; }
      body.panels = list;
    }
    let reply;
    try {
      reply = await api.post(`/api/v1/cycles/${cycle.id}/assignments/auto`, { ...body, apply: false });
    } catch (err) {
      const m = err.field && /^panels\[?\.?(\d+)/.exec(err.field);
      if (m && panels[Number(m[1])]) {
        errors.clear();
        panels[Number(m[1])].setError(err.detail || err.message);
      } else errors.show(err);
      return false;
    }
    request = body;
    const arr = (v) => (Array.isArray(v) ? v : []);
    proposal = { proposed: arr(reply && reply.proposed), short: arr(reply && reply.short), load: arr(reply && reply.load) };
    renderPreview();
    return false;
  }

  function back() {
    request = null;
    proposal = null;
    form.hidden = false;
    previewBox.hidden = true;
    submitLabel.textContent = t('auto.preview');
    setBlocked(dlg.submitButton, false);
    alert.replaceChildren();
    perUnit.input.focus();
  }

  function renderPreview() {
    const { proposed, short, load } = proposal;
    const byUnit = new Map();
    for (const p of proposed) {
      if (!byUnit.has(p.unit)) byUnit.set(p.unit, { code: p.unit, name: p.unit_name, reviewers: [] });
      byUnit.get(p.unit).reviewers.push(personLabel(p.reviewer, p.reviewer_name));
    }
    const plan = [...byUnit.values()];
    const planBody = h('tbody');
    const pager = localPager({ id: 'auto-plan-pager', size: PLAN_PAGE, onPage: () => renderPlan() });
    function renderPlan() {
      replace(planBody, ...(plan.length ? pager.slice(plan).map((u) => h('tr', { 'data-unit': u.code },
        h('td', null, h('span', { class: 'cell-unit' }, h('span', { class: 'cell-name' }, u.name), h('code', { class: 'unit-code' }, u.code))),
        h('td', { class: 'cell-num' }, String(u.reviewers.length)),
        h('td', null, u.reviewers.join('、'))))
        : [h('tr', { class: 'row-message' }, h('td', { colspan: '3' }, t('auto.nothing')))]));
      if (!plan.length) pager.slice([]);
    }
    renderPlan();
    const capN = request.cap;
    const maxAfter = Math.max(1, capN || 0, ...load.map((l) => l.after || 0));
    const loadRows = load.map((l) => {
      const full = capN != null && l.after >= capN;
      const fill = h('span', { class: 'load-fill' + (full ? ' is-full' : '') });
      fill.style.width = ((l.after || 0) / maxAfter) * 100 + '%';
      const before = h('span', { class: 'load-before' });
      before.style.width = ((l.before || 0) / maxAfter) * 100 + '%';
      return h('tr', { 'data-login': l.reviewer, 'data-after': String(l.after) },
        h('td', null, personLabel(l.reviewer, l.reviewer_name)),
        h('td', { class: 'cell-num' }, String(l.before || 0)),
        h('td', { class: 'cell-num' }, '+' + String((l.after || 0) - (l.before || 0))),
        h('td', { class: 'cell-num cell-after' }, String(l.after || 0)),
        h('td', { class: 'cell-bar' }, h('span', { class: 'load-bar', 'aria-hidden': 'true' }, fill, before),
          full ? badge(t('auto.load.atCap'), 'warn') : null));
    });
    const shortRows = short.map((s) => h('tr', { 'data-unit': s.unit },
      h('td', null, h('span', { class: 'cell-unit' }, h('span', { class: 'cell-name' }, s.unit_name || s.unit), h('code', { class: 'unit-code' }, s.unit))),
      h('td', { class: 'cell-num' }, String(s.missing)),
      h('td', null, s.problem || '—')));
    const units = plan.length;
    let state;
    if (!proposed.length && !short.length) state = notice('ok', t('auto.complete'), { id: 'auto-state' });
    else if (!proposed.length) state = notice('error', t('auto.noneProposed', { short: short.length }), { id: 'auto-state' });
    else {
      state = notice(short.length ? 'warn' : 'info', [
        h('p', { class: 'notice-strong' }, t('auto.ready', { count: proposed.length, units })),
        h('p', null, short.length ? t('auto.readyShort', { short: short.length }) : t('auto.readyHint'))], { id: 'auto-state' });
    }
    const conds = [t('auto.cond.perUnit', { k: request.per_unit }),
      request.cap != null ? t('auto.cond.cap', { cap: request.cap }) : t('auto.cond.noCap'),
      request.panels ? t('auto.cond.panels', { count: request.panels.length }) : null].filter(Boolean).join('；');
    replace(previewBox,
      h('div', { class: 'import-file-line' }, icon('assignments'), h('span', { id: 'auto-conditions' }, conds),
        button(t('auto.back'), { kind: 'link', icon: 'edit', id: 'auto-back', onclick: () => back() })),
      state,
      h('div', { class: 'auto-grid' },
        h('section', { 'aria-labelledby': 'auto-load-title' },
          h('h3', { class: 'sub-title', id: 'auto-load-title' }, t('auto.load.title')),
          h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', id: 'auto-load' },
            h('thead', null, h('tr', null,
              h('th', { scope: 'col' }, t('assign.col.reviewer')),
              h('th', { scope: 'col', class: 'col-count' }, t('auto.load.before')),
              h('th', { scope: 'col', class: 'col-count' }, t('auto.load.added')),
              h('th', { scope: 'col', class: 'col-count' }, t('auto.load.after')),
              h('th', { scope: 'col', class: 'col-bar' }, capN != null ? t('auto.load.ofCap', { cap: capN }) : t('auto.load.bar')))),
            h('tbody', null, loadRows.length ? loadRows : h('tr', { class: 'row-message' }, h('td', { colspan: '5' }, '—')))))),
        h('section', { 'aria-labelledby': 'auto-plan-title' },
          h('h3', { class: 'sub-title', id: 'auto-plan-title' }, t('auto.plan.title')),
          h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', id: 'auto-plan' },
            h('thead', null, h('tr', null,
              h('th', { scope: 'col' }, t('assign.col.unit')),
              h('th', { scope: 'col', class: 'col-count' }, t('auto.plan.count')),
              h('th', { scope: 'col' }, t('auto.plan.reviewers')))),
            planBody)),
          pager.el)),
      short.length ? h('section', { 'aria-labelledby': 'auto-short-title', class: 'auto-short' },
        h('h3', { class: 'sub-title', id: 'auto-short-title' }, t('auto.short.title', { count: short.length })),
        h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', id: 'auto-short' },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, t('assign.col.unit')),
            h('th', { scope: 'col', class: 'col-count' }, t('auto.short.missing')),
            h('th', { scope: 'col' }, t('auto.short.problem')))),
          h('tbody', null, shortRows)))) : null);
    form.hidden = true;
    previewBox.hidden = false;
    submitLabel.textContent = t('auto.apply');
    setBlocked(dlg.submitButton, !proposed.length);
    if (proposed.length) dlg.submitButton.focus();
    else previewBox.querySelector('#auto-back').focus();
  }

  return dlg;
}
