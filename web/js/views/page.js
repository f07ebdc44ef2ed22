// web/js/views/page.js — the standard page frame and the pages not built yet.
// Owns: pageHead() (title + one-line description; the <h1> takes focus after navigation),
// emptyState() ("暂无数据" with a hint), placeholderView() for a page that later work fills
// in, and notFoundView() for unknown or not-permitted routes.

import { h, icon } from '../dom.js';
import { t } from '../i18n.js';

export function pageHead(title, desc, ...extra) {
  return h('header', { class: 'page-head' },
    h('h1', { class: 'page-title', tabindex: '-1' }, title),
    desc ? h('p', { class: 'page-desc' }, desc) : null,
    extra);
}

/* The empty state: an icon, "暂无数据" and an optional hint. size: 'lg' (page) or 'sm' (card). */
export function emptyState(hint, size = 'lg') {
  return h('div', { class: 'empty empty-' + size },
    icon('empty', 'empty-icon'),
    h('p', { class: 'empty-title' }, t('page.empty')),
    hint ? h('p', { class: 'empty-hint' }, hint) : null);
}

/* A page of the navigation that has no content yet: its title, what it is for, and an
 * empty panel. page is an entry of nav.js PAGES with its id. */
export function placeholderView(page) {
  return {
    title: t(page.key),
    node: h('div', { class: 'page', 'data-page': page.id },
      pageHead(t(page.key), t('page.' + page.id + '.desc')),
      h('section', { class: 'panel', 'aria-label': t(page.key) },
        emptyState(t('page.' + page.id + '.hint')))),
  };
}

export function notFoundView() {
  return {
    title: t('notFound.title'),
    node: h('div', { class: 'page', 'data-page': 'not-found' },
      pageHead(t('notFound.title'), t('notFound.desc')),
      h('p', null, h('a', { class: 'btn btn-primary', href: '#/dashboard' }, t('notFound.back')))),
  };
}
