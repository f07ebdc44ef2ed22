// web/js/views/cyclerubric.js — a cycle's 评分细则 (admin): chosen when the cycle is created,
// shown and switched on the cycle page (cycles.js uses these pieces).
// Owns:
//  - rubricChoice(): the radio group 评分细则 of 新建考核周期 — 复制上一周期的细则（<name> vN）
//    (the newest cycle's rubric_id from GET /api/v1/cycles/{id}; the default when there is
//    one: a new editable version of it is made, POST body rubric_copy_from), 使用内置模板（法治
//    政府建设年度考核） (rubric_template: true; the default without an earlier cycle), 使用已有
//    细则 with a select of GET /api/v1/rubrics (rubric_id; choosing in the select checks its
//    radio), 暂不选择 (nothing sent). It looks like a field() to formErrors() (name "rubric").
//  - rubricLink(): "名称 v2" linking to #/rubrics/ID, or 未选择;
//  - rubricChangeDialog(): 更换评分细则 in two steps — pick another rubric (the versions of the
//    cycle's rubric's family first, then the others), then the preview of GET
//    /api/v1/cycles/{id}/rubric-change?to=ID: the changes (rubricdiff.js), the scores and
//    evidence affected ("已有 N 条评分：M 条沿用，K 条因指标删除而作废，J 条超过新分值将被截为
//    上限；证据 E 条作废"), and, when scores exist, a checkbox that must be ticked before 确认更换
//    is enabled; then PATCH /api/v1/cycles/{id} {rubric_id, confirm_rubric_change: true}. A 409
//    on confirm_rubric_change (scores given meanwhile) shows the fresh preview again; other
//    refusals (e.g. 结果已公示) stay in the dialog with the server's detail.

import { h, icon, replace } from '../dom.js';
import { t, errorMessage } from '../i18n.js';
import { api } from '../api.js';
import { button, notice, openDialog, setBlocked, uid } from '../ui.js';
import { diffSections, rubricChoices, rubricLabel } from './rubricdiff.js';

/* All rubrics (GET /api/v1/rubrics), newest first as the server lists them. */
export async function listRubrics() {
  const reply = await api.get('/api/v1/rubrics');
  return reply && Array.isArray(reply.rubrics) ? reply.rubrics : [];
}

/* "名称 v2" as a link to the rubric, or 未选择 (id null). rubric: a list entry or null. */
export function rubricLink(id, rubric) {
  if (id == null) return h('span', { class: 'text-subtle', id: 'cycle-rubric-none' }, t('cycle.rubric.none'));
  const label = rubric ? rubricLabel(rubric) : t('cycle.rubric.numbered', { id });
  return h('a', { href: '#/rubrics/' + id, id: 'cycle-rubric-link', 'data-id': String(id) }, label);
}

/* The 评分细则 radios of the create dialog. cycles: the cycle list, newest first (or a promise
 * of it). */
