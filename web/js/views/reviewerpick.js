// web/js/views/reviewerpick.js — choosing a reviewer, and the dialog that assigns one to a
// unit (添加分配 on the 评审分配 page, 重新分配 after a recusal).
// Owns: listReviewers() (GET /api/v1/users?role=reviewer, 1,000 a page until "total" is
// reached — a national cycle has 5,000 reviewers —, enabled accounts only, fetched once per
// page load; a failure is retried next time); reviewerField(), a text box
// with a <datalist> of the reviewers (login as the value, name and unit as the label; the
// browser filters as the person types, keyboard included) whose resolve() turns the text into
// a login (an exact login, name or "姓名（login）", else the only reviewer matching; an Error
// with a sentence otherwise); and assignDialog() (POST /api/v1/cycles/{cycle}/assignments
// {unit, reviewer}: the server's refusal — the reviewer's own unit, a declared conflict, a
// unit outside the cycle, an unknown reviewer, already assigned — next to the field it names).

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { field, alertBox, formErrors, openDialog, uid } from '../ui.js';
import { unitPicker } from '../unitpicker.js';
import { personLabel } from './assignshared.js';

let reviewersP = null;

/* Resolves to the enabled reviewers [{login, display_name, unit: {code, name} | null}]
 * (cached for the page load; rejects with ApiError, and the next call asks again). */
export function listReviewers({ fresh = false } = {}) {
  if (fresh) reviewersP = null;
  if (!reviewersP) {
    reviewersP = (async () => {
      const all = [];
      for (;;) {
        const r = await api.get('/api/v1/users?role=reviewer&limit=1000&offset=' + all.length);
        const page = r && Array.isArray(r.users) ? r.users : [];
        all.push(...page);
        if (!page.length || all.length >= (r.total || 0)) break;
      }
      return all.filter((u) => !u.disabled);
    })().catch((err) => { reviewersP = null; throw err; });
  }
  return reviewersP;
}

/* A reviewer field. opts: { name, label, hint, reviewers (from listReviewers), exclude:
 * logins never offered }. Returns field()'s handle plus resolve() → login ('' when empty;
 * throws Error(sentence) when the text names no reviewer or several). */
export function reviewerField({ name = 'reviewer', label, hint, reviewers, exclude = [] }) {
  const listId = uid('reviewer-options');
  const offered = reviewers.filter((u) => !exclude.includes(u.login));
  const input = h('input', {
    type: 'text', list: listId, autocomplete: 'off', spellcheck: 'false', maxlength: '100',
    placeholder: t('assign.reviewer.placeholder'),
  });
  const list = h('datalist', { id: listId }, offered.map((u) => h('option', {
    value: u.login,
    label: (u.display_name || '') + (u.unit ? ' · ' + u.unit.name : ''),
  })));
  const f = field(name, { label: label || t('assign.reviewer'), input, hint });
  f.wrap.append(list);
  return {
    ...f,
    resolve() {
      const text = input.value.trim();
      if (!text) return '';
      const low = text.toLowerCase();
      const exact = offered.find((u) => u.login.toLowerCase() === low || u.display_name === text ||
        personLabel(u.login, u.display_name) === text);
      if (exact) return exact.login;
      const some = offered.filter((u) => u.login.toLowerCase().includes(low) || (u.display_name || '').includes(text));
      if (some.length === 1) return some[0].login;
      throw new Error(t(some.length ? 'assign.reviewer.ambiguous' : 'assign.reviewer.notFound', { q: text }));
    },
  };
}

/* Opens the dialog that assigns a reviewer to a unit of cycle {id, title}. opts: { unit:
 * {code, name} to fix the unit (重新分配, or 添加评审人 of a unit row), else the unit is chosen
 * here; exclude: logins not offered; title; intro; id }. Resolves to the dialog handle (see
 * ui.js openDialog), whose .closed resolves to the reply {"assignment"} or undefined; rejects
 * with ApiError when the reviewers cannot be loaded (no dialog is opened then). */
export async function assignDialog({ cycle, unit = null, exclude = [], title, intro, id = 'assign-dialog' }) {
  const reviewers = await listReviewers();
  const picker = unit ? null : unitPicker({});
  const unitF = picker ? field('unit', { label: t('assign.unit'), input: picker.input }) : null;
  if (picker) picker.attach(unitF.wrap);
  const reviewerF = reviewerField({ reviewers, exclude, hint: t('assign.reviewer.hint') });
  const alert = alertBox();
  const errors = formErrors([unitF, reviewerF].filter(Boolean), alert);
  return openDialog({
    title: title || t('assign.add.title'), id, size: 'md',
    submitText: t('assign.add.submit'),
    initialFocus: unit ? reviewerF.input : picker.input,
    body: [
      intro ? h('p', { class: 'dlg-intro' }, intro) : null,
      unit ? h('dl', { class: 'facts' }, h('dt', null, t('assign.unit')),
        h('dd', { id: id + '-unit' }, personLabel(unit.code, unit.name))) : unitF.wrap,
      reviewerF.wrap,
      alert],
    onSubmit: async () => {
      let code = unit ? unit.code : '';
      if (picker) {
        try { code = await picker.resolve(); } catch (e) {
          if (e && e.code) { errors.show(e); return false; }
          errors.field('unit', e.message);
          return false;
        }
        if (!code) { errors.field('unit', t('assign.add.unitRequired')); return false; }
      }
      let login;
      try { login = reviewerF.resolve(); } catch (e) { errors.field('reviewer', e.message); return false; }
      if (!login) { errors.field('reviewer', t('assign.add.reviewerRequired')); return false; }
      errors.clear();
      try {
        return await api.post(`/api/v1/cycles/${cycle.id}/assignments`, { unit: code, reviewer: login });
      } catch (err) {
        errors.show(err);
        return false;
      }
    },
  });
}
