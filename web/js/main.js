// web/js/main.js — entry point of the web app.
// Owns the session state (who is logged in, from GET /api/v1/me or the login reply), the
// boot sequence, the mapping from a route to a view, login and logout, the cycles shown in
// the header (GET /api/v1/cycles, newest first), the one-time "flash" notice of the next
// page, re-rendering on a language switch, and which view a path shows (sub-paths such as
// #/cycles/3, #/cycles/3/units/YL-SFJ/upload, the report view, #/rubrics/new and the version
// comparison #/rubrics/3/diff?to=4 are told apart here).
// Views are plain functions of ctx {user, refreshCycles, route} returning
// {title, node, focus?}.
// Not logged in → every route shows #/login; logged in → #/login and #/ go to #/dashboard,
// and a route outside the role's pages shows "页面不存在". While the user must change the
// initial password (must_change_password, or any call answering E_PASSWORD_CHANGE) every
// route shows only #/change-password, until the change succeeds. Every hash change also
// asks GET /api/v1/me in the background, so a session ended elsewhere (another device,
// 结束会话, an account disabled) sends the person to the login page at the next navigation
// even on pages that call no API, and a changed role or name is picked up.

import { initI18n, onLangChange, t, errorMessage } from './i18n.js';
import { api, setCsrfToken, onUnauthenticated, onPasswordChangeRequired } from './api.js';
import { startRouter, navigate, currentRoute, setLeaveGuard } from './router.js';
import { buildShell } from './shell.js';
import { PAGES, pageFor, activeNav } from './nav.js';
import { closeAllDialogs, notice } from './ui.js';
import { loginView } from './views/login.js';
import { dashboardView } from './views/dashboard.js';
import { usersView } from './views/users.js';
import { auditView } from './views/audit.js';
import { accountView, forcePasswordView } from './views/account.js';
import { unitsView } from './views/units.js';
import { cyclesView, cycleView } from './views/cycles.js';
import { uploadView } from './views/upload.js';
import { reportView } from './views/report.js';
import { searchView } from './views/search.js';
import { rubricsView, rubricEditorView } from './views/rubrics.js';
import { rubricDiffView } from './views/rubricdiff.js';
import { reviewsView, selfAssessmentView } from './views/reviews.js';
import { scoringView } from './views/scoring.js';
import { assignmentsView } from './views/assignments.js';
import { resultsRoute } from './views/results.js';
import { compareView } from './views/compare.js';
import { myResultsView } from './views/myresults.js';
import { placeholderView, notFoundView } from './views/page.js';

const root = document.getElementById('app');

const state = {
  user: null,        // the /me user object, or null when logged out
  health: null,      // the /healthz reply ({status, version, demo?}), or null
  notice: null,      // {kind, text} shown once on the login page
  returnTo: null,    // route asked for before login, visited after it
  draft: { login: '' }, // what was typed in the login field (kept across re-renders)
  flash: null,       // {kind, text} shown once at the top of the next page
  cycles: null,      // the last GET /api/v1/cycles list (newest first), or null
};

let shell = null;     // current shell handles (see shell.js)
let shellFor = null;  // the user object the shell was built for (null: login shell)
let rendered = false; // a first view has been shown (focus moves only after that)
let cyclesP = null;   // the GET /api/v1/cycles in flight, if any

function footerText() {
  const v = state.health && state.health.version;
  return v ? t('app.footer', { version: 'v' + v }) : t('app.footerNoVersion');
}

/* Fetches the cycles (one request at a time), remembers them and shows the newest one's
 * title in the header. Resolves to the list; rejects with ApiError. */
function refreshCycles() {
  if (!cyclesP) {
    cyclesP = (async () => {
      try {
        const reply = await api.get('/api/v1/cycles');
        const list = reply && Array.isArray(reply.cycles) ? reply.cycles : [];
        if (state.user) state.cycles = list;
        if (shell && shellFor === state.user) shell.setCycle(list.length ? list[0].title : null);
        return list;
      } finally {
        cyclesP = null;
      }
    })();
  }
  return cyclesP;
}

function ensureShell(user) {
  if (shell && shellFor === user) return;
  const restricted = !!(user && user.must_change_password);
  shell = buildShell(root, { user, restricted, onLogout: logout, footer: footerText() });
  shellFor = user;
  if (user && !restricted) {
    if (state.cycles && state.cycles.length) shell.setCycle(state.cycles[0].title);
    refreshCycles().catch(() => { /* the header keeps "未选择"; pages show their own errors */ });
  }
}

