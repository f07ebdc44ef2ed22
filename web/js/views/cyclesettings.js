// web/js/views/cyclesettings.js — 评分设置: a cycle's scoring settings, a section of the cycle
// page (#/cycles/{id}, cycles.js).
// Owns the form over the cycle's "settings" (GET /api/v1/cycles/{id} fills the defaults) and
// saving it with one button (PATCH /api/v1/cycles/{id} {"settings": {only what changed}}):
//  - 评分步长 score_step: one of the steps the server knows, or 按评分细则 (the rubric's own
//    step, sent as null);
//  - 低于满分的百分之几须填写理由 comment_below: typed as a percentage 0–100 (0 = never), sent
//    as the fraction 0..1 the server keeps;
//  - 其他评审人评分何时可见 reveal_others: after_submit | always | never (radio buttons);
//  - 匿名评审（隐藏单位名称） blind, and 评审人可查看单位自评 show_self (check boxes).
// Each control says in plain Chinese what it does. A refusal naming "settings.<key>" shows
// next to that control with the server's words (e.g. blind can no longer change once review
// scores exist); anything else in the form's alert. From the publication phase on the form
// is disabled and says why. Leaving the page with unsaved changes asks first (the router's
// leave guard, installed when the panel is made: call cycleSettingsPanel from a view).

import { h, icon, replace } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { api } from '../api.js';
import { setLeaveGuard } from '../router.js';
import { field, alertBox, formErrors, button, setBusy, setBlocked, notice, uid, confirmDialog } from '../ui.js';

export const REVEAL = ['after_submit', 'always', 'never'];
/* The server's defaults (cycle_settings() in server/h_cycles.c), for a reply without them. */
const DEFAULTS = { score_step: null, comment_below: 0, reveal_others: 'after_submit', blind: false, show_self: true };
const LOCKED_PHASES = ['publication', 'closed'];
/* The score steps the server accepts (it also checks that the step divides every leaf's
 * maximum of the cycle's rubric, and says which leaf does not). */
export const STEPS = [0.01, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5];

/* The settings of cycle c with the defaults for anything missing. */
export function settingsOf(c) {
  const s = c && c.settings && typeof c.settings === 'object' ? c.settings : {};
  return {
    score_step: typeof s.score_step === 'number' ? s.score_step : null,
    comment_below: typeof s.comment_below === 'number' ? s.comment_below : DEFAULTS.comment_below,
    reveal_others: REVEAL.includes(s.reveal_others) ? s.reveal_others : DEFAULTS.reveal_others,
    blind: typeof s.blind === 'boolean' ? s.blind : DEFAULTS.blind,
    show_self: typeof s.show_self === 'boolean' ? s.show_self : DEFAULTS.show_self,
  };
}

/* A fraction (0.6) as the percentage typed (60), without float noise. */
const toPercent = (f) => String(Math.round(f * 10000) / 100);

/* A fieldset shaped like a field() for formErrors(): legend, content, error line, hint. */
function groupField(name, legend, content, hint) {
  const id = uid('set-' + name);
  const err = h('p', { class: 'field-error', id: id + '-error', hidden: true });
  const hintEl = hint ? h('p', { class: 'field-hint', id: id + '-hint' }, hint) : null;
  const wrap = h('fieldset', { class: 'field fieldset', 'data-field': name, 'aria-describedby': [id + '-error', hint ? id + '-hint' : null].filter(Boolean).join(' ') },
    h('legend', null, legend), content, err, hintEl);
  return {
    name, wrap,
    get input() { return wrap.querySelector('input'); },
    setError(text) { replace(err, icon('alert'), h('span', null, text)); err.hidden = false; },
    clear() { err.replaceChildren(); err.hidden = true; },
  };
}

/* The 评分设置 section (hidden until the first update). opts: { onSaved(cycle) } (the PATCH
 * reply's cycle). Returns { el, update(cycle) } — call update whenever the page has the cycle
 * (again); the form is refilled only when the cycle's stored settings changed (or it locks). */
