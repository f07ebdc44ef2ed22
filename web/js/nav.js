// web/js/nav.js — which pages exist and which role sees which.
// Owns the page table (route path, catalogue key, icon) and the left-navigation list per
// role. A page is reachable only by the roles whose list names it, or by every role when
// it is in EVERY_ROLE (账号安全, reached from the user's name in the header rather than the
// navigation); main.js shows "页面不存在" for anything else. Sub-paths belong to their first
// segment's page (#/cycles/3 is 考核周期), except the SUB_ROUTES: pages below another page
// that several roles may open (the report view #/cycles/3/units/YL-SFJ/report is for the
// admin, the unit and its reviewers), each marking a different nav item per role. Later work
// replaces a page's placeholder view by adding its own view module in js/views/ and naming
// it in main.js.

export const PAGES = {
  dashboard:      { path: '/dashboard',       key: 'nav.dashboard',      icon: 'dashboard' },
  cycles:         { path: '/cycles',          key: 'nav.cycles',         icon: 'cycles' },
  units:          { path: '/units',           key: 'nav.units',          icon: 'units' },
  indicators:     { path: '/rubrics',         key: 'nav.indicators',     icon: 'indicators' },
  assignments:    { path: '/assignments',     key: 'nav.assignments',    icon: 'assignments' },
  results:        { path: '/results',         key: 'nav.results',        icon: 'results' },
  users:          { path: '/users',           key: 'nav.users',          icon: 'users' },
  audit:          { path: '/audit',           key: 'nav.audit',          icon: 'audit' },
  reviews:        { path: '/reviews',         key: 'nav.reviews',        icon: 'reviews' },
  compare:        { path: '/compare',         key: 'nav.compare',        icon: 'compare' },
  report:         { path: '/report',          key: 'nav.report',         icon: 'report' },
  selfAssessment: { path: '/self-assessment', key: 'nav.selfAssessment', icon: 'selfAssessment' },
  myResults:      { path: '/my-results',      key: 'nav.myResults',      icon: 'myResults' },
  search:         { path: '/search',          key: 'nav.search',         icon: 'search' },
  account:        { path: '/account',         key: 'nav.account',        icon: 'shield' },
};

/* Pages every signed-in role may open, though none lists them in its navigation. */
export const EVERY_ROLE = ['account'];

export const NAV_BY_ROLE = {
  admin: ['dashboard', 'cycles', 'units', 'indicators', 'assignments', 'results', 'compare', 'search', 'users', 'audit'],
  reviewer: ['dashboard', 'reviews', 'compare', 'search'],
  unit: ['dashboard', 'report', 'selfAssessment', 'myResults', 'search'],
};

/* Pages below another page's path that these roles may open; active: the nav item each role
 * sees marked while on it. The server still decides what each person may read. */
export const SUB_ROUTES = [
  {
    id: 'reportView',
    pattern: /^\/cycles\/\d+\/units\/[^/]+\/report$/,
    active: { admin: 'cycles', reviewer: 'reviews', unit: 'report' },
  },
  {
    // the scoring page: a reviewer's sheet, a unit's self-assessment, a sheet the admin opens
    id: 'scoring',
    pattern: /^\/cycles\/\d+\/units\/[^/]+\/scoring$/,
    active: { admin: 'assignments', reviewer: 'reviews', unit: 'selfAssessment' },
  },
];

/* The navigation of role as [{id, path, key, icon}] (empty for an unknown role). */
export function navFor(role) {
  return (NAV_BY_ROLE[role] || []).map((id) => ({ id, ...PAGES[id] }));
}

/* The page id for path if role may see it, else null. Sub-paths (/cycles/3) belong to
 * their first segment's page, unless a SUB_ROUTES entry matches. */
export function pageFor(role, path) {
  if (!NAV_BY_ROLE[role]) return null;
  const sub = SUB_ROUTES.find((r) => r.pattern.test(path) && r.active[role]);
  if (sub) return sub.id;
  const first = '/' + (path.split('/')[1] || '');
  const item = navFor(role).find((p) => p.path === first);
  if (item) return item.id;
  const extra = EVERY_ROLE.find((id) => PAGES[id].path === first);
  return extra || null;
}

/* The nav item to mark for pageId (a PAGES id or a SUB_ROUTES id). */
export function activeNav(role, pageId) {
  const sub = SUB_ROUTES.find((r) => r.id === pageId);
  return sub ? sub.active[role] || null : pageId;
}
