// web/js/views/audit.js — 审计日志 (#/audit, admin).
// Owns: the audit table (GET /api/v1/audit, newest first: 时间 as local yyyy-mm-dd HH:MM:ss,
// 操作人, 操作 translated from its code (audit.action.<code>, falling back to the code),
// 对象, 详情 as compact "key：value" pairs, 来源地址), the filters 操作, 操作人 and 对象 (exact
// matches, as the API does them: "user:12", "cycle:2", "unit:YL-SFJ"; clicking an entry's
// 对象 filters by it) and the time range 从 / 到 (days in Beijing time, sent as since = 00:00:00
// of the first day and until = 23:59:59 of the last, Unix seconds), 清除筛选, 加载更多
// (before = next_before), and 校验审计链 (GET /api/v1/audit/verify: 完整 with the entry count
// and head hash, or where it breaks).

import { h, icon, replace } from '../dom.js';
import { t, has, errorMessage, errorText, formatDateTime, formatMinute, formatSize } from '../i18n.js';
import { api } from '../api.js';
import { button, setBusy, notice, messageRow } from '../ui.js';
import { chinaStartOfDay, chinaEndOfDay } from '../dates.js';
import { pageHead } from './page.js';

const PAGE_SIZE = 50;
const COLS = 6;

/* The action codes the daemon writes today, in the order of the filter list. */
const ACTIONS = [
  'session.login', 'session.login_failed', 'session.logout', 'session.end',
  'user.create', 'user.update', 'user.disable', 'user.password_reset', 'user.password_change',
  'unit.create', 'unit.update', 'unit.import',
  'cycle.create', 'cycle.update', 'cycle.phase', 'cycle.late_upload',
  'report.upload', 'report.import',
  'demo.seed',
];

export function actionText(code) {
  const key = 'audit.action.' + code;
  return has(key) ? t(key) : code;
}

/* "user:27" → "账号 #27" (with the login from detail when there is one); "unit:YL-SFJ" →
 * "单位 YL-SFJ". */
function objectText(obj, detail) {
  if (!obj) return '—';
  const m = obj.match(/^([a-z_]+):(.+)$/);
  if (!m) return obj;
  const key = 'audit.object.' + m[1];
  const kind = has(key) ? t(key) : m[1];
  const login = m[1] === 'user' && detail && typeof detail.login === 'string' ? ' ' + detail.login : '';
  return /^\d+$/.test(m[2]) ? `${kind} #${m[2]}${login}` : `${kind} ${m[2]}`;
}

function valueText(k, v) {
  if (v === null || v === undefined || v === '') return t('audit.value.none');
  if (typeof v === 'boolean') {
    if (k === 'disabled') return t(v ? 'users.status.disabled' : 'users.status.active');
    if (k === 'active') return t(v ? 'units.status.active' : 'units.status.inactive');
    return t(v ? 'audit.value.yes' : 'audit.value.no');
  }
  if (k === 'role' && typeof v === 'string' && has('role.' + v)) return t('role.' + v);
  if (/^(until|submission_deadline|review_deadline)$/.test(k) && typeof v === 'number') return formatMinute(v);
  if (k === 'phase' && typeof v === 'string' && has('phase.' + v)) return t('phase.' + v);
  if (k === 'size' && typeof v === 'number') return formatSize(v);
  if (k === 'sha256' && typeof v === 'string' && v.length > 16) return v.slice(0, 12) + '…';
  if (typeof v === 'object' && typeof v.name === 'string' && typeof v.code === 'string') return `${v.name}（${v.code}）`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const keyText = (k) => (has('audit.detail.' + k) ? t('audit.detail.' + k) : k);
const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const isObj = (v) => v && typeof v === 'object' && !Array.isArray(v);

/* {before, after} as what changed: "键：旧 → 新" (or, for a creation, the new values). The
 * code of a kind is left out when its name is there. */
function changeNodes(before, after) {
  const b = isObj(before) ? before : {};
  const a = isObj(after) ? after : {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])]
    .filter((k) => !(k === 'kind' && ('kind_name' in a || 'kind_name' in b)));
  const chips = [];
  for (const k of keys) {
    if (!isObj(before)) {
      if (a[k] === null || a[k] === undefined || a[k] === '') continue;
      chips.push(h('span', { class: 'kv' }, h('span', { class: 'kv-k' }, keyText(k)), h('span', { class: 'kv-v' }, valueText(k, a[k]))));
    } else if (!same(b[k], a[k])) {
      chips.push(h('span', { class: 'kv kv-change' }, h('span', { class: 'kv-k' }, keyText(k)),
        h('span', { class: 'kv-old' }, valueText(k, b[k])), h('span', { class: 'kv-arrow', 'aria-label': t('audit.changedTo') }, '→'),
        h('span', { class: 'kv-v' }, valueText(k, a[k]))));
    }
  }
  return chips.length ? chips : [h('span', { class: 'text-subtle' }, t('audit.noChange'))];
}