export function rubricChoice({ cycles }) {
  const name = uid('rubric-choice');
  let touched = false;
  let prev = null;   // the rubric of the newest cycle that has one (a list entry)
  let rubrics = [];
  const errEl = h('p', { class: 'field-error', id: name + '-error', hidden: true });
  const make = (value, label) => {
    const input = h('input', { type: 'radio', name, value, id: `${name}-${value}` });
    input.addEventListener('change', () => { touched = true; });
    const text = h('span', null, label);
    return { input, text, label: h('label', { class: 'radio', for: input.id }, input, text) };
  };
  const copy = make('copy', t('cycles.rubric.copyLoading'));
  const tpl = make('template', t('cycles.rubric.template'));
  const existing = make('existing', t('cycles.rubric.existing'));
  const none = make('none', t('cycles.rubric.none'));
  copy.input.disabled = true;
  const copyHint = h('p', { class: 'field-hint choice-hint', id: name + '-copy-hint' });
  const select = h('select', { class: 'control choice-select', id: name + '-select', 'aria-label': t('cycles.rubric.existingSelect'), disabled: true },
    h('option', { value: '' }, t('app.loading')));
  const pickExisting = () => { if (!existing.input.disabled) { existing.input.checked = true; touched = true; } };
  select.addEventListener('change', pickExisting);
  select.addEventListener('focus', pickExisting);

  const wrap = h('fieldset', { class: 'field fieldset rubric-choice', 'data-field': 'rubric', 'aria-describedby': errEl.id },
    h('legend', null, t('cycles.rubric.legend')),
    h('div', { class: 'choice-list' },
      h('div', { class: 'choice' }, copy.label, copyHint),
      h('div', { class: 'choice' }, tpl.label),
      h('div', { class: 'choice choice-with-select' }, existing.label, select),
      h('div', { class: 'choice' }, none.label)),
    errEl);

  const ready = (async () => {
    try {
      rubrics = await listRubrics();
    } catch (err) {
      rubrics = [];
      replace(copyHint, errorMessage(err));
    }
    let list = [];
    try { list = (await cycles) || []; } catch { list = []; }
    for (const c of list.slice(0, 3)) {
      let rid = null;
      try {
        const r = await api.get('/api/v1/cycles/' + c.id);
        rid = r && r.cycle ? r.cycle.rubric_id : null;
      } catch { /* try the next one */ }
      if (rid != null) {
        prev = rubrics.find((x) => x.id === rid) || { id: rid, name: t('cycle.rubric.numbered', { id: rid }), version: '?' };
        replace(copyHint, t('cycles.rubric.copyHint', { cycle: c.title }));
        break;
      }
    }
    if (prev) {
      copy.input.disabled = false;
      replace(copy.text, t('cycles.rubric.copy', { name: prev.name, version: prev.version }));
    } else {
      replace(copy.text, t('cycles.rubric.copyNone'));
    }
    replace(select, rubrics.length ? rubrics.map((r) => h('option', { value: String(r.id) }, `${r.name} · v${r.version}` + (r.frozen ? ` · ${t('rubrics.frozen')}` : '')))
      : h('option', { value: '' }, t('cycles.rubric.noRubrics')));
    select.disabled = !rubrics.length;
    existing.input.disabled = !rubrics.length;
    if (prev) select.value = String(prev.id);
    if (!touched) (prev ? copy : tpl).input.checked = true;
  })();

  const api_ = {
    name: 'rubric',
    wrap,
    input: copy.input,
    ready,
    setError(text) {
      errEl.replaceChildren(icon('alert'), h('span', null, text));
      errEl.hidden = false;
    },
    clear() {
      errEl.replaceChildren();
      errEl.hidden = true;
    },
    /* The POST fields of the choice, or null with the error shown. */
    body() {
      const v = [copy, tpl, existing, none].find((x) => x.input.checked);
      const value = v ? v.input.value : 'none';
      if (value === 'copy' && prev) return { rubric_copy_from: prev.id };
      if (value === 'template') return { rubric_template: true };
      if (value === 'existing') {
        if (!select.value) { api_.setError(t('cycles.rubric.pickOne')); select.focus(); return null; }
        return { rubric_id: Number(select.value) };
      }
      return {};
    },
  };
  // formErrors() focuses input on an error: the checked radio is the better target
  Object.defineProperty(api_, 'input', { get: () => [copy, tpl, existing, none].map((x) => x.input).find((i) => i.checked) || tpl.input });
  return api_;
}

const countLine = (p) => t('cycle.rubricChange.scores', {
  total: p.scores.total, kept: p.scores.kept, dropped: p.scores.dropped, clamped: p.scores.clamped, evidence: p.evidence.dropped,
});

/* 更换评分细则. cycle: the cycle ({id, rubric_id}); rubrics: the list. dlg.closed resolves to
 * the PATCH reply ({cycle}) or undefined. */
