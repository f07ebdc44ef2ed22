// web/js/nav.js — which pages exist and which role sees which.
// Owns the page table (route path, catalogue key, icon) and the left-navigation list per
// role. A page is reachable only by the roles whose list names it, or by every role when
// it is in EVERY_ROLE (账号安全, reached from the user's name in the header rather than the
// navigation); main.js shows "页面不存在" for anything else. Later work replaces a page's
// placeholder view by adding its own view module in js/views/ and naming it in main.js.

export const PAGES = {
  dashboard:      { path: '/dashboard',       key: 'nav.dashboard',      icon: 'dashboard' },
  cycles:         { path: '/cycles',          key: 'nav.cycles',         icon: 'cycles' },
  units:          { path: '/units',           key: 'nav.units',          icon: 'units' },
  indicators:     { path: '/indicators',      key: 'nav.indicators',     icon: 'indicators' },
  assignments:    { path: '/assignments',     key: 'nav.assignments',    icon: 'assignments' },
  results:        { path: '/results',         key: 'nav.results',        icon: 'results' },
  users:          { path: '/users',           key: 'nav.users',          icon: 'users' },
  audit:          { path: '/audit',           key: 'nav.audit',          icon: 'audit' },
  reviews:        { path: '/reviews',         key: 'nav.reviews',        icon: 'reviews' },
  compare:        { path: '/compare',         key: 'nav.compare',        icon: 'compare' },
  report:         { path: '/report',          key: 'nav.report',         icon: 'report' },
  selfAssessment: { path: '/self-assessment', key: 'nav.selfAssessment', icon: 'selfAssessment' },
  myResults:      { path: '/my-results',      key: 'nav.myResults',      icon: 'myResults' },
  account:        { path: '/account',         key: 'nav.account',        icon: 'shield' },
};

/* Pages every signed-in role may open, though none lists them in its navigation. */
export const EVERY_ROLE = ['account'];

export const NAV_BY_ROLE = {
  admin: ['dashboard', 'cycles', 'units', 'indicators', 'assignments', 'results', 'users', 'audit'],
  reviewer: ['dashboard', 'reviews', 'compare'],
  unit: ['dashboard', 'report', 'selfAssessment', 'myResults'],
};

/* The navigation of role as [{id, path, key, icon}] (empty for an unknown role). */
export function navFor(role) {
  return (NAV_BY_ROLE[role] || []).map((id) => ({ id, ...PAGES[id] }));
}

/* The page id for path if role may see it, else null. Sub-paths (/cycles/3) belong to
 * their first segment's page. */
export function pageFor(role, path) {
  if (!NAV_BY_ROLE[role]) return null;
  const first = '/' + (path.split('/')[1] || '');
  const item = navFor(role).find((p) => p.path === first);
  if (item) return item.id;
  const extra = EVERY_ROLE.find((id) => PAGES[id].path === first);
  return extra || null;
}