function show(view, pageId) {
  const flash = state.flash;
  state.flash = null;
  shell.main.replaceChildren(view.node);
  if (flash) {
    const box = notice(flash.kind, flash.text, { id: 'flash', class: 'notice notice-' + flash.kind + ' flash' });
    const head = view.node.querySelector('.page-head');
    if (head) head.after(box);
    else view.node.prepend(box);
  }
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

/* A path segment, percent-decoded (a malformed one stays as it is). */
function decodeSeg(x) {
  try { return decodeURIComponent(x); } catch { return x; }
}

/* The view of a path below #/cycles: the list, one cycle, a unit's upload page (admin). */
function cyclesRoute(ctx) {
  const s = ctx.route.segments;
  const id = /^\d+$/.test(s[1] || '') ? Number(s[1]) : null;
  if (s.length === 1) return cyclesView(ctx);
  if (id && s.length === 2) return cycleView({ ...ctx, cycleId: id });
  if (id && s.length === 5 && s[2] === 'units' && s[4] === 'upload') {
    return uploadView({ ...ctx, cycleId: id, unitCode: decodeSeg(s[3]) });
  }
  return null;
}

/* The view of a path below #/rubrics: the list, a new rubric (?from=ID copies one, ?draft=1
 * takes the draft just generated, ?import=1 the file just imported), one rubric, two rubrics
 * compared (#/rubrics/ID/diff?to=OTHER). */
function rubricsRoute(ctx) {
  const s = ctx.route.segments;
  if (s.length === 1) return rubricsView(ctx);
  if (s.length === 2 && s[1] === 'new') return rubricEditorView({ ...ctx, rubricId: null });
  if (s.length === 2 && /^\d+$/.test(s[1])) return rubricEditorView({ ...ctx, rubricId: Number(s[1]) });
  if (s.length === 3 && /^\d+$/.test(s[1]) && s[2] === 'diff') return rubricDiffView({ ...ctx, rubricId: Number(s[1]) });
  return null;
}

function viewFor(pageId, route) {
  const ctx = { user: state.user, refreshCycles, route };
  const s = route.segments;
  let view = null;
  if (pageId === 'dashboard') view = dashboardView(ctx);
  else if (pageId === 'users') view = usersView(ctx);
  else if (pageId === 'audit') view = auditView(ctx);
  else if (pageId === 'account') view = accountView(ctx);
  else if (pageId === 'units' && s.length === 1) view = unitsView(ctx);
  else if (pageId === 'cycles') view = cyclesRoute(ctx);
  else if (pageId === 'report' && s.length === 1) {
    const c = route.query.get('cycle');
    view = uploadView({ ...ctx, cycleId: /^\d+$/.test(c || '') ? Number(c) : null, unitCode: null });
  } else if (pageId === 'reportView') {
    const v = route.query.get('v');
    view = reportView({ ...ctx, cycleId: Number(s[1]), unitCode: decodeSeg(s[3]), version: /^\d+$/.test(v || '') ? Number(v) : null });
  } else if (pageId === 'scoring') {
    const sh = route.query.get('sheet');
    view = scoringView({ ...ctx, cycleId: Number(s[1]), unitCode: decodeSeg(s[3]), sheetId: /^\d+$/.test(sh || '') ? Number(sh) : null });
  } else if (pageId === 'reviews' && s.length === 1) view = reviewsView(ctx);
  else if (pageId === 'selfAssessment' && s.length === 1) view = selfAssessmentView(ctx);
  else if (pageId === 'assignments' && s.length === 1) view = assignmentsView(ctx);
  else if (pageId === 'results') view = resultsRoute({ ...ctx, decodeSeg });
  else if (pageId === 'compare' && s.length === 1) view = compareView(ctx);
  else if (pageId === 'myResults' && s.length === 1) view = myResultsView(ctx);
  else if (pageId === 'search' && s.length === 1) view = searchView(ctx);
  else if (pageId === 'indicators') view = rubricsRoute(ctx);
  else if (PAGES[pageId] && s.length === 1) view = placeholderView({ id: pageId, ...PAGES[pageId] });
  return view || notFoundView();
}

/* The forced change of the initial password succeeded: the full app opens. */
function initialPasswordChanged() {
  state.user = { ...state.user, must_change_password: false };
  state.flash = { kind: 'ok', text: t('force.done') };
  navigate('/dashboard', { replace: true });
}

function onRoute(route) {
  setLeaveGuard(null);
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
  if (state.user.must_change_password) {
    if (route.path !== '/change-password') {
      navigate('/change-password', { replace: true });
      return;
    }
    ensureShell(state.user);
    show(forcePasswordView({ user: state.user, done: initialPasswordChanged }), null);
    return;
  }
  if (route.path === '/' || route.path === '/login') {
    navigate('/dashboard', { replace: true });
    return;
  }
  if (route.path === '/change-password') {
    navigate('/account', { replace: true });
    return;
  }
  ensureShell(state.user);
  const pageId = pageFor(state.user.role, route.path);
  show(pageId ? viewFor(pageId, route) : notFoundView(), pageId ? activeNav(state.user.role, pageId) : null);
}

function setSession(reply) {
  state.user = reply && reply.user ? reply.user : null;
  setLeaveGuard(null);
  state.cycles = null;
  state.flash = null;
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
  closeAllDialogs();
  try {
    await api.del('/api/v1/session');
  } catch { /* the session is gone for us either way */ }
  setSession(null);
  state.notice = { kind: 'info', text: t('login.loggedOut') };
  navigate('/login');
}

function sessionEnded() {
  if (!state.user) return;
  closeAllDialogs();
  setSession(null);
  state.notice = { kind: 'error', text: t('login.sessionExpired') };
  state.returnTo = currentRoute().path;
  navigate('/login', { replace: true });
}

onUnauthenticated(sessionEnded);

/* Background check after a navigation (see the top of this file). */
async function checkSession() {
  const user = state.user;
  let reply;
  try {
    reply = await api.get('/api/v1/me');
  } catch (err) {
    if (err.code === 'E_UNAUTHENTICATED' && state.user === user) sessionEnded();
    return;
  }
  if (state.user !== user || !reply || !reply.user) return;
  const now = reply.user;
  const changed = ['role', 'display_name', 'must_change_password'].some((k) => now[k] !== user[k]) ||
    (now.unit && now.unit.code) !== (user.unit && user.unit.code);
  if (!changed) return;
  closeAllDialogs();
  setSession(reply);
  onRoute(currentRoute());
}

window.addEventListener('hashchange', () => {
  if (state.user) checkSession();
});

onPasswordChangeRequired(() => {
  if (!state.user || state.user.must_change_password) return;
  closeAllDialogs();
  state.user = { ...state.user, must_change_password: true };
  navigate('/change-password', { replace: true });
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
