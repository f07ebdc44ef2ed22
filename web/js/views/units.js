// web/js/views/units.js — 被考核单位 (#/units, admin): the directory of assessed units.
// Owns: the unit table (GET /api/v1/units: 单位代码, 单位名称, 类别, 上级单位, 状态 启用/停用,
// actions) with search over name and code (debounced), kind filter (GET /api/v1/unit-kinds),
// status filter and paging; the 新增单位 dialog (POST /api/v1/units: code, name, kind, 上级单位
// chosen by typing in unitpicker.js); the 编辑 dialog (PATCH /api/v1/units/{code}: name,
// kind, parent, 启用/停用; only what changed is sent); 停用 after a confirmation and 启用 at
// once (PATCH active). Server errors appear next to the field they name (error.field) with
// the server's detail, else in the dialog. 导入单位 beside 新增单位 opens the import dialog
// (unitimport.js); after an import the list is loaded again and the counts are said.

import { h, icon, replace } from '../dom.js';
import { t, errorMessage, errorText } from '../i18n.js';
import { api } from '../api.js';
import {
  field, alertBox, formErrors, button, openDialog, confirmDialog, badge, notice, messageRow, uid,
} from '../ui.js';
import { unitPicker, unitKinds } from '../unitpicker.js';
import { pageHead } from './page.js';
import { unitImportDialog } from './unitimport.js';

const PAGE_SIZE = 50;
const COLS = 6;

function kindSelect(kinds, value, { withAll = false, withPrompt = false } = {}) {
  return h('select', null,
    withAll ? h('option', { value: '' }, t('units.filter.allKinds')) : null,
    withPrompt ? h('option', { value: '', disabled: true, selected: !value }, t('units.form.kindPrompt')) : null,
    kinds.map((k) => h('option', { value: k.code, selected: k.code === value }, k.name)));
}

/* The 上级单位 field: a unitPicker inside field(). */
function parentField(initial, exclude) {
  const picker = unitPicker({ initial, exclude });
  const f = field('parent', { label: t('units.col.parent'), optional: true, input: picker.input, hint: t('units.form.parentHint') });
  picker.attach(f.wrap);
  return { ...f, picker };
}

/* The 启用/停用 radios of the edit dialog, shaped like a field() for formErrors(). */
function activeField(active) {
  const name = uid('active');
  const radio = (value, text) => h('label', { class: 'radio' },
    h('input', { type: 'radio', name, value, checked: String(active) === value }), h('span', null, text));
  const err = h('p', { class: 'field-error', id: name + '-error', hidden: true });
  const wrap = h('fieldset', { class: 'field fieldset', 'data-field': 'active', 'aria-describedby': name + '-hint' },
    h('legend', null, t('units.col.status')),
    h('div', { class: 'radio-row' }, radio('true', t('units.status.active')), radio('false', t('units.status.inactive'))),
    err,
    h('p', { class: 'field-hint', id: name + '-hint' }, t('units.form.activeHint')));
  return {
    name: 'active', wrap, input: wrap.querySelector('input'),
    value: () => wrap.querySelector('input:checked').value === 'true',
    setError(text) { replace(err, icon('alert'), h('span', null, text)); err.hidden = false; },
    clear() { err.replaceChildren(); err.hidden = true; },
  };
}

