// web/js/views/users.js — 用户管理 (#/users, admin): the accounts of the office, the
// reviewers and the assessed units.
// Owns: the account table (GET /api/v1/users: 登录名, 姓名, 角色, 所属单位, 状态 启用/停用/
// 待改密, actions) with search (debounced), role filter and paging; the 新建账号 dialog
// (POST /api/v1/users; a generated password is shown once); the 编辑 dialog (PATCH: name,
// role, unit, 启用/停用; only what changed is sent); 重置密码 after a confirmation (POST
// …/password-reset; shown once); and 生成单位初始账号 for a chosen cycle (POST
// /api/v1/cycles/{id}/unit-accounts?format=xlsx after a confirmation: the reply is the sheet
// to hand out, saved through an object URL; its rows are counted to say how many accounts
// were made, and an empty sheet is not saved: "所有单位均已有账号").
// Server errors appear next to the field they name (error.field), else in the dialog.

import { h, icon } from '../dom.js';
import { t, errorMessage, formatDateTime } from '../i18n.js';
import { api, download } from '../api.js';
import { saveBlob } from '../filepick.js';
import {
  field, alertBox, formErrors, button, setBusy, openDialog, confirmDialog, secretDialog, badge,
  notice, messageRow, uid,
} from '../ui.js';
import { sheetRowCount } from '../xlsx.js';
import { pageHead } from './page.js';

const PAGE_SIZE = 20;
const ROLES = ['admin', 'reviewer', 'unit'];
const COLS = 6;

function statusBadge(u) {
  if (u.disabled) return badge(t('users.status.disabled'), 'off');
  if (u.must_change_password) return badge(t('users.status.mustChange'), 'warn');
  return badge(t('users.status.active'), 'ok');
}

function roleSelect(value, { withAll = false, withPrompt = false } = {}) {
  return h('select', null,
    withAll ? h('option', { value: '' }, t('users.filter.allRoles')) : null,
    withPrompt ? h('option', { value: '', disabled: true, selected: !value }, t('users.form.rolePrompt')) : null,
    ROLES.map((r) => h('option', { value: r, selected: r === value }, t('role.' + r))));
}

/* The unit field of the create and edit dialogs: shown for unit (required) and reviewer
 * (optional: the unit the reviewer works in, for recusal); hidden for admin. */
function unitField(initial) {
  const f = field('unit', {
    label: t('users.form.unit'),
    input: h('input', { type: 'text', maxlength: '64', autocomplete: 'off', spellcheck: 'false', value: initial || '' }),
    hint: t('users.form.unitHint.unit'),
  });
  const label = f.wrap.querySelector('label');
  const hint = f.wrap.querySelector('.field-hint');
  return {
    ...f,
    update(role) {
      f.wrap.hidden = !(role === 'unit' || role === 'reviewer');
      label.replaceChildren(t('users.form.unit'));
      if (role === 'reviewer') label.append(h('span', { class: 'field-optional' }, t('form.optional')));
      hint.textContent = t(role === 'reviewer' ? 'users.form.unitHint.reviewer' : 'users.form.unitHint.unit');
    },
  };
}

