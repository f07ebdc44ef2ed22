// web/js/views/account.js — 账号安全 (#/account, every role) and the forced 修改初始密码 page.
// Owns: the change-password form (current, new, repeat; checks on this side only that the
// new password has at least 10 characters and is typed the same twice, everything else is
// the server's word, shown next to the field it names) on PUT /api/v1/me/password; the list
// of the user's own sessions (GET /api/v1/me/sessions: device and browser summarised from
// the User-Agent, address, login time, last activity, 当前会话, 结束 for the others via
// DELETE /api/v1/me/sessions/{id}); and forcePasswordView(), shown instead of every page
// while must_change_password is true (main.js routes it as #/change-password).

import { h, icon } from '../dom.js';
import { t, errorMessage, formatDateTime, formatMinute } from '../i18n.js';
import { api } from '../api.js';
import { field, alertBox, formErrors, button, setBusy, badge, notice, messageRow } from '../ui.js';
import { pageHead } from './page.js';

const MIN_PASSWORD = 10;

/* The change-password form. opts: { prefix (element id prefix), currentLabel, submitText,
 * done: called after the change succeeded }. Returns { node, focus() }. */
function passwordForm({ prefix, currentLabel, submitText, done }) {
  const pw = (autocomplete) => h('input', { type: 'password', autocomplete, maxlength: '1024', spellcheck: 'false' });
  const current = field('current', { id: prefix + '-current', label: currentLabel, input: pw('current-password') });
  const next = field('new', {
    id: prefix + '-new', label: t('password.new'), hint: t('password.rules'), input: pw('new-password'),
  });
  const repeat = field('repeat', { id: prefix + '-repeat', label: t('password.repeat'), input: pw('new-password') });
  const alert = alertBox(prefix + '-error');
  const errors = formErrors([current, next, repeat], alert);
  const submit = button(submitText, { type: 'submit', kind: 'primary', id: prefix + '-submit' });

  async function onSubmit(ev) {
    ev.preventDefault();
    if (submit.disabled) return;
    const cur = current.input.value;
    const nw = next.input.value;
    if (!cur) return errors.field('current', t('password.currentRequired'));
    if ([...nw].length < MIN_PASSWORD) return errors.field('new', t('password.tooShort', { min: MIN_PASSWORD }));
    if (nw !== repeat.input.value) return errors.field('repeat', t('password.mismatch'));
    errors.clear();
    setBusy(submit, true);
    try {
      await api.put('/api/v1/me/password', { current_password: cur, new_password: nw });
    } catch (err) {
      setBusy(submit, false);
      if (err.field === 'current_password') current.input.value = '';
      errors.show(err, { current_password: 'current', new_password: 'new' });
      return undefined;
    }
    setBusy(submit, false);
    form.reset();
    done();
    return undefined;
  }

  const form = h('form', { class: 'stack-form', novalidate: true, onsubmit: onSubmit, id: prefix + '-form' },
    current.wrap, next.wrap, repeat.wrap, alert,
    h('div', { class: 'form-actions' }, submit));
  return { node: form, focus: () => current.input.focus() };
}

