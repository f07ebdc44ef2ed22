// web/js/views/dashboard.js — 工作台, the first page after login, one per role.
// Owns: the welcome line, the summary cards of each role, and the "other pages" shortcuts
// built from the role's nav. Cards: admin 考核周期 / 被考核单位 / 评审进度; reviewer 待评审 /
// 已提交; unit 本单位报告 / 截止时间. Cards fed by GET /api/v1/cycles (newest first): the
// number of cycles, the newest cycle's units and reports, and its report deadline; the
// others keep their empty state until their API exists.

import { h, icon } from '../dom.js';
import { t, formatDate, formatMinute, errorMessage } from '../i18n.js';
import { navFor, PAGES } from '../nav.js';
import { badge } from '../ui.js';
import { pageHead, emptyState } from './page.js';

/* A big number with its unit, a note and an optional tag (a badge) below. */
function stat(value, unit, note, tag) {
  return h('div', { class: 'stat' },
    h('p', { class: 'stat-line' }, h('span', { class: 'stat-value' }, value), unit ? h('span', { class: 'stat-unit' }, unit) : null),
    note ? h('p', { class: 'stat-note' }, note) : null,
    tag ? h('p', { class: 'stat-tag' }, tag) : null);
}

/* Card contents from the cycles list (newest first); null keeps the empty state. */
const FROM_CYCLES = {
  cycles: (list) => (list.length
    ? stat(String(list.length), t('dashboard.stat.cycles.unit'),
      t('dashboard.stat.cycles.note', { title: list[0].title }),
      badge(t('phase.' + list[0].phase), list[0].phase === 'closed' ? 'off' : 'info'))
    : null),
  units: (list) => (list.length && list[0].units > 0
    ? stat(String(list[0].units), t('dashboard.stat.units.unit'),
      t('dashboard.stat.units.note', { year: list[0].year, reports: list[0].reports }))
    : null),
  deadline: (list) => {
    const c = list[0];
    if (!c || typeof c.submission_deadline !== 'number') return null;
    const past = c.submission_deadline * 1000 < Date.now();
    return stat(formatMinute(c.submission_deadline), null,
      t('dashboard.stat.deadline.note', { year: c.year }),
      past ? badge(t('dashboard.stat.deadline.past'), 'off') : null);
  },
};

/* id: data-card value (stable for tests and later code); key: catalogue prefix;
 * link: page the card leads to (or null). */
const CARDS = {
  admin: [
    { id: 'cycles', key: 'dashboard.card.cycles', icon: 'cycles', link: 'cycles' },
    { id: 'units', key: 'dashboard.card.units', icon: 'units', link: 'units' },
    { id: 'progress', key: 'dashboard.card.progress', icon: 'progress', link: 'assignments' },
  ],
  reviewer: [
    { id: 'pending', key: 'dashboard.card.pending', icon: 'hourglass', link: 'reviews' },
    { id: 'submitted', key: 'dashboard.card.submitted', icon: 'check', link: 'reviews' },
  ],
  unit: [
    { id: 'report', key: 'dashboard.card.report', icon: 'report', link: 'report' },
    { id: 'deadline', key: 'dashboard.card.deadline', icon: 'clock', link: null },
  ],
};

/* A card; when it is fed by the cycles, it shows "正在加载…" until cyclesP settles. */
function card(c, cyclesP) {
  const titleId = 'card-' + c.id;
  const fill = FROM_CYCLES[c.id];
  const body = h('div', { class: 'card-body', 'aria-live': fill ? 'polite' : null },
    fill ? h('p', { class: 'card-loading' }, t('app.loading')) : emptyState(t(c.key + '.hint'), 'sm'));
  if (fill) {
    cyclesP.then(
      (list) => body.replaceChildren(fill(list) || emptyState(t(c.key + '.hint'), 'sm')),
      (err) => body.replaceChildren(emptyState(errorMessage(err), 'sm')));
  }
  return h('article', { class: 'card', 'data-card': c.id, 'aria-labelledby': titleId },
    h('header', { class: 'card-head' },
      h('span', { class: 'card-icon' }, icon(c.icon)),
      h('h3', { class: 'card-title', id: titleId }, t(c.key)),
      c.link ? h('a', { class: 'card-link', href: '#' + PAGES[c.link].path },
        t('dashboard.card.open', { page: t(PAGES[c.link].key) })) : null),
    body);
}

function shortcuts(role) {
  const pages = navFor(role).filter((p) => p.id !== 'dashboard');
  return h('section', { class: 'shortcuts', 'aria-labelledby': 'shortcuts-title' },
    h('h2', { class: 'section-title', id: 'shortcuts-title' }, t('dashboard.shortcuts')),
    h('ul', { class: 'shortcut-list' },
      pages.map((p) => h('li', null,
        h('a', { class: 'shortcut', href: '#' + p.path },
          h('span', { class: 'shortcut-icon' }, icon(p.icon)),
          h('span', { class: 'shortcut-text' },
            h('span', { class: 'shortcut-title' }, t(p.key)),
            h('span', { class: 'shortcut-desc' }, t('page.' + p.id + '.desc'))))))));
}

/* ctx: { user: the /api/v1/me user object, refreshCycles: () → Promise<cycles> }. */
export function dashboardView({ user, refreshCycles }) {
  const role = user.role;
  const name = user.display_name || user.login;
  const unitName = role === 'unit' && user.unit && user.unit.name;
  const welcome = unitName && !name.includes(unitName)
    ? t('dashboard.welcomeUnit', { name, unit: unitName })
    : t('dashboard.welcome', { name });
  const cards = CARDS[role] || [];
  let cyclesP = null;
  if (cards.some((c) => FROM_CYCLES[c.id])) {
    cyclesP = refreshCycles();
    cyclesP.catch(() => { /* shown in the cards */ });
  }

  return {
    title: t('nav.dashboard'),
    node: h('div', { class: 'page page-dashboard', 'data-page': 'dashboard', 'data-role': role },
      pageHead(t('nav.dashboard'), null,
        h('p', { class: 'welcome' },
          h('span', { class: 'welcome-name' }, welcome), ' ',
          h('span', { class: 'welcome-date' }, t('dashboard.today', { date: formatDate(new Date()) }))),
        h('p', { class: 'page-desc' }, t('dashboard.intro.' + role))),
      h('section', { class: 'summary', 'aria-labelledby': 'summary-title' },
        h('h2', { class: 'section-title', id: 'summary-title' }, t('dashboard.summary')),
        h('div', { class: 'cards cards-' + cards.length }, cards.map((c) => card(c, cyclesP)))),
      shortcuts(role)),
  };
}
