// web/js/main.js — entry point of the web app.
// Owns the session state (who is logged in, from GET /api/v1/me or the login reply), the
// boot sequence, the mapping from a route to a view, login and logout, and re-rendering on
// a language switch. Views are plain functions returning {title, node, focus?}.
// Not logged in → every route shows #/login; logged in → #/login and #/ go to #/dashboard,
// and a route outside the role's navigation shows "页面不存在".

import { initI18n, onLangChange, t, errorMessage } from './i18n.js';
import { api, setCsrfToken, onUnauthenticated } from './api.js';
import { startRouter, navigate, currentRoute } from './router.js';
import { buildShell } from './shell.js';
import { PAGES, pageFor } from './nav.js';
import { loginView } from './views/login.js';
import { dashboardView } from './views/dashboard.js';
import { placeholderView, notFoundView } from './views/page.js';

const root = document.getElementById('app');

const state = {
  user: null,        // the /me user object, or null when logged out
  health: null,      // the /healthz reply ({status, version, demo?}), or null
  notice: null,      // {kind, text} shown once on the login page
  returnTo: null,    // route asked for before login, visited after it
  draft: { login: '' }, // what was typed in the login field (kept across re-renders)
};

let shell = null;     // current shell handles (see shell.js)
let shellFor = null;  // the user object the shell was built for (null: login shell)
let rendered = false; // a first view has been shown (focus moves only after that)

function footerText() {
  const v = state.health && state.health.version;
  return v ? t('app.footer', { version: 'v' + v }) : t('app.footerNoVersion');
}

function ensureShell(user) {
  if (shell && shellFor === user) return;
  shell = buildShell(root, { user, onLogout: logout, footer: footerText() });
  shellFor = user;
}

function show(view, pageId) {
  shell.main.replaceChildren(view.node);
  shell.setActive(pageId);
  document.title = view.title + ' · ' + t('app.name');
  if (view.focus) view.focus();
  else if (rendered) {
    const h1 = shell.main.querySelector('h1');
    if (h1) h1.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
  rendered = true;
}

function viewFor(pageId) {
  if (pageId === 'dashboard') return dashboardView(state.user);
  return placeholderView({ id: pageId, ...PAGES[pageId] });
}

function onRoute(route) {
  if (!state.user) {
    if (route.path !== '/login') {
      if (route.path !== '/') state.returnTo = route.path;
      navigate('/login', { replace: true });
      return;
    }
    ensureShell(null);
    const notice = state.notice;
    state.notice = null;
    show(loginView({ health: state.health, notice, draft: state.draft, submit: login }), null);
    return;
  }
  if (route.path === '/' || route.path === '/login') {
    navigate('/dashboard', { replace: true });
    return;
  }
  ensureShell(state.user);
  const pageId = pageFor(state.user.role, route.path);
  show(pageId ? viewFor(pageId) : notFoundView(), pageId);
}

function setSession(reply) {
  state.user = reply && reply.user ? reply.user : null;
  setCsrfToken(reply && reply.csrf_token);
}

async function login(loginName, password) {
  const reply = await api.post('/api/v1/session', { login: loginName, password });
  if (!reply || !reply.user) throw new Error('login reply without user');
  setSession(reply);
  state.draft.login = '';
  const to = state.returnTo || '/dashboard';
  state.returnTo = null;
  navigate(to, { replace: true });
}

async function logout() {
  try {
    await api.del('/api/v1/session');
  } catch { /* the session is gone for us either way */ }
  setSession(null);
  state.notice = { kind: 'info', text: t('login.loggedOut') };
  navigate('/login');
}

onUnauthenticated(() => {
  if (!state.user) return;
  setSession(null);
  state.notice = { kind: 'error', text: t('login.sessionExpired') };
  state.returnTo = currentRoute().path;
  navigate('/login', { replace: true });
});

onLangChange(() => {
  shell = null;
  onRoute(currentRoute());
  const sel = document.getElementById('lang-select');
  if (sel) sel.focus();
});

async function boot() {
  initI18n();
  const [me, health] = await Promise.allSettled([api.get('/api/v1/me'), api.get('/healthz')]);
  if (health.status === 'fulfilled') state.health = health.value;
  if (me.status === 'fulfilled') setSession(me.value);
  else if (me.reason && me.reason.code !== 'E_UNAUTHENTICATED') {
    state.notice = { kind: 'error', text: errorMessage(me.reason) };
  }
  startRouter(onRoute);
}

boot();
