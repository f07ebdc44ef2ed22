// web/js/views/cyclesettings.js — 评分设置: a cycle's scoring settings, a section of the cycle
// page (#/cycles/{id}, cycles.js).
// Owns the form over the cycle's "settings" (GET /api/v1/cycles/{id} fills the defaults) and
// saving it with one button (PATCH /api/v1/cycles/{id} {"settings": {only what changed}}):
//  - 评分步长 score_step: one of the steps the server knows, or 按评分细则 (the rubric's own
//    step, sent as null);
//  - 低于满分的百分之几须填写理由 comment_below: typed as a percentage 0–100 (0 = never), sent
//    as the fraction 0..1 the server keeps;
//  - 其他评审人评分何时可见 reveal_others: after_submit | always | never (radio buttons);
//  - 匿名评审（隐藏单位名称） blind, and 评审人可查看单位自评 show_self (check boxes);
//  - 结果汇总: 官方汇总方法 aggregation.method (radio buttons, each method explained in plain
//    Chinese), 等次名额 aggregation.quotas (a percentage per grade band of the cycle's rubric,
//    GET /api/v1/rubrics/{id}, except the lowest; empty = no limit; sent as max_share 0..1),
//    分歧提示阈值 aggregation.flag_share (a percentage of the leaf maximum, sent as 0..1) and
//    公示时显示排名 show_ranks. The aggregation is sent whole when any part of it changed;
//  - 复核申请期限（天） appeal_days: how many days after publication a unit may appeal (1–60).
// Each control says in plain Chinese what it does. A refusal naming "settings.<key>" shows
// next to that control with the server's words (e.g. blind can no longer change once review
// scores exist); anything else in the form's alert. From the publication phase on the form
// is disabled and says why. Leaving the page with unsaved changes asks first (the router's
// leave guard, installed when the panel is made: call cycleSettingsPanel from a view).

import { h, icon, replace } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { api } from '../api.js';
import { METHODS } from './resultshared.js';
import { setLeaveGuard } from '../router.js';
import { field, alertBox, formErrors, button, setBusy, setBlocked, notice, uid, confirmDialog } from '../ui.js';

export const REVEAL = ['after_submit', 'always', 'never'];
/* The server's defaults (cycle_settings() in server/h_cycles.c), for a reply without them. */
const DEFAULTS = {
  score_step: null, comment_below: 0, reveal_others: 'after_submit', blind: false, show_self: true,
  aggregation: { method: 'mean', quotas: [], flag_share: 0.5 }, show_ranks: true, appeal_days: 10,
};
const KEYS = ['score_step', 'comment_below', 'reveal_others', 'blind', 'show_self', 'aggregation', 'show_ranks', 'appeal_days'];
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
    aggregation: aggregationOf(s.aggregation),
    show_ranks: typeof s.show_ranks === 'boolean' ? s.show_ranks : DEFAULTS.show_ranks,
    appeal_days: Number.isInteger(s.appeal_days) ? s.appeal_days : DEFAULTS.appeal_days,
  };
}

/* A stored aggregation with the defaults for anything missing (quotas sorted by grade so two
 * equal settings compare equal). */
