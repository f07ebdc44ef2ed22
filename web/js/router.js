// web/js/router.js — hash routing (#/login, #/dashboard, #/cycles/3?tab=x …).
// Owns: reading the current route from location.hash, navigating, and calling the one
// route handler (given by main.js) whenever the hash changes. It knows nothing about
// pages or roles; main.js decides what a path shows.

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

/* Goes to path. With replace, the current history entry is replaced (used for redirects,
 * so Back does not bounce); replaceState fires no hashchange, so we call the handler. */
export function navigate(path, { replace = false } = {}) {
  if (replace) {
    history.replaceState(history.state, '', '#' + path);
    if (handler) handler(currentRoute());
  } else if (location.hash === '#' + path) {
    if (handler) handler(currentRoute());
  } else {
    location.hash = path;
  }
}

/* Installs onRoute(route) and calls it once for the current hash. */
export function startRouter(onRoute) {
  handler = onRoute;
  window.addEventListener('hashchange', () => handler(currentRoute()));
  handler(currentRoute());
}
