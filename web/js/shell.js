// web/js/shell.js — the frame around every page: skip link, header, left navigation, main.
// Owns: the header (emblem, 考评 / 法治政府建设考核平台, the current-cycle area, the user's
// name and role — a link to 账号安全 —, 退出登录, the language switch, the search box that
// opens 全文检索 #/search?q=…), the role's
// navigation with aria-current on the active item, and the <main id="main"> the views
// render into. Without a user (login page) the header shows only the brand and the language
// switch, and there is no nav. While the user must change the initial password (restricted)
// there is neither nav nor cycle, and the name is plain text.

import { h, icon, replace } from './dom.js';
import { t, getLang, setLang, LANGUAGES } from './i18n.js';
import { navFor } from './nav.js';

/* Builds the shell into root. opts: { user: /me user or null, restricted: bool,
 * onLogout: fn, footer: text }. Returns { main, setActive(pageId), setCycle(name) }. */
export function buildShell(root, { user, restricted = false, onLogout, footer }) {
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });

  const skip = h('a', {
    class: 'skip-link', href: '#main',
    // The hash is our router's; move focus instead of following the link.
    onclick: (ev) => { ev.preventDefault(); const target = main.querySelector('h1') || main; target.focus(); },
  }, t('app.skipLink'));

  const langSelect = h('select', { id: 'lang-select', class: 'lang-select', onchange: (ev) => setLang(ev.target.value) },
    LANGUAGES.map((l) => h('option', { value: l, selected: l === getLang() }, t('lang.' + l))));

  const name = user ? user.display_name || user.login : '';
  // "县委依法治县办 张明远" → 张: the initial of the last word, which is usually the person.
  const initial = name.trim().split(/\s+/).pop().slice(0, 1) || '?';
  const unitName = user && user.role === 'unit' && user.unit && user.unit.name;
  const roleText = user ? t('role.' + user.role) + (unitName && !name.includes(unitName) ? ' · ' + unitName : '') : '';

  const cycleValue = h('span', { class: 'cycle-value', id: 'current-cycle' }, t('header.cycleNone'));

  let searchForm = null;
  if (user && !restricted) {
    const searchInput = h('input', {
      type: 'search', id: 'header-search', class: 'header-search-input', maxlength: '200', autocomplete: 'off',
      placeholder: t('header.searchPlaceholder'),
    });
    searchForm = h('form', {
      class: 'header-search', role: 'search', 'aria-label': t('header.search'),
      onsubmit: (ev) => {
        ev.preventDefault();
        const q = searchInput.value.trim();
        location.hash = '/search' + (q ? '?q=' + encodeURIComponent(q) : '');
        searchInput.value = '';
      },
    },
    h('label', { class: 'visually-hidden', for: 'header-search' }, t('header.search')),
    icon('search'), searchInput);
  }

  const header = h('header', { class: 'topbar' },
    h('a', { class: 'brand', href: user ? '#/dashboard' : '#/login' },
      h('img', { class: 'brand-emblem', src: 'favicon.svg', alt: '', width: '30', height: '30' }),
      h('span', { class: 'brand-name' }, t('app.name')),
      h('span', { class: 'brand-full' }, t('app.fullName'))),
    user && !restricted ? h('div', { class: 'cycle-chip', 'data-slot': 'cycle' },
      h('span', { class: 'cycle-label' }, t('header.cycle')), cycleValue) : null,
    h('div', { class: 'topbar-spacer' }),
    searchForm,
    h('div', { class: 'lang-switch' },
      icon('globe'),
      h('label', { class: 'visually-hidden', for: 'lang-select' }, t('header.language')),
      langSelect),
    user ? h(restricted ? 'div' : 'a', {
      class: 'user-box', id: 'user-box',
      href: restricted ? null : '#/account',
      title: restricted ? null : t('header.account'),
      'aria-label': restricted ? t('header.userLabel') : null,
      role: restricted ? 'group' : null,
    },
    h('span', { class: 'avatar', 'aria-hidden': 'true' }, initial),
    h('span', { class: 'user-text' },
      h('span', { class: 'user-name', id: 'user-name' }, name),
      h('span', { class: 'user-role', id: 'user-role', 'data-role': user.role }, roleText)),
    restricted ? null : h('span', { class: 'visually-hidden' }, ' ', t('header.accountHint'))) : null,
    user ? h('button', { type: 'button', class: 'btn btn-ghost logout', id: 'logout', onclick: onLogout },
      icon('logout'), h('span', null, t('header.logout'))) : null);

  let nav = null;
  const links = new Map();
  if (user && !restricted) {
    nav = h('nav', { class: 'sidenav', 'aria-label': t('nav.label') },
      h('ul', { class: 'nav-list' },
        navFor(user.role).map((p) => {
          const a = h('a', { class: 'nav-link', href: '#' + p.path, 'data-nav': p.id },
            icon(p.icon), h('span', null, t(p.key)));
          links.set(p.id, a);
          return h('li', null, a);
        })));
  }

  const body = h('div', { class: !user ? 'layout layout-bare' : restricted ? 'layout layout-restricted' : 'layout' },
    nav,
    h('div', { class: 'main-col' }, main,
      h('footer', { class: 'app-footer' }, footer)));

  replace(root, skip, header, body);

  return {
    main,
    setActive(pageId) {
      for (const [id, a] of links) {
        if (id === pageId) a.setAttribute('aria-current', 'page');
        else a.removeAttribute('aria-current');
      }
    },
    setCycle(name) { cycleValue.textContent = name || t('header.cycleNone'); },
  };
}
