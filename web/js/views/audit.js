// web/js/views/audit.js — 审计日志 (#/audit, admin).
// Owns: the audit table (GET /api/v1/audit, newest first: 时间 as local yyyy-mm-dd HH:MM:ss,
// 操作人, 操作 translated from its code (audit.action.<code>, falling back to the code),
// 对象, 详情 as compact "key：value" pairs, 来源地址), the filters 操作 and 操作人 (exact
// matches, as the API does them), 加载更多 (before = next_before), and 校验审计链
// (GET /api/v1/audit/verify: 完整 with the entry count and head hash, or where it breaks).

import { h, icon } from '../dom.js';
import { t, has, errorMessage, formatDateTime } from '../i18n.js';
import { api } from '../api.js';
import { button, setBusy, notice, messageRow } from '../ui.js';
import { pageHead } from './page.js';

const PAGE_SIZE = 50;
const COLS = 6;

/* The action codes the daemon writes today, in the order of the filter list. */
const ACTIONS = [
  'session.login', 'session.login_failed', 'session.logout', 'session.end',
  'user.create', 'user.update', 'user.disable', 'user.password_reset', 'user.password_change',
  'demo.seed',
];

export function actionText(code) {
  const key = 'audit.action.' + code;
  return has(key) ? t(key) : code;
}

/* "user:27" → "账号 #27" (with the login from detail when there is one). */
function objectText(obj, detail) {
  if (!obj) return '—';
  const m = obj.match(/^([a-z_]+):(.+)$/);
  if (!m) return obj;
  const key = 'audit.object.' + m[1];
  const kind = has(key) ? t(key) : m[1];
  const login = m[1] === 'user' && detail && typeof detail.login === 'string' ? ' ' + detail.login : '';
  return `${kind} #${m[2]}${login}`;
}

function valueText(k, v) {
  if (v === null) return t('audit.value.none');
  if (typeof v === 'boolean') {
    if (k === 'disabled') return t(v ? 'users.status.disabled' : 'users.status.active');
    return t(v ? 'audit.value.yes' : 'audit.value.no');
  }
  if (k === 'role' && typeof v === 'string' && has('role.' + v)) return t('role.' + v);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/* The detail object as a few "键：值" chips. */
function detailNodes(detail) {
  if (!detail || typeof detail !== 'object') return h('span', { class: 'text-subtle' }, '—');
  const entries = Object.entries(detail);
  if (!entries.length) return h('span', { class: 'text-subtle' }, '—');
  return h('span', { class: 'kv-list' }, entries.map(([k, v]) => {
    const key = 'audit.detail.' + k;
    return h('span', { class: 'kv' },
      h('span', { class: 'kv-k' }, has(key) ? t(key) : k), h('span', { class: 'kv-v' }, valueText(k, v)));
  }));
}

export function auditView() {
  const filters = { action: '', actor: '' };
  let nextBefore = null;
  let seq = 0;

  const actionSel = h('select', { id: 'audit-action', class: 'control' },
    h('option', { value: '' }, t('audit.filter.allActions')),
    ACTIONS.map((a) => h('option', { value: a }, actionText(a))));
  const actorInput = h('input', {
    id: 'audit-actor', class: 'control', type: 'search', maxlength: '64', autocomplete: 'off',
    spellcheck: 'false', placeholder: t('audit.filter.actorPlaceholder'),
  });
  const apply = () => {
    filters.action = actionSel.value;
    filters.actor = actorInput.value.trim();
    load(false);
  };
  actionSel.addEventListener('change', apply);
  const filterForm = h('form', {
    class: 'toolbar-filters', role: 'search', 'aria-label': t('audit.filter.label'),
    onsubmit: (ev) => { ev.preventDefault(); apply(); },
  },
  h('label', { class: 'toolbar-label', for: 'audit-action' }, t('audit.col.action')), actionSel,
  h('label', { class: 'toolbar-label', for: 'audit-actor' }, t('audit.col.actor')),
  h('div', { class: 'search-box search-box-sm' }, icon('search'), actorInput),
  button(t('common.search'), { type: 'submit', id: 'audit-apply' }));

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
      h('td', { class: 'cell-object' }, objectText(e.object, e.detail)),
      h('td', { class: 'cell-detail' }, detailNodes(e.detail)),
      h('td', null, e.client_addr ? h('code', null, e.client_addr) : h('span', { class: 'text-subtle' }, '—')));
  }

  async function load(more) {
    const mine = ++seq;
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (more && nextBefore != null) params.set('before', String(nextBefore));
    if (filters.action) params.set('action', filters.action);
    if (filters.actor) params.set('actor', filters.actor);
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
      const msg = messageRow(COLS, h('span', { class: 'text-danger' }, errorMessage(err)));
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
          h('p', { class: 'empty-title' }, t(filters.action || filters.actor ? 'audit.noMatch' : 'page.empty'))))]));
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
      pageHead(t('nav.audit'), t('page.audit.desc')),
      h('div', { class: 'toolbar' }, filterForm, h('div', { class: 'toolbar-actions' }, verifyBtn)),
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
