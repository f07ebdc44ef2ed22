// web/js/views/dashboard.js — 工作台, the first page after login, one per role.
// Owns: the welcome line, the summary cards of each role (each with its empty state until
// later work feeds it data), and the "other pages" shortcuts built from the role's nav.
// Cards: admin 考核周期 / 被考核单位 / 评审进度; reviewer 待评审 / 已提交;
// unit 本单位报告 / 截止时间.

import { h, icon } from '../dom.js';
import { t, formatDate } from '../i18n.js';
import { navFor, PAGES } from '../nav.js';
import { pageHead, emptyState } from './page.js';

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

function card(c) {
  const titleId = 'card-' + c.id;
  return h('article', { class: 'card', 'data-card': c.id, 'aria-labelledby': titleId },
    h('header', { class: 'card-head' },
      h('span', { class: 'card-icon' }, icon(c.icon)),
      h('h3', { class: 'card-title', id: titleId }, t(c.key)),
      c.link ? h('a', { class: 'card-link', href: '#' + PAGES[c.link].path },
        t('dashboard.card.open', { page: t(PAGES[c.link].key) })) : null),
    h('div', { class: 'card-body' }, emptyState(t(c.key + '.hint'), 'sm')));
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

/* user: the /api/v1/me user object. */
export function dashboardView(user) {
  const role = user.role;
  const name = user.display_name || user.login;
  const unitName = role === 'unit' && user.unit && user.unit.name;
  const welcome = unitName && !name.includes(unitName)
    ? t('dashboard.welcomeUnit', { name, unit: unitName })
    : t('dashboard.welcome', { name });
  const cards = CARDS[role] || [];

  return {
    title: t('nav.dashboard'),
    node: h('div', { class: 'page page-dashboard', 'data-page': 'dashboard', 'data-role': role },
      pageHead(t('nav.dashboard'), null,
        h('p', { class: 'welcome' },
          h('span', { class: 'welcome-name' }, welcome), ' ',
          h('span', { class: 'welcome-date' }, t('dashboard.today', { date: formatDate(new Date()) }))),
        h('p', { class: 'page-desc' }, t('dashboard.intro.' + role))),
      user.must_change_password
        ? h('div', { class: 'notice notice-warn', role: 'status' }, icon('alert'), h('span', null, t('dashboard.mustChangePassword')))
        : null,
      h('section', { class: 'summary', 'aria-labelledby': 'summary-title' },
        h('h2', { class: 'section-title', id: 'summary-title' }, t('dashboard.summary')),
        h('div', { class: 'cards cards-' + cards.length }, cards.map(card))),
      shortcuts(role)),
  };
}