function aggregationOf(a) {
  const d = DEFAULTS.aggregation;
  const x = a && typeof a === 'object' ? a : {};
  const quotas = (Array.isArray(x.quotas) ? x.quotas : [])
    .filter((q) => q && typeof q.grade === 'string' && typeof q.max_share === 'number')
    .map((q) => ({ grade: q.grade, max_share: q.max_share }))
    .sort((p, q) => (p.grade < q.grade ? -1 : p.grade > q.grade ? 1 : 0));
  return {
    method: METHODS.includes(x.method) ? x.method : d.method,
    quotas,
    flag_share: typeof x.flag_share === 'number' ? x.flag_share : d.flag_share,
  };
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

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
  const methodName = uid('method');
  const method = groupField('aggregation', t('settings.method'),
    h('div', { class: 'radio-col' }, METHODS.map((v) => h('label', { class: 'radio radio-explained' },
      h('input', { type: 'radio', name: methodName, value: v }), h('span', null, t('settings.method.' + v))))),
    t('settings.methodHint'));
  const quotaBox = h('div', { class: 'quota-list', id: 'settings-quotas' });
  const quotas = groupField('quotas', t('settings.quotas'), quotaBox, t('settings.quotasHint'));
  let quotaInputs = new Map(); // band name → its percentage input (every band but the lowest)
  let bands = null;            // the grade bands of the cycle's rubric, or null while unknown
  let bandsOf = null;          // the rubric id bands was read from
  const flag = field('flag_share', {
    label: t('settings.flagShare'), hint: t('settings.flagShareHint'),
    input: h('input', { type: 'number', min: '1', max: '100', step: 'any', inputmode: 'decimal', class: 'input-num' }),
  });
  flag.input.after(h('span', { class: 'input-suffix', 'aria-hidden': 'true' }, '%'));
  const showRanks = check('show_ranks', t('settings.showRanksLegend'), t('settings.showRanks'), t('settings.showRanksHint'));
  const appealDays = field('appeal_days', {
    label: t('settings.appealDays'), hint: t('settings.appealDaysHint'),
    input: h('input', { type: 'number', min: '1', max: '60', step: '1', inputmode: 'numeric', class: 'input-num', id: 'settings-appeal-days' }),
  });
  appealDays.input.after(h('span', { class: 'input-suffix', 'aria-hidden': 'true' }, t('settings.appealDaysUnit')));
  const alert = alertBox('settings-alert');
  const errors = formErrors([step, below, reveal, blind, showSelf, method, quotas, flag, showRanks, appealDays], alert);
  const saveBtn = button(t('settings.save'), { kind: 'primary', type: 'submit', id: 'settings-save' });
  const state = h('div', { class: 'settings-state', id: 'settings-state', role: 'status' });
  const lockNote = h('div', { id: 'settings-locked' });
  const controls = () => form.querySelectorAll('input, select');

  /* What the form shows, to tell unsaved changes. */
  const snapshot = () => JSON.stringify([step.input.value, below.input.value,
    (reveal.wrap.querySelector('input:checked') || {}).value || '', blind.box.checked, showSelf.box.checked,
    (method.wrap.querySelector('input:checked') || {}).value || '', [...quotaInputs.values()].map((i) => i.value),
    flag.input.value, showRanks.box.checked, appealDays.input.value]);
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
    for (const r of method.wrap.querySelectorAll('input')) r.checked = r.value === s.aggregation.method;
    fillQuotas(s.aggregation.quotas);
    flag.input.value = toPercent(s.aggregation.flag_share);
    showRanks.box.checked = s.show_ranks;
    appealDays.input.value = String(s.appeal_days);
    filled = snapshot();
  }

  /* The quota inputs: one per band of the rubric except the lowest, filled from quotas. */
  function fillQuotas(list) {
    const share = new Map(list.map((q) => [q.grade, q.max_share]));
    if (!bands) {
      quotaInputs = new Map();
      replace(quotaBox, h('p', { class: 'text-muted' }, bandsOf === null ? t('app.loading') : t('settings.quotasNoRubric')));
      return;
    }
    quotaInputs = new Map();
    replace(quotaBox, bands.slice(0, -1).map((b) => {
      const input = h('input', {
        type: 'number', min: '0', max: '100', step: 'any', inputmode: 'decimal', class: 'control input-num',
        id: uid('set-quota'), 'data-grade': b.name, placeholder: t('settings.quotaNoLimit'),
        value: share.has(b.name) ? toPercent(share.get(b.name)) : '',
      });
      quotaInputs.set(b.name, input);
      return h('div', { class: 'quota-row' },
        h('label', { for: input.id }, t('settings.quotaBand', { band: b.name })), input,
        h('span', { class: 'input-suffix', 'aria-hidden': 'true' }, '%'));
    }));
    if (!bands.length || bands.length === 1) replace(quotaBox, h('p', { class: 'text-muted' }, t('settings.quotasNoRubric')));
  }

  /* Reads the grade bands of the cycle's rubric (once per rubric), then rebuilds the quota
   * inputs from what the form shows. */
  async function loadBands(c) {
    const id = c.rubric_id;
    if (id == null) { bands = null; bandsOf = undefined; fillQuotas(settingsOf(c).aggregation.quotas); return; }
    if (bandsOf === id) return;
    bandsOf = id;
    let list = null;
    try {
      const reply = await api.get('/api/v1/rubrics/' + id);
      list = reply && reply.rubric && Array.isArray(reply.rubric.grade_bands) ? reply.rubric.grade_bands : [];
    } catch {
      list = null;
    }
    if (bandsOf !== id) return;
    const wasFilled = filled !== null && snapshot() === filled;
    bands = list;
    if (!bands) bandsOf = undefined;
    fillQuotas(settingsOf(cycle).aggregation.quotas);
    if (wasFilled) filled = snapshot();
    const locked = LOCKED_PHASES.includes(cycle.phase);
    for (const x of controls()) x.disabled = locked;
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
    const old = settingsOf(cycle).aggregation;
    const agg = { method: (method.wrap.querySelector('input:checked') || {}).value || old.method, quotas: old.quotas, flag_share: old.flag_share };
    if (bands) {
      const list = [];
      for (const [grade, input] of quotaInputs) {
        const v = input.value.trim();
        if (input.validity.badInput) { errors.field('quotas', t('settings.quotaInvalid')); input.focus(); return null; }
        if (v === '') continue;
        const q = Number(v);
        if (!Number.isFinite(q) || q < 0 || q > 100) { errors.field('quotas', t('settings.quotaInvalid')); input.focus(); return null; }
        list.push({ grade, max_share: Math.round(q * 100) / 10000 });
      }
      // quotas of bands the rubric no longer has are dropped with the rest
      agg.quotas = aggregationOf({ quotas: list }).quotas;
    }
    if (flag.input.validity.badInput || flag.input.value.trim() === '') { errors.field('flag_share', t('settings.flagShareInvalid')); return null; }
    const f = Number(flag.input.value);
    if (!Number.isFinite(f) || f <= 0 || f > 100) { errors.field('flag_share', t('settings.flagShareInvalid')); return null; }
    agg.flag_share = Math.round(f * 100) / 10000;
    s.aggregation = agg;
    s.show_ranks = showRanks.box.checked;
    const d = Number(appealDays.input.value);
    if (appealDays.input.validity.badInput || !Number.isInteger(d) || d < 1 || d > 60) { errors.field('appeal_days', t('settings.appealDaysInvalid')); return null; }
    s.appeal_days = d;
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
    for (const k of Object.keys(next)) if (!same(next[k], old[k])) changed[k] = next[k];
    if (!Object.keys(changed).length) { replace(state, notice('info', t('settings.unchanged'))); return; }
    setBusy(saveBtn, true);
    let reply;
    try {
      reply = await api.patch('/api/v1/cycles/' + cycle.id, { settings: changed });
    } catch (err) {
      setBusy(saveBtn, false);
      let key = err.field && err.field.startsWith('settings.') ? err.field.slice(9) : null;
      if (key && key.startsWith('aggregation.quotas')) key = 'quotas';
      else if (key && key.startsWith('aggregation.flag_share')) key = 'flag_share';
      else if (key && key.startsWith('aggregation')) key = 'aggregation';
      if (key && [...KEYS, 'quotas', 'flag_share'].includes(key)) {
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
    h('h3', { class: 'sub-title settings-sub', id: 'settings-results-title' }, t('settings.resultsTitle')),
    h('div', { class: 'settings-grid settings-grid-results', role: 'group', 'aria-labelledby': 'settings-results-title' },
      h('div', { class: 'settings-col' }, method.wrap),
      h('div', { class: 'settings-col' }, quotas.wrap),
      h('div', { class: 'settings-col' }, flag.wrap, showRanks.wrap, appealDays.wrap)),
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
      for (const x of controls()) x.disabled = locked;
      loadBands(c);
      setBlocked(saveBtn, locked);
      replace(lockNote, locked ? notice('info', t('settings.locked', { phase: t('phase.' + c.phase) })) : null);
    },
  };
}