/* The detail object as a few "键：值" chips. */
function detailNodes(detail) {
  if (!detail || typeof detail !== 'object') return h('span', { class: 'text-subtle' }, '—');
  const entries = Object.entries(detail);
  if (!entries.length) return h('span', { class: 'text-subtle' }, '—');
  const changed = 'before' in detail && 'after' in detail;
  return h('span', { class: 'kv-list' },
    changed ? changeNodes(detail.before, detail.after) : null,
    entries.filter(([k]) => !changed || (k !== 'before' && k !== 'after')).map(([k, v]) =>
      h('span', { class: 'kv', title: k === 'sha256' && typeof v === 'string' ? v : null },
        h('span', { class: 'kv-k' }, keyText(k)), h('span', { class: 'kv-v' }, valueText(k, v)))));
}

export function auditView() {
  const filters = { action: '', actor: '', object: '', from: '', to: '' };
  let nextBefore = null;
  let seq = 0;

  const actionSel = h('select', { id: 'audit-action', class: 'control' },
    h('option', { value: '' }, t('audit.filter.allActions')),
    ACTIONS.map((a) => h('option', { value: a }, actionText(a))));
  const actorInput = h('input', {
    id: 'audit-actor', class: 'control', type: 'search', maxlength: '64', autocomplete: 'off',
    spellcheck: 'false', placeholder: t('audit.filter.actorPlaceholder'),
  });
  const objectInput = h('input', {
    id: 'audit-object', class: 'control', type: 'search', maxlength: '100', autocomplete: 'off',
    spellcheck: 'false', placeholder: t('audit.filter.objectPlaceholder'), 'aria-describedby': 'audit-object-hint',
    title: t('audit.filter.objectHint'),
  });
  const fromInput = h('input', { id: 'audit-from', class: 'control control-date', type: 'date', min: '2000-01-01', max: '2099-12-31' });
  const toInput = h('input', { id: 'audit-to', class: 'control control-date', type: 'date', min: '2000-01-01', max: '2099-12-31' });
  const filterError = h('p', { class: 'filter-error', id: 'audit-filter-error', role: 'alert', hidden: true });
  const clearBtn = button(t('audit.filter.clear'), { kind: 'link', id: 'audit-clear', hidden: true, onclick: () => clearFilters() });
  const anyFilter = () => !!(filters.action || filters.actor || filters.object || filters.from || filters.to);

  function showFilterError(text, input) {
    for (const i of [fromInput, toInput]) {
      i.removeAttribute('aria-invalid');
      i.removeAttribute('aria-describedby');
    }
    if (!text) {
      filterError.hidden = true;
      filterError.replaceChildren();
      return;
    }
    replace(filterError, icon('alert'), h('span', null, text));
    filterError.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', filterError.id);
    input.focus();
  }

  const apply = () => {
    const from = fromInput.value;
    const to = toInput.value;
    if (fromInput.validity && fromInput.validity.badInput) { showFilterError(t('audit.filter.dateInvalid'), fromInput); return; }
    if (toInput.validity && toInput.validity.badInput) { showFilterError(t('audit.filter.dateInvalid'), toInput); return; }
    if (from && to && from > to) { showFilterError(t('audit.filter.rangeInvalid'), toInput); return; }
    showFilterError(null);
    filters.action = actionSel.value;
    filters.actor = actorInput.value.trim();
    filters.object = objectInput.value.trim();
    filters.from = from;
    filters.to = to;
    clearBtn.hidden = !anyFilter();
    load(false);
  };
  function clearFilters() {
    actionSel.value = '';
    actorInput.value = '';
    objectInput.value = '';
    fromInput.value = '';
    toInput.value = '';
    apply();
    actionSel.focus();
  }
  /* Filters by one object (its cell in a row was clicked). */
  function byObject(obj) {
    objectInput.value = obj;
    apply();
  }
  actionSel.addEventListener('change', apply);
  fromInput.addEventListener('change', apply);
  toInput.addEventListener('change', apply);
  const filterForm = h('form', {
    class: 'filter-bar', role: 'search', 'aria-label': t('audit.filter.label'),
    onsubmit: (ev) => { ev.preventDefault(); apply(); },
  },
  h('div', { class: 'filter-field' },
    h('label', { class: 'filter-label', for: 'audit-action' }, t('audit.col.action')), actionSel),
  h('div', { class: 'filter-field' },
    h('label', { class: 'filter-label', for: 'audit-actor' }, t('audit.col.actor')),
    h('div', { class: 'search-box' }, icon('search'), actorInput)),
  h('div', { class: 'filter-field' },
    h('label', { class: 'filter-label', for: 'audit-object' }, t('audit.col.object')),
    h('div', { class: 'search-box' }, icon('search'), objectInput),
    h('span', { class: 'visually-hidden', id: 'audit-object-hint' }, t('audit.filter.objectHint'))),
  h('div', { class: 'filter-field', role: 'group', 'aria-labelledby': 'audit-range-label' },
    h('span', { class: 'filter-label', id: 'audit-range-label' }, t('audit.filter.range')),
    h('div', { class: 'filter-range' },
      h('label', { class: 'range-label', for: 'audit-from' }, t('audit.filter.from')), fromInput,
      h('label', { class: 'range-label', for: 'audit-to' }, t('audit.filter.to')), toInput)),
  h('div', { class: 'filter-buttons' },
    button(t('common.search'), { type: 'submit', kind: 'primary', icon: 'search', id: 'audit-apply' }),
    clearBtn));

  const verifyBtn = button(t('audit.verify'), { icon: 'shield', id: 'audit-verify', onclick: () => verify() });
  const verifyBox = h('div', { class: 'page-status', id: 'audit-verify-result', role: 'status' });

  const tbody = h('tbody');
  const moreBtn = button(t('audit.more'), { id: 'audit-more', onclick: () => load(true) });
  const foot = h('div', { class: 'table-foot' }, moreBtn);

  function row(e) {
    return h('tr', { 'data-id': String(e.id), 'data-audit-action': e.action },
      h('td', { class: 'cell-time' }, formatDateTime(e.at)),
      h('td', null, e.actor ? h('code', null, e.actor) : h('span', { class: 'text-subtle' }, '—')),
      h('td', { class: 'cell-action-name', title: e.action },
        h('span', { class: 'action-tag action-' + (e.action || '').split('.')[0] + (/failed|disable/.test(e.action) ? ' action-warn' : '') },
          actionText(e.action))),
      h('td', { class: 'cell-object' }, e.object
        ? h('button', {
          type: 'button', class: 'link-btn object-link', 'data-object': e.object,
          title: t('audit.filter.byObject', { object: e.object }), onclick: () => byObject(e.object),
        }, objectText(e.object, e.detail))
        : h('span', { class: 'text-subtle' }, '—')),
      h('td', { class: 'cell-detail' }, detailNodes(e.detail)),
      h('td', null, e.client_addr ? h('code', null, e.client_addr) : h('span', { class: 'text-subtle' }, '—')));
  }

  async function load(more) {
    const mine = ++seq;
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (more && nextBefore != null) params.set('before', String(nextBefore));
    if (filters.action) params.set('action', filters.action);
    if (filters.actor) params.set('actor', filters.actor);
    if (filters.object) params.set('object', filters.object);
    if (filters.from) params.set('since', String(chinaStartOfDay(filters.from)));
    if (filters.to) params.set('until', String(chinaEndOfDay(filters.to)));
    if (more) setBusy(moreBtn, true);
    else {
      tbody.replaceChildren(messageRow(COLS, t('app.loading')));
      foot.hidden = true;
    }
    let reply;
    try {
      reply = await api.get('/api/v1/audit?' + params);
    } catch (err) {
      if (mine !== seq) return;
      setBusy(moreBtn, false);
      const msg = messageRow(COLS, h('span', { class: 'text-danger' }, errorText(err)));
      if (more) tbody.append(msg);
      else tbody.replaceChildren(msg);
      return;
    }
    if (mine !== seq) return;
    setBusy(moreBtn, false);
    const entries = reply && Array.isArray(reply.entries) ? reply.entries : [];
    nextBefore = reply && Number.isInteger(reply.next_before) ? reply.next_before : null;
    if (!more) {
      tbody.replaceChildren(...(entries.length ? entries.map(row)
        : [messageRow(COLS, h('div', { class: 'empty empty-sm' }, icon('empty', 'empty-icon'),
          h('p', { class: 'empty-title' }, t(anyFilter() ? 'audit.noMatch' : 'page.empty')),
          anyFilter() ? h('p', { class: 'empty-hint' }, t('audit.noMatchHint')) : null))]));
    } else {
      tbody.append(...entries.map(row));
    }
    foot.hidden = nextBefore == null;
  }

  async function verify() {
    setBusy(verifyBtn, true);
    verifyBox.replaceChildren();
    let r;
    try {
      r = await api.get('/api/v1/audit/verify');
    } catch (err) {
      setBusy(verifyBtn, false);
      verifyBox.replaceChildren(notice('error', errorMessage(err)));
      return;
    }
    setBusy(verifyBtn, false);
    if (r && r.ok) {
      verifyBox.replaceChildren(notice('ok', [
        h('p', { class: 'notice-strong' }, t('audit.verifyOk', { entries: r.entries })),
        h('p', { class: 'hash-line' }, t('audit.head'), h('code', { class: 'hash' }, r.head || '—')),
        h('p', { class: 'notice-sub' }, t('audit.verifiedAt', { time: formatDateTime(Date.now() / 1000 | 0) })),
      ], { id: 'audit-verify-ok' }));
    } else {
      verifyBox.replaceChildren(notice('error', [
        h('p', { class: 'notice-strong' }, t('audit.verifyBroken', { id: r && r.broken_at != null ? r.broken_at : '?' })),
        h('p', null, t('audit.verifyBrokenHint', { entries: r ? r.entries : 0 })),
      ], { id: 'audit-verify-broken' }));
    }
  }

  load(false);

  return {
    title: t('nav.audit'),
    node: h('div', { class: 'page page-audit', 'data-page': 'audit' },
      h('div', { class: 'page-top' }, pageHead(t('nav.audit'), t('page.audit.desc')), verifyBtn),
      filterForm,
      filterError,
      verifyBox,
      h('section', { class: 'panel', 'aria-label': t('audit.tableLabel') },
        h('div', { class: 'table-wrap' },
          h('table', { class: 'table table-audit', id: 'audit-table' },
            h('thead', null, h('tr', null,
              h('th', { scope: 'col', class: 'col-time' }, t('audit.col.time')),
              h('th', { scope: 'col' }, t('audit.col.actor')),
              h('th', { scope: 'col' }, t('audit.col.action')),
              h('th', { scope: 'col' }, t('audit.col.object')),
              h('th', { scope: 'col' }, t('audit.col.detail')),
              h('th', { scope: 'col' }, t('audit.col.addr')))),
            tbody)),
        foot)),
  };
}
