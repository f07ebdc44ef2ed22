// web/js/views/assignconflicts.js — 回避关系 on the 评审分配 page (admin): the declared conflicts
// of interest between reviewers and units (they hold across cycles).
// Owns: the list from GET /api/v1/conflicts (评审人, 单位, 理由, 登记时间; filtered by a search
// over names and codes and paged in the browser), and 登记回避关系, a dialog recording one for
// a reviewer (POST /api/v1/conflicts {reviewer, unit, reason}: the reviewer picked by typing,
// the unit with unitpicker.js, a reason of 1–500 characters; a conflict already declared is
// the server's 409, shown in the dialog). The server also recuses the reviewer's unsubmitted
// sheets for that unit in open cycles, so the page is told to reload after a new one.

import { h, icon, replace } from '../dom.js';
import { t, errorMessage, formatDateTime } from '../i18n.js';
import { api } from '../api.js';
import { field, alertBox, formErrors, button, openDialog, messageRow } from '../ui.js';
import { unitPicker } from '../unitpicker.js';
import { listReviewers, reviewerField } from './reviewerpick.js';
import { localPager, personLabel } from './assignshared.js';

const PAGE = 10;
const MAX_REASON = 500;

/* A textarea field for a reason (required, at most MAX_REASON characters). */
export function reasonField(label, hint) {
  return field('reason', {
    label, hint: hint || t('assign.reason.hint', { max: MAX_REASON }),
    input: h('textarea', { rows: '3', maxlength: String(MAX_REASON), class: 'control-area' }),
  });
}

/* Checks a reason field: the trimmed text, or null after showing the problem. */
export function reasonValue(f, errors) {
  const v = f.input.value.trim();
  if (!v) { errors.field('reason', t('assign.reason.required')); return null; }
  if ([...v].length > MAX_REASON) { errors.field('reason', t('assign.reason.tooLong', { max: MAX_REASON })); return null; }
  return v;
}

/* The conflicts part. opts: { say(kind, text), onDeclared() }. Returns { el, load() }. */
export function conflictsPart({ say, onDeclared }) {
  let list = [];
  const tbody = h('tbody');
  const search = h('input', {
    type: 'search', id: 'conflicts-search', class: 'control', maxlength: '100', autocomplete: 'off',
    placeholder: t('conflicts.searchPlaceholder'),
  });
  const pager = localPager({ id: 'conflicts-pager', size: PAGE, onPage: () => render() });
  search.addEventListener('input', () => { pager.reset(); render(); });
  const addBtn = button(t('conflicts.add'), { icon: 'shield', id: 'conflicts-add', onclick: () => declareDialog() });

  function matches(c) {
    const q = search.value.trim().toLowerCase();
    if (!q) return true;
    return [c.reviewer, c.reviewer_name, c.unit, c.unit_name, c.reason].some((s) => (s || '').toLowerCase().includes(q));
  }

  function render() {
    const shown = list.filter(matches);
    replace(tbody, ...(shown.length ? pager.slice(shown).map((c) => h('tr', { 'data-reviewer': c.reviewer, 'data-unit': c.unit },
      h('td', null, personLabel(c.reviewer, c.reviewer_name)),
      h('td', null, h('span', { class: 'cell-unit' }, h('span', { class: 'cell-name' }, c.unit_name || c.unit), h('code', { class: 'unit-code' }, c.unit))),
      h('td', { class: 'cell-reason' }, c.reason || h('span', { class: 'text-subtle' }, '—')),
      h('td', { class: 'cell-time' }, formatDateTime(c.created_at))))
      : [messageRow(4, t(list.length ? 'conflicts.noMatch' : 'conflicts.none'))]));
    if (!shown.length) pager.slice([]);
  }

  async function load() {
    let reply;
    try {
      reply = await api.get('/api/v1/conflicts');
    } catch (err) {
      const retry = button(t('common.retry'), { kind: 'link', onclick: () => load() });
      replace(tbody, messageRow(4, h('span', { class: 'text-danger' }, t('conflicts.failed', { reason: errorMessage(err) })), ' ', retry));
      pager.slice([]);
      return;
    }
    list = reply && Array.isArray(reply.conflicts) ? reply.conflicts : [];
    render();
  }

  async function declareDialog() {
    let reviewers;
    try {
      reviewers = await listReviewers();
    } catch (err) {
      say('error', errorMessage(err));
      return;
    }
    const reviewerF = reviewerField({ reviewers });
    const picker = unitPicker({});
    const unitF = field('unit', { label: t('assign.unit'), input: picker.input });
    picker.attach(unitF.wrap);
    const reason = reasonField(t('conflicts.reason'), t('conflicts.reasonHint'));
    const alert = alertBox();
    const errors = formErrors([reviewerF, unitF, reason], alert);
    const dlg = openDialog({
      title: t('conflicts.addTitle'), id: 'conflict-dialog', size: 'md', submitText: t('conflicts.addSubmit'),
      body: [h('p', { class: 'dlg-intro' }, t('conflicts.addIntro')), reviewerF.wrap, unitF.wrap, reason.wrap, alert],
      onSubmit: async () => {
        let login;
        try { login = reviewerF.resolve(); } catch (e) { errors.field('reviewer', e.message); return false; }
        if (!login) { errors.field('reviewer', t('assign.add.reviewerRequired')); return false; }
        let code;
        try { code = await picker.resolve(); } catch (e) {
          if (e && e.code) { errors.show(e); return false; }
          errors.field('unit', e.message);
          return false;
        }
        if (!code) { errors.field('unit', t('assign.add.unitRequired')); return false; }
        const why = reasonValue(reason, errors);
        if (why == null) return false;
        errors.clear();
        let reply;
        try {
          reply = await api.post('/api/v1/conflicts', { reviewer: login, unit: code, reason: why });
        } catch (err) {
          errors.show(err);
          return false;
        }
        return { reviewer: login, unit: code, recused: reply && Array.isArray(reply.recused) ? reply.recused.length : 0 };
      },
    });
    const done = await dlg.closed;
    if (!done) return;
    say('ok', t(done.recused ? 'conflicts.addedRecused' : 'conflicts.added', { reviewer: done.reviewer, unit: done.unit, count: done.recused }));
    load();
    onDeclared();
  }

  const el = h('section', { class: 'panel', id: 'assign-conflicts', 'aria-labelledby': 'conflicts-title' },
    h('div', { class: 'panel-bar' },
      h('h2', { class: 'section-title', id: 'conflicts-title' }, t('conflicts.title')),
      h('div', { class: 'panel-bar-actions' },
        h('div', { class: 'search-box search-box-sm' },
          h('label', { class: 'visually-hidden', for: 'conflicts-search' }, t('conflicts.search')),
          icon('search'), search),
        addBtn)),
    h('p', { class: 'panel-desc' }, t('conflicts.desc')),
    h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', id: 'conflicts-table' },
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, t('assign.col.reviewer')),
        h('th', { scope: 'col' }, t('assign.col.unit')),
        h('th', { scope: 'col' }, t('conflicts.col.reason')),
        h('th', { scope: 'col' }, t('conflicts.col.at')))),
      tbody)),
    pager.el);
  tbody.append(messageRow(4, t('app.loading')));

  return { el, load };
}