export function unitsView() {
  const q = { text: '', kind: '', active: '', offset: 0 };
  let seq = 0;
  let total = 0;
  let kinds = [];

  // ─── toolbar ───
  const search = h('input', {
    type: 'search', id: 'units-search', class: 'control', maxlength: '100', autocomplete: 'off',
    placeholder: t('units.filter.searchPlaceholder'),
  });
  const kindFilter = h('select', { id: 'units-kind', class: 'control' }, h('option', { value: '' }, t('units.filter.allKinds')));
  const activeFilter = h('select', { id: 'units-active', class: 'control' },
    h('option', { value: '' }, t('units.filter.allStatus')),
    h('option', { value: '1' }, t('units.status.active')),
    h('option', { value: '0' }, t('units.status.inactive')));
  let debounce = null;
  const apply = () => {
    clearTimeout(debounce);
    q.text = search.value.trim();
    q.kind = kindFilter.value;
    q.active = activeFilter.value;
    q.offset = 0;
    load();
  };
  search.addEventListener('input', () => { clearTimeout(debounce); debounce = setTimeout(apply, 300); });
  kindFilter.addEventListener('change', apply);
  activeFilter.addEventListener('change', apply);
  const filterForm = h('form', {
    class: 'toolbar-filters', role: 'search', 'aria-label': t('units.filter.label'),
    onsubmit: (ev) => { ev.preventDefault(); apply(); },
  },
  h('div', { class: 'search-box' },
    h('label', { class: 'visually-hidden', for: 'units-search' }, t('units.filter.search')),
    icon('search'), search),
  h('label', { class: 'toolbar-label', for: 'units-kind' }, t('units.col.kind')), kindFilter,
  h('label', { class: 'toolbar-label', for: 'units-active' }, t('units.col.status')), activeFilter);

  const createBtn = button(t('units.create'), { kind: 'primary', icon: 'plus', id: 'units-create', onclick: () => createDialog() });
  const importBtn = button(t('units.import'), { icon: 'upload', id: 'units-import', onclick: () => importDialog() });

  const status = h('div', { class: 'page-status', id: 'units-status', role: 'status' });
  const say = (kind, text) => replace(status, notice(kind, text));

  // ─── table ───
  const tbody = h('tbody');
  const countText = h('span', { class: 'pager-count', id: 'units-count' });
  const pageText = h('span', { class: 'pager-page' });
  const prev = button(t('pager.prev'), { id: 'units-prev', onclick: () => { q.offset = Math.max(0, q.offset - PAGE_SIZE); load(); } });
  const next = button(t('pager.next'), { id: 'units-next', onclick: () => { q.offset += PAGE_SIZE; load(); } });

  function row(u) {
    const edit = button(t('units.edit'), { kind: 'link', 'aria-label': t('units.editOf', { name: u.name }), 'data-action': 'edit' });
    edit.addEventListener('click', () => editDialog(u));
    const toggle = button(t(u.active ? 'units.deactivate' : 'units.activate'), {
      kind: 'link', 'data-action': u.active ? 'deactivate' : 'activate',
      'aria-label': t(u.active ? 'units.deactivateOf' : 'units.activateOf', { name: u.name }),
    });
    toggle.addEventListener('click', () => (u.active ? deactivate(u) : activate(u, toggle)));
    return h('tr', { 'data-code': u.code, class: u.active ? null : 'is-disabled' },
      h('td', null, h('code', { class: 'cell-login' }, u.code)),
      h('td', { class: 'cell-name' }, u.name),
      h('td', null, u.kind_name || u.kind),
      h('td', null, u.parent
        ? h('span', { class: 'cell-unit' }, h('span', null, u.parent.name), h('code', { class: 'unit-code' }, u.parent.code))
        : h('span', { class: 'text-subtle' }, '—')),
      h('td', null, u.active ? badge(t('units.status.active'), 'ok') : badge(t('units.status.inactive'), 'off')),
      h('td', { class: 'cell-actions' }, edit, toggle));
  }

  async function load() {
    const mine = ++seq;
    const params = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(q.offset) });
    if (q.text) params.set('q', q.text);
    if (q.kind) params.set('kind', q.kind);
    if (q.active) params.set('active', q.active);
    tbody.setAttribute('aria-busy', 'true');
    if (!tbody.firstChild) tbody.append(messageRow(COLS, t('app.loading')));
    let reply;
    try {
      reply = await api.get('/api/v1/units?' + params);
    } catch (err) {
      if (mine !== seq) return;
      tbody.removeAttribute('aria-busy');
      const retry = button(t('common.retry'), { kind: 'link', onclick: () => load() });
      replace(tbody, messageRow(COLS, h('span', { class: 'text-danger' }, errorMessage(err)), ' ', retry));
      return;
    }
    if (mine !== seq) return;
    tbody.removeAttribute('aria-busy');
    const units = reply && Array.isArray(reply.units) ? reply.units : [];
    total = reply && Number.isInteger(reply.total) ? reply.total : units.length;
    if (!units.length && q.offset > 0 && total > 0) {
      q.offset = Math.max(0, (Math.ceil(total / PAGE_SIZE) - 1) * PAGE_SIZE);
      load();
      return;
    }
    const filtered = q.text || q.kind || q.active;
    replace(tbody, ...(units.length ? units.map(row)
      : [messageRow(COLS, h('div', { class: 'empty empty-sm' }, icon('empty', 'empty-icon'),
        h('p', { class: 'empty-title' }, t(filtered ? 'units.noMatch' : 'page.empty')),
        filtered ? null : h('p', { class: 'empty-hint' }, t('page.units.hint'))))]));
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    countText.textContent = t('units.total', { total });
    pageText.textContent = t('pager.page', { page: Math.floor(q.offset / PAGE_SIZE) + 1, pages });
    prev.disabled = q.offset === 0;
    next.disabled = q.offset + PAGE_SIZE >= total;
  }

  async function loadKinds() {
    try {
      kinds = await unitKinds();
    } catch (err) {
      say('error', errorMessage(err));
      return;
    }
    replace(kindFilter, h('option', { value: '' }, t('units.filter.allKinds')),
      kinds.map((k) => h('option', { value: k.code }, k.name)));
    kindFilter.value = q.kind;
  }

  /* The kinds for the dialogs' select (loaded with the page; fetched again if that failed). */
  async function haveKinds() {
    if (kinds.length) return true;
    try {
      kinds = await unitKinds();
      return true;
    } catch (err) {
      say('error', errorMessage(err));
      return false;
    }
  }

  // ─── 新增单位 ───
  async function createDialog() {
    if (!(await haveKinds())) return;
    const code = field('code', {
      label: t('units.col.code'), hint: t('units.form.codeHint'),
      input: h('input', { type: 'text', maxlength: '32', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'characters' }),
    });
    const name = field('name', {
      label: t('units.col.name'), hint: t('units.form.nameHint'),
      input: h('input', { type: 'text', maxlength: '100', autocomplete: 'off' }),
    });
    const kind = field('kind', { label: t('units.col.kind'), input: kindSelect(kinds, '', { withPrompt: true }) });
    const parent = parentField(null, null);
    const alert = alertBox();
    const errors = formErrors([code, name, kind, parent], alert);

    const dlg = openDialog({
      title: t('units.createTitle'), id: 'unit-create-dialog', size: 'md',
      submitText: t('units.createSubmit'),
      body: [h('div', { class: 'form-grid form-grid-2' }, code.wrap, kind.wrap), name.wrap, parent.wrap, alert],
      onSubmit: async () => {
        const body = { code: code.input.value.trim(), name: name.input.value.trim(), kind: kind.input.value };
        if (!body.code) { errors.field('code', t('units.form.codeRequired')); return false; }
        if (!body.name) { errors.field('name', t('units.form.nameRequired')); return false; }
        if (!body.kind) { errors.field('kind', t('units.form.kindRequired')); return false; }
        let p;
        try { p = await parent.picker.resolve(); } catch (e) {
          if (e && e.code) { errors.show(e); return false; }
          errors.field('parent', e.message); return false;
        }
        if (p) body.parent = p;
        errors.clear();
        try {
          return await api.post('/api/v1/units', body);
        } catch (err) {
          errors.show(err);
          return false;
        }
      },
    });
    dlg.closed.then((reply) => {
      if (!reply || !reply.unit) return;
      say('ok', t('units.created', { name: reply.unit.name, code: reply.unit.code }));
      load();
    });
  }

  // ─── 导入单位 ───
  function importDialog() {
    unitImportDialog().closed.then((reply) => {
      if (!reply || !reply.summary) return;
      const s = reply.summary;
      say('ok', t('units.imported', { create: s.create || 0, update: s.update || 0, unchanged: s.unchanged || 0 }));
      load();
    });
  }

  // ─── 编辑 ───
  async function editDialog(u) {
    if (!(await haveKinds())) return;
    const name = field('name', {
      label: t('units.col.name'),
      input: h('input', { type: 'text', maxlength: '100', autocomplete: 'off', value: u.name }),
    });
    const kind = field('kind', { label: t('units.col.kind'), input: kindSelect(kinds, u.kind) });
    const parent = parentField(u.parent, u.code);
    const active = activeField(u.active);
    const alert = alertBox();
    const errors = formErrors([name, kind, parent, active], alert);

    const dlg = openDialog({
      title: t('units.editTitle', { name: u.name }), id: 'unit-edit-dialog', size: 'md',
      submitText: t('common.save'),
      body: [
        h('dl', { class: 'facts' }, h('dt', null, t('units.col.code')), h('dd', null, h('code', null, u.code))),
        name.wrap, kind.wrap, parent.wrap, active.wrap, alert],
      onSubmit: async () => {
        const body = {};
        const n = name.input.value.trim();
        if (!n) { errors.field('name', t('units.form.nameRequired')); return false; }
        if (n !== u.name) body.name = n;
        if (kind.input.value !== u.kind) body.kind = kind.input.value;
        let p;
        try { p = await parent.picker.resolve(); } catch (e) {
          if (e && e.code) { errors.show(e); return false; }
          errors.field('parent', e.message); return false;
        }
        if (p !== (u.parent ? u.parent.code : '')) body.parent = p || null;
        const a = active.value();
        if (a !== u.active) body.active = a;
        errors.clear();
        if (!Object.keys(body).length) return { unchanged: true };
        try {
          return await api.patch('/api/v1/units/' + encodeURIComponent(u.code), body);
        } catch (err) {
          errors.show(err);
          return false;
        }
      },
    });
    dlg.closed.then((reply) => {
      if (!reply || !reply.unit) return;
      const v = reply.unit;
      let key = 'units.saved';
      if (!v.active && u.active) key = 'units.deactivated';
      else if (v.active && !u.active) key = 'units.activated';
      say('ok', t(key, { name: v.name }));
      load();
    });
  }

  // ─── 停用 / 启用 ───
  async function deactivate(u) {
    const reply = await confirmDialog({
      id: 'unit-deactivate-dialog',
      title: t('units.deactivateTitle'),
      message: [t('units.deactivateConfirm', { name: u.name, code: u.code }), t('units.deactivateEffect')],
      confirmText: t('units.deactivateSubmit'),
      danger: true,
      action: () => api.patch('/api/v1/units/' + encodeURIComponent(u.code), { active: false }),
    });
    if (!reply || !reply.unit) return;
    say('ok', t('units.deactivated', { name: u.name }));
    load();
  }

  async function activate(u, btn) {
    btn.disabled = true;
    try {
      await api.patch('/api/v1/units/' + encodeURIComponent(u.code), { active: true });
    } catch (err) {
      btn.disabled = false;
      say('error', errorText(err));
      return;
    }
    say('ok', t('units.activated', { name: u.name }));
    load();
  }

  loadKinds();
  load();

  return {
    title: t('nav.units'),
    node: h('div', { class: 'page page-units', 'data-page': 'units' },
      pageHead(t('nav.units'), t('page.units.desc')),
      h('div', { class: 'toolbar' }, filterForm, h('div', { class: 'toolbar-actions' }, importBtn, createBtn)),
      status,
      h('section', { class: 'panel', 'aria-label': t('units.tableLabel') },
        h('div', { class: 'table-wrap' },
          h('table', { class: 'table', id: 'units-table' },
            h('thead', null, h('tr', null,
              h('th', { scope: 'col' }, t('units.col.code')),
              h('th', { scope: 'col' }, t('units.col.name')),
              h('th', { scope: 'col' }, t('units.col.kind')),
              h('th', { scope: 'col' }, t('units.col.parent')),
              h('th', { scope: 'col' }, t('units.col.status')),
              h('th', { scope: 'col', class: 'col-actions' }, t('common.actions')))),
            tbody)),
        h('div', { class: 'pager' }, countText, h('div', { class: 'pager-nav' }, prev, pageText, next)))),
  };
}