export function usersView({ user: me, refreshCycles }) {
  const q = { text: '', role: '', offset: 0 };
  let seq = 0;
  let total = 0;

  // ─── toolbar ───
  const search = h('input', {
    type: 'search', id: 'users-search', class: 'control', maxlength: '64', autocomplete: 'off',
    placeholder: t('users.filter.searchPlaceholder'),
  });
  const roleFilter = roleSelect('', { withAll: true });
  roleFilter.id = 'users-role';
  roleFilter.classList.add('control');
  let debounce = null;
  search.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => { q.text = search.value.trim(); q.offset = 0; load(); }, 300);
  });
  roleFilter.addEventListener('change', () => { q.role = roleFilter.value; q.offset = 0; load(); });
  const filterForm = h('form', {
    class: 'toolbar-filters', role: 'search', 'aria-label': t('users.filter.label'),
    onsubmit: (ev) => { ev.preventDefault(); clearTimeout(debounce); q.text = search.value.trim(); q.offset = 0; load(); },
  },
  h('div', { class: 'search-box' },
    h('label', { class: 'visually-hidden', for: 'users-search' }, t('users.filter.search')),
    icon('search'), search),
  h('label', { class: 'toolbar-label', for: 'users-role' }, t('users.col.role')),
  roleFilter);

  const createBtn = button(t('users.create'), { kind: 'primary', icon: 'plus', id: 'users-create', onclick: () => createDialog() });
  const unitBtn = button(t('users.unitAccounts'), { icon: 'download', id: 'users-unit-accounts', onclick: () => unitAccountsDialog() });

  const status = h('div', { class: 'page-status', id: 'users-status', role: 'status' });
  const say = (kind, text) => status.replaceChildren(notice(kind, text));

  // ─── table ───
  const tbody = h('tbody');
  const countText = h('span', { class: 'pager-count', id: 'users-count' });
  const pageText = h('span', { class: 'pager-page' });
  const prev = button(t('pager.prev'), { id: 'users-prev', onclick: () => { q.offset = Math.max(0, q.offset - PAGE_SIZE); load(); } });
  const next = button(t('pager.next'), { id: 'users-next', onclick: () => { q.offset += PAGE_SIZE; load(); } });

  function row(u) {
    const edit = button(t('users.edit'), { kind: 'link', 'aria-label': t('users.editOf', { login: u.login }), 'data-action': 'edit' });
    edit.addEventListener('click', () => editDialog(u));
    let reset = null;
    if (u.id !== me.id) {
      reset = button(t('users.resetPassword'), { kind: 'link', 'aria-label': t('users.resetPasswordOf', { login: u.login }), 'data-action': 'reset' });
      reset.addEventListener('click', () => resetPassword(u));
    }
    return h('tr', { 'data-login': u.login, 'data-id': String(u.id), class: u.disabled ? 'is-disabled' : null },
      h('td', null, h('code', { class: 'cell-login' }, u.login),
        u.id === me.id ? h('span', { class: 'tag-self' }, t('users.self')) : null),
      h('td', null, u.display_name || '—'),
      h('td', null, t('role.' + u.role)),
      h('td', null, u.unit
        ? h('span', { class: 'cell-unit' }, h('span', null, u.unit.name), h('code', { class: 'unit-code' }, u.unit.code))
        : h('span', { class: 'text-subtle' }, '—')),
      h('td', { title: t('users.createdAt', { time: formatDateTime(u.created_at) }) }, statusBadge(u)),
      h('td', { class: 'cell-actions' }, edit, reset));
  }

  async function load() {
    const mine = ++seq;
    const params = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(q.offset) });
    if (q.text) params.set('q', q.text);
    if (q.role) params.set('role', q.role);
    tbody.setAttribute('aria-busy', 'true');
    if (!tbody.firstChild) tbody.append(messageRow(COLS, t('app.loading')));
    let reply;
    try {
      reply = await api.get('/api/v1/users?' + params);
    } catch (err) {
      if (mine !== seq) return;
      tbody.removeAttribute('aria-busy');
      const retry = button(t('common.retry'), { kind: 'link', onclick: () => load() });
      tbody.replaceChildren(messageRow(COLS, h('span', { class: 'text-danger' }, errorMessage(err)), ' ', retry));
      return;
    }
    if (mine !== seq) return;
    tbody.removeAttribute('aria-busy');
    const users = reply && Array.isArray(reply.users) ? reply.users : [];
    total = reply && Number.isInteger(reply.total) ? reply.total : users.length;
    if (!users.length && q.offset > 0 && total > 0) { // the page emptied (e.g. after a filter)
      q.offset = Math.max(0, (Math.ceil(total / PAGE_SIZE) - 1) * PAGE_SIZE);
      load();
      return;
    }
    tbody.replaceChildren(...(users.length ? users.map(row)
      : [messageRow(COLS, h('div', { class: 'empty empty-sm' }, icon('empty', 'empty-icon'),
        h('p', { class: 'empty-title' }, t(q.text || q.role ? 'users.noMatch' : 'page.empty'))))]));
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const pageNo = Math.floor(q.offset / PAGE_SIZE) + 1;
    countText.textContent = t('users.total', { total });
    pageText.textContent = t('pager.page', { page: pageNo, pages });
    prev.disabled = q.offset === 0;
    next.disabled = q.offset + PAGE_SIZE >= total;
  }

  // ─── 新建账号 ───
  function createDialog() {
    const login = field('login', {
      label: t('users.col.login'), hint: t('users.form.loginHint'),
      input: h('input', { type: 'text', maxlength: '64', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', required: true }),
    });
    const name = field('display_name', {
      label: t('users.col.name'), optional: true, hint: t('users.form.nameHint'),
      input: h('input', { type: 'text', maxlength: '100', autocomplete: 'off' }),
    });
    const role = field('role', { label: t('users.col.role'), input: roleSelect('', { withPrompt: true }) });
    const unit = unitField('');
    const password = field('password', {
      label: t('users.form.password'), optional: true, hint: t('users.form.passwordHint'),
      input: h('input', { type: 'password', maxlength: '1024', autocomplete: 'new-password' }),
    });
    unit.update('');
    unit.wrap.hidden = true;
    role.input.addEventListener('change', () => unit.update(role.input.value));
    const alert = alertBox();
    const errors = formErrors([login, name, role, unit, password], alert);

    const dlg = openDialog({
      title: t('users.createTitle'), id: 'user-create-dialog', size: 'md',
      submitText: t('users.createSubmit'),
      body: [h('div', { class: 'form-grid' }, login.wrap, name.wrap, role.wrap, unit.wrap, password.wrap), alert],
      onSubmit: async () => {
        const body = { login: login.input.value.trim(), role: role.input.value };
        if (!body.login) { errors.field('login', t('users.form.loginRequired')); return false; }
        if (!body.role) { errors.field('role', t('users.form.roleRequired')); return false; }
        const dn = name.input.value.trim();
        if (dn) body.display_name = dn;
        const code = unit.input.value.trim();
        if (!unit.wrap.hidden && code) body.unit = code;
        if (body.role === 'unit' && !code) { errors.field('unit', t('users.form.unitRequired')); return false; }
        if (password.input.value) body.password = password.input.value;
        errors.clear();
        try {
          return await api.post('/api/v1/users', body);
        } catch (err) {
          errors.show(err);
          return false;
        }
      },
    });
    dlg.closed.then(async (reply) => {
      if (!reply || !reply.user) return;
      const u = reply.user;
      say('ok', t('users.created', { login: u.login }));
      load();
      if (reply.password) {
        await secretDialog({
          title: t('users.createdTitle'),
          intro: t('users.createdIntro', { login: u.login, role: t('role.' + u.role) }),
          login: u.login,
          password: reply.password,
        });
      }
    });
  }

  // ─── 编辑 ───
  function editDialog(u) {
    const self = u.id === me.id;
    const name = field('display_name', {
      label: t('users.col.name'),
      input: h('input', { type: 'text', maxlength: '100', autocomplete: 'off', value: u.display_name || '' }),
    });
    const role = field('role', { label: t('users.col.role'), input: roleSelect(u.role), hint: self ? t('users.form.selfHint') : null });
    const unit = unitField(u.unit ? u.unit.code : '');
    unit.update(u.role);
    role.input.disabled = self;
    role.input.addEventListener('change', () => unit.update(role.input.value));

    const radioName = uid('disabled');
    const radio = (value, label) => h('label', { class: 'radio' },
      h('input', { type: 'radio', name: radioName, value, checked: String(u.disabled) === value, disabled: self }),
      h('span', null, label));
    const stateErr = h('p', { class: 'field-error', id: radioName + '-error', hidden: true });
    const stateSet = h('fieldset', { class: 'field fieldset', 'data-field': 'disabled', 'aria-describedby': radioName + '-hint' },
      h('legend', null, t('users.col.status')),
      h('div', { class: 'radio-row' }, radio('false', t('users.status.active')), radio('true', t('users.status.disabled'))),
      stateErr,
      h('p', { class: 'field-hint', id: radioName + '-hint' }, t('users.form.disableHint')));
    const disabledField = {
      name: 'disabled', wrap: stateSet, input: stateSet.querySelector('input'),
      setError(text) { stateErr.replaceChildren(icon('alert'), h('span', null, text)); stateErr.hidden = false; },
      clear() { stateErr.replaceChildren(); stateErr.hidden = true; },
    };
    const alert = alertBox();
    const errors = formErrors([name, role, unit, disabledField], alert);

    const dlg = openDialog({
      title: t('users.editTitle', { login: u.login }), id: 'user-edit-dialog', size: 'md',
      submitText: t('common.save'),
      body: [
        h('dl', { class: 'facts' },
          h('dt', null, t('users.col.login')), h('dd', null, h('code', null, u.login)),
          h('dt', null, t('users.createdLabel')), h('dd', null, formatDateTime(u.created_at))),
        h('div', { class: 'form-grid' }, name.wrap, role.wrap, unit.wrap, stateSet), alert],
      onSubmit: async () => {
        const body = {};
        const dn = name.input.value.trim();
        if (dn !== (u.display_name || '')) body.display_name = dn;
        const r = role.input.value;
        if (r !== u.role) body.role = r;
        const code = unit.wrap.hidden ? '' : unit.input.value.trim();
        if (r === 'unit' && !code) { errors.field('unit', t('users.form.unitRequired')); return false; }
        const oldCode = u.unit ? u.unit.code : '';
        if (code !== oldCode) body.unit = code || null;
        const dis = stateSet.querySelector('input:checked').value === 'true';
        if (dis !== !!u.disabled) body.disabled = dis;
        errors.clear();
        if (!Object.keys(body).length) return { unchanged: true };
        try {
          return await api.patch('/api/v1/users/' + encodeURIComponent(u.id), body);
        } catch (err) {
          errors.show(err);
          return false;
        }
      },
    });
    dlg.closed.then((reply) => {
      if (!reply || !reply.user) return;
      const v = reply.user;
      let key = 'users.saved';
      if (v.disabled && !u.disabled) key = 'users.disabledDone';
      else if (!v.disabled && u.disabled) key = 'users.enabledDone';
      say('ok', t(key, { login: v.login }));
      load();
    });
  }

  // ─── 重置密码 ───
  async function resetPassword(u) {
    const reply = await confirmDialog({
      id: 'reset-confirm-dialog',
      title: t('users.resetTitle'),
      message: [t('users.resetConfirm', { login: u.login, name: u.display_name || u.login }), t('users.resetEffect')],
      confirmText: t('users.resetSubmit'),
      danger: true,
      action: () => api.post('/api/v1/users/' + encodeURIComponent(u.id) + '/password-reset'),
    });
    if (!reply || typeof reply.password !== 'string') return;
    say('ok', t('users.resetDone', { login: u.login }));
    load();
    await secretDialog({
      title: t('users.resetDoneTitle'),
      intro: t('users.resetDoneIntro', { login: u.login }),
      login: u.login,
      password: reply.password,
    });
  }

  // ─── 生成单位初始账号 ───
  async function unitAccountsDialog() {
    let cycles;
    setBusy(unitBtn, true);
    try {
      cycles = await refreshCycles();
    } catch (err) {
      say('error', errorMessage(err));
      return;
    } finally {
      setBusy(unitBtn, false);
    }
    if (!cycles.length) { say('warn', t('users.unit.noCycles')); return; }
    const cycle = field('cycle', {
      label: t('users.unit.cycle'),
      input: h('select', null, cycles.map((c) => h('option', { value: String(c.id) },
        t('users.unit.cycleOption', { title: c.title, units: c.units })))),
    });
    const dlg = openDialog({
      title: t('users.unit.title'), id: 'unit-accounts-dialog', size: 'md', returnFocus: unitBtn,
      submitText: t('users.unit.submit'),
      body: [
        h('p', { class: 'dlg-intro' }, t('users.unit.intro')),
        h('div', { class: 'form-grid' }, cycle.wrap),
        notice('warn', t('users.unit.warning')),
      ],
      onSubmit: async () => {
        const id = cycle.input.value;
        const file = await download('POST', '/api/v1/cycles/' + encodeURIComponent(id) + '/unit-accounts?format=xlsx',
          `unit-accounts-${id}.xlsx`);
        let rows = null;
        try { rows = Math.max(0, (await sheetRowCount(file.blob)) - 1); } catch { rows = null; }
        return { ...file, rows };
      },
    });
    const r = await dlg.closed;
    if (!r || !r.blob) return;
    if (r.rows === 0) {
      say('info', t('users.unit.none'));
      return;
    }
    saveBlob(r.blob, r.filename);
    say('ok', r.rows === null ? t('users.unit.doneUnknown', { file: r.filename })
      : t('users.unit.done', { count: r.rows, file: r.filename }));
    load();
  }

  load();

  return {
    title: t('nav.users'),
    node: h('div', { class: 'page page-users', 'data-page': 'users' },
      pageHead(t('nav.users'), t('page.users.desc')),
      h('div', { class: 'toolbar' }, filterForm, h('div', { class: 'toolbar-actions' }, unitBtn, createBtn)),
      status,
      h('section', { class: 'panel', 'aria-label': t('users.tableLabel') },
        h('div', { class: 'table-wrap' },
          h('table', { class: 'table', id: 'users-table' },
            h('thead', null, h('tr', null,
              h('th', { scope: 'col' }, t('users.col.login')),
              h('th', { scope: 'col' }, t('users.col.name')),
              h('th', { scope: 'col' }, t('users.col.role')),
              h('th', { scope: 'col' }, t('users.col.unit')),
              h('th', { scope: 'col' }, t('users.col.status')),
              h('th', { scope: 'col', class: 'col-actions' }, t('common.actions')))),
            tbody)),
        h('div', { class: 'pager' }, countText, h('div', { class: 'pager-nav' }, prev, pageText, next)))),
  };
}