export function cycleSettingsPanel({ onSaved }) {
  let cycle = null;
  const step = field('score_step', {
    label: t('settings.step'), hint: t('settings.stepHint'),
    input: h('select', { class: 'select-step' },
      h('option', { value: '' }, t('settings.stepRubric')),
      STEPS.map((v) => h('option', { value: String(v) }, t('settings.stepValue', { step: v })))),
  });
  const below = field('comment_below', {
    label: t('settings.commentBelow'), hint: t('settings.commentBelowHint'),
    input: h('input', { type: 'number', min: '0', max: '100', step: 'any', inputmode: 'decimal', class: 'input-num' }),
  });
  below.input.after(h('span', { class: 'input-suffix', 'aria-hidden': 'true' }, '%'));
  const radioName = uid('reveal');
  const reveal = groupField('reveal_others', t('settings.reveal'),
    h('div', { class: 'radio-col' }, REVEAL.map((v) => h('label', { class: 'radio' },
      h('input', { type: 'radio', name: radioName, value: v }), h('span', null, t('settings.reveal.' + v))))),
    t('settings.revealHint'));
  const check = (name, legend, label, hint) => {
    const box = h('input', { type: 'checkbox', id: uid('set-' + name) });
    const f = groupField(name, legend,
      h('label', { class: 'check-line', for: box.id }, box, h('span', null, label)), hint);
    return { ...f, box };
  };
  const blind = check('blind', t('settings.blindLegend'), t('settings.blind'), t('settings.blindHint'));
  const showSelf = check('show_self', t('settings.showSelfLegend'), t('settings.showSelf'), t('settings.showSelfHint'));
  const alert = alertBox('settings-alert');
  const errors = formErrors([step, below, reveal, blind, showSelf], alert);
  const saveBtn = button(t('settings.save'), { kind: 'primary', type: 'submit', id: 'settings-save' });
  const state = h('div', { class: 'settings-state', id: 'settings-state', role: 'status' });
  const lockNote = h('div', { id: 'settings-locked' });
  const controls = [step.input, below.input, ...reveal.wrap.querySelectorAll('input'), blind.box, showSelf.box];

  /* What the form shows, to tell unsaved changes. */
  const snapshot = () => JSON.stringify([step.input.value, below.input.value,
    (reveal.wrap.querySelector('input:checked') || {}).value || '', blind.box.checked, showSelf.box.checked]);
  let filled = null;
  setLeaveGuard({
    dirty: () => filled !== null && !saveBtn.disabled && snapshot() !== filled,
    ask: () => confirmDialog({
      id: 'settings-leave-dialog', title: t('settings.leaveTitle'), message: t('settings.leaveText'),
      confirmText: t('settings.leave'), danger: true, action: async () => true,
    }).then((v) => v === true),
  });

  function fill(s) {
    const known = s.score_step == null || STEPS.some((v) => Math.abs(v - s.score_step) < 1e-9);
    if (!known) step.input.append(h('option', { value: String(s.score_step) }, t('settings.stepValue', { step: s.score_step })));
    step.input.value = s.score_step == null ? '' : String(STEPS.find((v) => Math.abs(v - s.score_step) < 1e-9) ?? s.score_step);
    below.input.value = toPercent(s.comment_below);
    for (const r of reveal.wrap.querySelectorAll('input')) r.checked = r.value === s.reveal_others;
    blind.box.checked = s.blind;
    showSelf.box.checked = s.show_self;
    filled = snapshot();
  }

  /* The form's values, or null after showing what is wrong. */
  function read() {
    const s = {};
    s.score_step = step.input.value === '' ? null : Number(step.input.value);
    if (below.input.validity.badInput || below.input.value.trim() === '') { errors.field('comment_below', t('settings.commentBelowInvalid')); return null; }
    const p = Number(below.input.value);
    if (!Number.isFinite(p) || p < 0 || p > 100) { errors.field('comment_below', t('settings.commentBelowInvalid')); return null; }
    s.comment_below = Math.round(p * 100) / 10000;
    const r = reveal.wrap.querySelector('input:checked');
    s.reveal_others = r ? r.value : DEFAULTS.reveal_others;
    s.blind = blind.box.checked;
    s.show_self = showSelf.box.checked;
    return s;
  }

  async function save(ev) {
    ev.preventDefault();
    if (!cycle || LOCKED_PHASES.includes(cycle.phase)) return;
    state.replaceChildren();
    errors.clear();
    const next = read();
    if (!next) return;
    const old = settingsOf(cycle);
    const changed = {};
    for (const k of Object.keys(next)) if (next[k] !== old[k]) changed[k] = next[k];
    if (!Object.keys(changed).length) { replace(state, notice('info', t('settings.unchanged'))); return; }
    setBusy(saveBtn, true);
    let reply;
    try {
      reply = await api.patch('/api/v1/cycles/' + cycle.id, { settings: changed });
    } catch (err) {
      setBusy(saveBtn, false);
      const key = err.field && err.field.startsWith('settings.') ? err.field.slice(9) : null;
      if (key && ['score_step', 'comment_below', 'reveal_others', 'blind', 'show_self'].includes(key)) {
        errors.field(key, errorText(err));
        if (key === 'blind') blind.box.focus();
      } else errors.alert(errorText(err));
      return;
    }
    setBusy(saveBtn, false);
    if (reply && reply.cycle) {
      cycle = reply.cycle.settings ? reply.cycle : { ...reply.cycle, settings: { ...old, ...changed } };
      fill(settingsOf(cycle));
      shown = JSON.stringify(settingsOf(cycle));
      if (onSaved) onSaved(cycle);
    }
    replace(state, notice('ok', t('settings.saved')));
  }

  const form = h('form', { class: 'settings-form', id: 'settings-form', novalidate: true, onsubmit: save },
    lockNote,
    h('div', { class: 'settings-grid' },
      h('div', { class: 'settings-col' }, step.wrap, below.wrap),
      h('div', { class: 'settings-col' }, reveal.wrap),
      h('div', { class: 'settings-col' }, blind.wrap, showSelf.wrap)),
    alert,
    h('div', { class: 'settings-foot' }, saveBtn, state));

  const el = h('section', { class: 'panel panel-pad cycle-settings', id: 'cycle-settings', 'aria-labelledby': 'cycle-settings-title' },
    h('div', { class: 'panel-head' },
      h('h2', { class: 'section-title', id: 'cycle-settings-title' }, t('settings.title'))),
    h('p', { class: 'panel-desc' }, t('settings.desc')),
    form);

  el.hidden = true; // until the page has the cycle
  let shown = ''; // the stored settings the form was filled from, so a re-render keeps what is typed

  return {
    el,
    update(c) {
      cycle = c;
      const key = JSON.stringify(settingsOf(c));
      const locked = LOCKED_PHASES.includes(c.phase);
      el.hidden = false;
      // Refill when the stored settings changed, or when the form gets locked; a phase move
      // alone keeps what is being typed.
      if (key !== shown || locked) {
        shown = key;
        errors.clear();
        fill(settingsOf(c));
      }
      for (const x of controls) x.disabled = locked;
      setBlocked(saveBtn, locked);
      replace(lockNote, locked ? notice('info', t('settings.locked', { phase: t('phase.' + c.phase) })) : null);
    },
  };
}
