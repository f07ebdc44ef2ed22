// web/js/views/login.js — the login page (#/login).
// Owns: the login form (labelled fields, Enter submits, client-side "required" checks),
// its busy state, the error area (role=alert) showing the catalogue's sentence for the
// server's error code, marking the offending field (error.field) with aria-invalid, and
// the demo-accounts box, shown only when GET /healthz says "demo": true.
// The actual POST /api/v1/session is done by ctx.submit (main.js).

import { h, icon } from '../dom.js';
import { t, errorMessage } from '../i18n.js';

const DEMO_PASSWORD = 'kaoping-demo';

/* ctx: { health: /healthz reply or null, notice: {kind:'info'|'error', text} | null,
 *        draft: {login}, submit: async (login, password) → resolves on success,
 *        rejects with ApiError } */
export function loginView(ctx) {
  const loginInput = h('input', {
    id: 'login-login', name: 'login', type: 'text', autocomplete: 'username',
    autocapitalize: 'none', spellcheck: 'false', required: true, maxlength: '128',
    placeholder: t('login.loginPlaceholder'), value: ctx.draft.login || '',
  });
  const passwordInput = h('input', {
    id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password',
    required: true, maxlength: '1024', placeholder: t('login.passwordPlaceholder'),
  });
  const errorBox = h('div', { id: 'login-error', class: 'form-error', role: 'alert' });
  const noticeBox = h('div', { id: 'login-notice', class: 'form-notice', role: 'status' });
  const submitLabel = h('span', null, t('login.submit'));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', id: 'login-submit' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }), submitLabel);

  loginInput.addEventListener('input', () => { ctx.draft.login = loginInput.value; });

  function showError(text, field) {
    noticeBox.replaceChildren();
    errorBox.replaceChildren(icon('alert'), h('span', null, text));
    for (const [name, input] of [['login', loginInput], ['password', passwordInput]]) {
      if (name === field) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', 'login-error');
      } else {
        input.removeAttribute('aria-invalid');
        input.removeAttribute('aria-describedby');
      }
    }
    if (field === 'login') loginInput.focus();
    else if (field === 'password') passwordInput.focus();
  }

  function setBusy(busy) {
    form.setAttribute('aria-busy', busy ? 'true' : 'false');
    submit.disabled = busy;
    submit.classList.toggle('is-busy', busy);
    submitLabel.textContent = t(busy ? 'login.submitting' : 'login.submit');
  }

  async function onSubmit(ev) {
    ev.preventDefault();
    if (form.getAttribute('aria-busy') === 'true') return;
    const login = loginInput.value.trim();
    const password = passwordInput.value;
    if (!login) return showError(t('login.loginRequired'), 'login');
    if (!password) return showError(t('login.passwordRequired'), 'password');
    errorBox.replaceChildren();
    setBusy(true);
    try {
      await ctx.submit(login, password);
    } catch (err) {
      setBusy(false);
      passwordInput.value = '';
      let field = err && err.field;
      if (!field && err && err.code === 'E_LOGIN_FAILED') field = 'password';
      showError(errorMessage(err), field);
    }
  }

  const form = h('form', { class: 'login-form', novalidate: true, 'aria-busy': 'false', onsubmit: onSubmit },
    h('div', { class: 'field' },
      h('label', { for: 'login-login' }, t('login.login')),
      h('div', { class: 'input-icon' }, icon('user'), loginInput)),
    h('div', { class: 'field' },
      h('label', { for: 'login-password' }, t('login.password')),
      h('div', { class: 'input-icon' }, icon('lock'), passwordInput)),
    errorBox,
    submit);

  if (ctx.notice) {
    if (ctx.notice.kind === 'error') showError(ctx.notice.text, null);
    else noticeBox.replaceChildren(icon('info'), h('span', null, ctx.notice.text));
  }

  function fillDemo(login) {
    loginInput.value = login;
    ctx.draft.login = login;
    passwordInput.value = DEMO_PASSWORD;
    submit.focus();
  }

  const demo = ctx.health && ctx.health.demo === true
    ? h('aside', { class: 'demo-box', 'aria-labelledby': 'demo-title' },
      h('h2', { id: 'demo-title', class: 'demo-title' }, t('login.demoTitle')),
      h('dl', { class: 'demo-list' },
        h('dt', null, t('login.demoAdmin')),
        h('dd', null, h('button', { type: 'button', class: 'link-btn', 'aria-label': t('login.demoUse', { login: 'admin' }), onclick: () => fillDemo('admin') }, h('code', null, 'admin'))),
        h('dt', null, t('login.demoReviewer')),
        h('dd', null, h('button', { type: 'button', class: 'link-btn', 'aria-label': t('login.demoUse', { login: 'reviewer1' }), onclick: () => fillDemo('reviewer1') }, h('code', null, 'reviewer1')), ' … ', h('code', null, 'reviewer6')),
        h('dt', null, t('login.demoUnit')),
        h('dd', null, h('code', null, t('login.demoUnitValue'))),
        h('dt', null, t('login.demoPassword')),
        h('dd', null, h('code', null, DEMO_PASSWORD))))
    : null;

  const node = h('div', { class: 'login-page' },
    h('div', { class: 'login-panel' },
      h('section', { class: 'login-brand' },
        h('img', { class: 'login-emblem', src: 'favicon.svg', alt: '', width: '56', height: '56' }),
        h('p', { class: 'login-brand-name' }, t('app.fullName')),
        h('p', { class: 'login-brand-lead' }, t('login.brandLead')),
        h('ul', { class: 'login-points' },
          ['login.brandPoint1', 'login.brandPoint2', 'login.brandPoint3'].map((k) =>
            h('li', null, icon('check'), h('span', null, t(k)))))),
      h('section', { class: 'login-card', 'aria-labelledby': 'login-title' },
        h('h1', { id: 'login-title', class: 'login-title', tabindex: '-1' }, t('login.title')),
        h('p', { class: 'login-subtitle' }, t('login.subtitle')),
        noticeBox,
        form,
        demo)));

  return {
    title: t('login.pageTitle'),
    node,
    focus: () => (loginInput.value ? passwordInput : loginInput).focus(),
  };
}
