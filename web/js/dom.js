// web/js/dom.js — tiny helpers to build DOM without innerHTML (so no markup injection and
// nothing the CSP would block). Owns h() for elements, icon() for the line icons, and the
// icon path table. Icons are drawn on a 24×24 grid with round 1.8px strokes.

const SVG_NS = 'http://www.w3.org/2000/svg';

/* h('a', {href: '#/x', class: 'nav', onclick: fn}, 'text', child, [more]) → element.
 * Attributes with null/false are skipped; true sets an empty attribute; on* functions
 * become event listeners; strings and numbers become text nodes. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.setAttribute('class', v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/* Removes all children of el, then appends children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

const ICONS = {
  dashboard: 'M3 11.5 12 4l9 7.5M5.5 10v10h5v-6h3v6h5V10',
  cycles: 'M4 6h16v14H4zM4 10.5h16M8.5 3.5v4M15.5 3.5v4M8 14h3M8 17h3M13 14h3',
  units: 'M4 20.5V5l8-2v17.5M12 8.5h8v12M2.5 20.5h19M7 8h2M7 12h2M7 16h2M15 12h2M15 16h2',
  indicators: 'M4 4h7v4H4zM13 10h7v4h-7zM13 17h7v4h-7zM7.5 8v11h5.5M7.5 12h5.5',
  assignments: 'M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7zM3 20v-1a6 6 0 0 1 12 0v1M16 9.5h6M19 6.5l3 3-3 3',
  results: 'M4 20.5h16M7 20.5V12M12 20.5V5M17 20.5V9',
  users: 'M12 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4.5 21v-1a7.5 7.5 0 0 1 15 0v1',
  audit: 'M6 3h9l4 4v14H6zM15 3v4h4M9 11h7M9 14.5h7M9 18h4',
  reviews: 'M9 3.5h6v3H9zM7 5H5v16h14V5h-2M8.5 13.5l2.5 2.5 4.5-4.5',
  compare: 'M3.5 5h7v15h-7zM13.5 5h7v15h-7zM6 9h2M6 12h2M16 9h2M16 12h2',
  report: 'M6 3h9l4 4v14H6zM15 3v4h4M12.5 18v-7M9.5 14l3-3 3 3',
  selfAssessment: 'M4 20h4L19 9l-4-4L4 16zM13 7l4 4',
  myResults: 'M12 14a5 5 0 1 0 0-10 5 5 0 0 0 0 10zM8.5 12.8 7 21l5-2.8 5 2.8-1.5-8.2',
  logout: 'M14 4h5v16h-5M10 8l-4 4 4 4M6 12h10',
  empty: 'M3 13.5 6 5h12l3 8.5V19H3zM3 13.5h5l1.2 2.5h5.6l1.2-2.5h5',
  clock: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 7v5l3.5 2',
  check: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM8 12.5l2.8 2.8L16.5 9.5',
  hourglass: 'M6 3h12M6 21h12M7 3c0 5 10 5 10 9s-10 4-10 9M17 3c0 5-10 5-10 9s10 4 10 9',
  progress: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 3v9h9',
  alert: 'M12 3 2 20.5h20zM12 9.5v5M12 17.5v.5',
  info: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 11v6M12 7.5v.5',
  lock: 'M6 10.5h12V21H6zM8.5 10.5V7.5a3.5 3.5 0 0 1 7 0v3M12 14.5v3',
  user: 'M12 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4.5 21v-1a7.5 7.5 0 0 1 15 0v1',
  globe: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM3 12h18M12 3c3 3.2 3 14.8 0 18M12 3c-3 3.2-3 14.8 0 18',
  close: 'M6 6l12 12M18 6 6 18',
  copy: 'M9 9h11v11H9zM5 15H4V4h11v1',
  plus: 'M12 5v14M5 12h14',
  search: 'M10.5 17.5a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM15.5 15.5 21 21',
  download: 'M12 3.5v11M7.5 10l4.5 4.5 4.5-4.5M4 16.5V20h16v-3.5',
  upload: 'M12 15V4M7.5 8.5 12 4l4.5 4.5M4 14.5V20h16v-5.5',
  archive: 'M4 4h16v4H4zM5.5 8v12h13V8M10 12h4',
  shield: 'M12 3 4.5 6v5.5c0 4.6 3.2 8.3 7.5 9.5 4.3-1.2 7.5-4.9 7.5-9.5V6zM8.8 12l2.2 2.2 4.3-4.4',
  monitor: 'M3.5 4.5h17v12h-17zM9 20.5h6M12 16.5v4',
  edit: 'M4 20h4L19 9l-4-4L4 16zM13 7l4 4',
  refresh: 'M20 11.5A8 8 0 1 0 17.7 17M20 5v6.5h-6.5',
};

/* A decorative line icon (aria-hidden); name must be a key of ICONS. */
export function icon(name, cls) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon' + (cls ? ' ' + cls : ''));
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const p = document.createElementNS(SVG_NS, 'path');
  p.setAttribute('d', ICONS[name] || ICONS.empty);
  svg.append(p);
  return svg;
}
