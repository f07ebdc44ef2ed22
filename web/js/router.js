// web/js/router.js — hash routing (#/login, #/dashboard, #/cycles/3?tab=x …).
// Owns: reading the current route from location.hash, navigating, and calling the one
// route handler (given by main.js) whenever the hash changes. It knows nothing about
// pages or roles; main.js decides what a path shows. A page with unsaved changes may install
// a leave guard (setLeaveGuard) that is asked before the hash changes.

/* The current route: { path: '/cycles/3', segments: ['cycles','3'], query: URLSearchParams }.
 * An empty or malformed hash yields path '/'. */
export function currentRoute() {
  const raw = location.hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  let path = q < 0 ? raw : raw.slice(0, q);
  if (!path.startsWith('/')) path = '/';
  path = path.replace(/\/+$/, '') || '/';
  return {
    path,
    segments: path.split('/').filter(Boolean),
    query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
  };
}

let handler = null;
let guard = null;    // { dirty: () → bool, ask: () → Promise<bool> } of a page with unsaved changes
let shownHash = '';  // the hash of the page on screen (restored when the guard keeps it)

/* Installs (or with null removes) the unsaved-changes guard: while guard.dirty() is true, a
 * hash change first asks guard.ask(); the old hash stays until the person confirms. */
export function setLeaveGuard(g) { guard = g || null; }

function run() {
  shownHash = location.hash;
  if (handler) handler(currentRoute());
}

/* Goes to path. With replace, the current history entry is replaced (used for redirects,
 * so Back does not bounce); replaceState fires no hashchange, so we call the handler. */
export function navigate(path, { replace = false } = {}) {
  if (replace) {
    history.replaceState(history.state, '', '#' + path);
    run();
  } else if (location.hash === '#' + path) {
    run();
  } else {
    location.hash = path;
  }
}

/* Installs onRoute(route) and calls it once for the current hash. */
export function startRouter(onRoute) {
  handler = onRoute;
  window.addEventListener('hashchange', () => {
    if (guard && guard.dirty() && location.hash !== shownHash) {
      const target = location.hash;
      const g = guard;
      history.replaceState(history.state, '', shownHash || '#/');
      g.ask().then((leave) => {
        if (!leave) return;
        if (guard === g) guard = null;
        location.hash = target;
      });
      return;
    }
    run();
  });
  run();
}