export function rubricChangeDialog({ cycle, rubrics }) {
  const base = '/api/v1/cycles/' + encodeURIComponent(cycle.id);
  const current = rubrics.find((r) => r.id === cycle.rubric_id) || null;
  const self = current || { id: cycle.rubric_id ?? -1, family: null, version: 0 };
  const { select, count } = rubricChoices(self, rubrics, { id: 'rubric-change-to' });
  let preview = null;
  const pick = h('div', { class: 'import-step', id: 'rubric-change-pick' },
    h('p', { class: 'dlg-intro' }, current ? t('cycle.rubricChange.intro', { label: rubricLabel(current) })
      : cycle.rubric_id != null ? t('cycle.rubricChange.intro', { label: t('cycle.rubric.numbered', { id: cycle.rubric_id }) })
        : t('cycle.rubricChange.introNone')),
    count ? h('div', { class: 'field' }, h('label', { for: 'rubric-change-to' }, t('cycle.rubricChange.to')), select,
      h('p', { class: 'field-hint' }, t('cycle.rubricChange.toHint')))
      : notice('info', t('cycle.rubricChange.nothing')));
  const view = h('div', { class: 'import-step', id: 'rubric-change-preview', hidden: true });
  const ack = h('input', { type: 'checkbox', id: 'rubric-change-ack' });
  const label = (text) => { dlg.submitButton.querySelector('.btn-label').textContent = text; };

  const load = async () => {
    preview = await api.get(`${base}/rubric-change?to=${encodeURIComponent(select.value)}`);
    render();
  };

  function render(note) {
    const p = preview;
    const scored = p.scores && p.scores.total > 0;
    const back = button(t('cycle.rubricChange.back'), {
      kind: 'link', icon: 'refresh', id: 'rubric-change-back',
      onclick: () => { preview = null; view.hidden = true; pick.hidden = false; label(t('cycle.rubricChange.next')); setBlocked(dlg.submitButton, false); dlg.alert.replaceChildren(); select.focus(); },
    });
    ack.checked = false;
    replace(view,
      note ? notice('warn', note, { id: 'rubric-change-note' }) : null,
      h('p', { class: 'rubric-change-line', id: 'rubric-change-line' },
        p.from ? t('cycle.rubricChange.fromTo', { from: rubricLabel(p.from), to: rubricLabel(p.to) })
          : t('cycle.rubricChange.firstTo', { to: rubricLabel(p.to) }), ' ', back),
      scored ? notice('warn', [h('p', { class: 'notice-strong', id: 'rubric-change-scores' }, countLine(p)),
        h('p', null, t('cycle.rubricChange.scoresHint'))], { id: 'rubric-change-impact' })
        : notice('info', [h('p', { id: 'rubric-change-scores' }, t('cycle.rubricChange.noScores')),
          p.sheets ? h('p', null, t('cycle.rubricChange.sheets', { sheets: p.sheets, submitted: p.submitted })) : null], { id: 'rubric-change-impact' }),
      h('h3', { class: 'diff-heading' }, t('cycle.rubricChange.changes')),
      p.diff ? diffSections(p.diff, { limit: 8 }) : notice('info', t('cycle.rubricChange.noFrom')),
      p.confirm_required || scored
        ? h('label', { class: 'check-line rubric-change-ack' }, ack, h('span', null, t('cycle.rubricChange.ack', { total: p.scores.total })))
        : null);
    pick.hidden = true;
    view.hidden = false;
    label(t('cycle.rubricChange.submit'));
    setBlocked(dlg.submitButton, !!(p.confirm_required || scored));
    (p.confirm_required || scored ? ack : dlg.submitButton).focus();
  }
  ack.addEventListener('change', () => setBlocked(dlg.submitButton, !ack.checked));

  const dlg = openDialog({
    title: t(cycle.rubric_id != null ? 'cycle.rubricChange.title' : 'cycle.rubricChange.titleNone'), id: 'rubric-change-dialog', size: 'lg',
    submitText: count ? t('cycle.rubricChange.next') : null,
    body: [pick, view],
    onSubmit: async () => {
      if (!preview) {
        await load();
        return false;
      }
      const needs = preview.confirm_required || (preview.scores && preview.scores.total > 0);
      if (needs && !ack.checked) return false;
      try {
        return await api.patch(base, { rubric_id: preview.to.id, confirm_rubric_change: true });
      } catch (err) {
        if (err.status === 409 && err.field === 'confirm_rubric_change') {
          await load();
          render(t('cycle.rubricChange.changedMeanwhile'));
          return false;
        }
        throw err;
      }
    },
  });
  return dlg;
}