/* "Chrome 142 · Windows" from a User-Agent string ('' → 未知设备). */
export function browserSummary(ua) {
  if (!ua) return t('account.uaUnknown');
  const browsers = [
    [/QQBrowser\/(\d+)/, 'QQ Browser'],
    [/MetaSr/, 'Sogou'],
    [/UCBrowser\/(\d+)/, 'UC Browser'],
    [/Edg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
    [/OPR\/(\d+)/, 'Opera'],
    [/Firefox\/(\d+)/, 'Firefox'],
    [/(?:Headless)?Chrom(?:e|ium)\/(\d+)/, 'Chrome'],
    [/CriOS\/(\d+)/, 'Chrome'],
    [/Version\/(\d+)[.\d]* (?:Mobile\/\S+ )?Safari\//, 'Safari'],
    [/Trident\/.*rv:(\d+)/, 'Internet Explorer'],
  ];
  const systems = [
    [/Windows NT/, 'Windows'],
    [/iPhone|iPad|iPod/, 'iOS'],
    [/Mac OS X|Macintosh/, 'macOS'],
    [/Android/, 'Android'],
    [/CrOS/, 'ChromeOS'],
    [/\bUOS\b|UnionTech/i, 'UOS'],
    [/Kylin/i, 'Kylin'],
    [/Linux|X11/, 'Linux'],
  ];
  let name = null;
  for (const [re, label] of browsers) {
    const m = ua.match(re);
    if (m) { name = m[1] ? `${label} ${m[1]}` : label; break; }
  }
  const sys = systems.find(([re]) => re.test(ua));
  if (!name) name = ua.split(/[\s(]/)[0].slice(0, 40) || t('account.uaUnknown');
  return sys ? `${name} · ${sys[1]}` : name;
}

function sessionsPanel() {
  const COLS = 5;
  const tbody = h('tbody');
  const status = h('div', { class: 'panel-status', role: 'status', id: 'sessions-status' });
  const refreshBtn = button(t('common.refresh'), { icon: 'refresh', kind: 'link', onclick: () => load() });

  async function end(s, btn) {
    setBusy(btn, true);
    try {
      await api.del('/api/v1/me/sessions/' + encodeURIComponent(s.id));
    } catch (err) {
      setBusy(btn, false);
      status.replaceChildren(notice('error', errorMessage(err)));
      return;
    }
    status.replaceChildren(notice('ok', t('account.sessionEnded')));
    await load();
  }

  function row(s) {
    const ua = browserSummary(s.user_agent);
    const action = s.current
      ? badge(t('account.currentSession'), 'info')
      : (() => {
        const b = button(t('account.endSession'), {
          kind: 'danger-ghost', 'data-action': 'end-session',
          'aria-label': t('account.endSessionOf', { device: ua, time: formatMinute(s.created_at) }),
        });
        b.addEventListener('click', () => end(s, b));
        return b;
      })();
    return h('tr', { 'data-session': String(s.id), class: s.current ? 'is-current' : null },
      h('td', null, h('span', { class: 'cell-device', title: s.user_agent || null }, icon('monitor'), h('span', null, ua))),
      h('td', null, h('code', null, s.client_addr || '—')),
      h('td', { class: 'cell-time', title: formatDateTime(s.created_at) }, formatMinute(s.created_at)),
      h('td', { class: 'cell-time', title: formatDateTime(s.last_seen) }, formatMinute(s.last_seen)),
      h('td', { class: 'cell-action' }, action));
  }

  async function load() {
    tbody.replaceChildren(messageRow(COLS, t('app.loading')));
    let reply;
    try {
      reply = await api.get('/api/v1/me/sessions');
    } catch (err) {
      tbody.replaceChildren(messageRow(COLS, h('span', { class: 'text-danger' }, errorMessage(err))));
      return;
    }
    const list = (reply && Array.isArray(reply.sessions) ? reply.sessions : [])
      .slice().sort((a, b) => (b.current - a.current) || (b.last_seen - a.last_seen));
    tbody.replaceChildren(...(list.length ? list.map(row) : [messageRow(COLS, t('page.empty'))]));
  }

  load();
  return {
    reload: load,
    node: h('section', { class: 'panel panel-pad', 'aria-labelledby': 'sessions-title', id: 'sessions' },
      h('div', { class: 'panel-head' },
        h('h2', { class: 'section-title', id: 'sessions-title' }, t('account.sessions')),
        refreshBtn),
      h('p', { class: 'panel-desc' }, t('account.sessionsDesc')),
      status,
      h('div', { class: 'table-wrap' },
        h('table', { class: 'table', id: 'sessions-table' },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, t('account.col.device')),
            h('th', { scope: 'col' }, t('account.col.addr')),
            h('th', { scope: 'col' }, t('account.col.created')),
            h('th', { scope: 'col' }, t('account.col.lastSeen')),
            h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('common.actions'))))),
          tbody))),
  };
}

/* 账号安全. ctx: { user }. */
export function accountView({ user }) {
  const sessions = sessionsPanel();
  const done = h('div', { id: 'password-status', role: 'status' });
  const form = passwordForm({
    prefix: 'pw',
    currentLabel: t('password.current'),
    submitText: t('password.submit'),
    done: () => {
      done.replaceChildren(notice('ok', t('password.changed')));
      sessions.reload();
    },
  });
  const unitName = user.unit && user.unit.name;
  return {
    title: t('nav.account'),
    node: h('div', { class: 'page page-account', 'data-page': 'account' },
      pageHead(t('nav.account'), t('page.account.desc'),
        h('p', { class: 'account-who' }, icon('user'),
          h('span', null, t('account.who', { login: user.login, role: t('role.' + user.role) })),
          unitName ? h('span', { class: 'account-unit' }, ' · ', unitName) : null)),
      h('div', { class: 'account-grid' },
        h('section', { class: 'panel panel-pad', 'aria-labelledby': 'password-title', id: 'password' },
          h('h2', { class: 'section-title', id: 'password-title' }, t('password.title')),
          h('p', { class: 'panel-desc' }, t('password.desc')),
          done,
          form.node),
        sessions.node)),
  };
}

/* The only page while the initial password must be changed. ctx: { user, done }. */
export function forcePasswordView({ user, done }) {
  const form = passwordForm({
    prefix: 'force',
    currentLabel: t('force.current'),
    submitText: t('force.submit'),
    done,
  });
  return {
    title: t('force.title'),
    focus: form.focus,
    node: h('div', { class: 'page page-force', 'data-page': 'change-password' },
      h('section', { class: 'force-card', 'aria-labelledby': 'force-title' },
        h('div', { class: 'force-badge', 'aria-hidden': 'true' }, icon('lock')),
        h('h1', { class: 'page-title force-title', id: 'force-title', tabindex: '-1' }, t('force.title')),
        h('p', { class: 'force-lead' }, t('force.lead', { login: user.login })),
        notice('warn', t('force.why')),
        form.node)),
  };
}
