// web/js/views/scoringtext.js — the report pane of the scoring page: the unit's report text
// by sections, with evidence passages and the current indicator's keyword passages painted
// over it, and the reader's selection turned into offsets.
// Owns: rendering the text once (one paragraph per non-blank line, a coloured marker
// "一、主要举措和成效" above the paragraph where each part found begins, headings styled when
// the reply names them) and a 跳转到 list of the parts and headings; painting ranges —
// evidence (all of the sheet's, the current indicator's stronger), the current indicator's
// keyword passages and their keyword hits — by cutting only the paragraphs whose ranges
// changed into segments (<span data-o="start">, so every piece of text knows its offset);
// selection() (the reader's selection inside the text as code-point offsets, trimmed of white
// space, or null); scrollToRange() (scroll a passage into view and flash it) and quote().
// Offsets are Unicode code points of report.text, as the server counts them; JavaScript
// strings count UTF-16 units, so a prefix table converts when the text has characters outside
// the Basic Multilingual Plane.

import { h } from '../dom.js';
import { t } from '../i18n.js';

const NUMERALS = ['一', '二', '三', '四', '五', '六'];
const SPACE_RE = /\s/;

/* Code points ↔ UTF-16 indices of text. Returns { cpLength, toU16(cp), cpOf(u16) }. */
export function codePoints(text) {
  if (!/[\uD800-\uDBFF]/.test(text)) {
    return { cpLength: text.length, toU16: (cp) => cp, cpOf: (i) => i };
  }
  const table = [];
  for (let i = 0; i < text.length;) {
    table.push(i);
    i += text.codePointAt(i) > 0xffff ? 2 : 1;
  }
  table.push(text.length);
  const cpOf = (u16) => {
    let lo = 0;
    let hi = table.length - 1;
    while (lo < hi) { // the first cp whose index is ≥ u16
      const mid = (lo + hi) >> 1;
      if (table[mid] < u16) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
  return { cpLength: table.length - 1, toU16: (cp) => table[Math.max(0, Math.min(cp, table.length - 1))], cpOf };
}

/* The code-point length of s. */
export function cpLen(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n += 1;
  }
  return n;
}

/* The report pane. report: the scoring reply's report {id, version, filename, text, sections,
 * headings?}; onSelect(has): called when a usable selection appears in the text or goes away.
 * Returns { node, setRanges({evidence, hints, hits}), selection(), clearSelection(),
 * scrollToRange(start, end), quote(start, end), length }. Ranges: {start, end, current?}. */
export function reportPane(report, { onSelect } = {}) {
  const text = typeof report.text === 'string' ? report.text : '';
  const cps = codePoints(text);
  const body = h('div', { class: 'doc-body sc-doc', id: 'sc-text', lang: 'zh-CN' });
  const jump = h('select', { class: 'control sc-jump', id: 'sc-jump', 'aria-label': t('scoring.jump') });
  const scroller = h('div', { class: 'sc-doc-scroll', tabindex: '0', 'aria-label': t('scoring.reportText') }, body);
  const paras = []; // {start, end, el, sig}
  const anchors = []; // [label, element] for the jump list

  // ── render the text once ──
  const sections = (Array.isArray(report.sections) ? report.sections : [])
    .map((s, i) => ({ ...s, i }))
    .filter((s) => s.found && typeof s.start === 'number')
    .sort((a, b) => a.start - b.start);
  const headings = (Array.isArray(report.headings) ? report.headings : [])
    .filter((x) => typeof x.start === 'number')
    .sort((a, b) => a.start - b.start);
  let si = 0;
  let hi = 0;
  let cp = 0;
  const lines = text.split('\n');
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li];
    const len = cpLen(line);
    const end = cp + len;
    if (line.trim()) {
      // parts that begin before the end of this line get their marker above it
      while (si < sections.length && sections[si].start <= end) {
        const s = sections[si];
        const label = `${NUMERALS[s.i] || s.i + 1}、${s.name}`;
        const m = h('div', { class: 'section-marker section-' + s.code, 'data-section': s.code, id: 'sc-part-' + s.code },
          h('span', { class: 'section-marker-label' }, label));
        body.append(m);
        anchors.push([label, m, 'part']);
        si += 1;
      }
      const p = h('p', { class: 'doc-p', 'data-start': String(cp) });
      while (hi < headings.length && headings[hi].start < end) {
        const hd = headings[hi];
        if (hd.start >= cp - 1 && !p.id) {
          p.className = 'doc-p doc-h doc-h' + Math.min(3, hd.level || 1);
          p.id = 'sc-heading-' + hi;
          anchors.push([hd.text || line.trim(), p, 'heading', hd.level || 1]);
        }
        hi += 1;
      }
      p.append(segment(cp, line));
      body.append(p);
      paras.push({ start: cp, end, el: p, sig: '' });
    }
    cp = end + 1;
  }
  if (!paras.length) body.append(h('p', { class: 'text-subtle' }, t('scoring.reportEmpty')));

  jump.append(h('option', { value: '' }, t('scoring.jumpTo')));
  anchors.forEach(([label, , kind, level], i) => {
    const prefix = kind === 'heading' ? '\u2003'.repeat(Math.max(0, level)) : '';
    jump.append(h('option', { value: String(i) }, prefix + label));
  });
  jump.hidden = !anchors.length;
  jump.addEventListener('change', () => {
    const a = anchors[Number(jump.value)];
    if (a) { scrollIntoPane(a[1], 'start'); flash([a[1]]); }
    jump.value = '';
  });

  function segment(start, str, cls) {
    return h('span', { class: cls || null, 'data-o': String(start) }, str);
  }

  /* The index of the first paragraph whose end is after cp. */
  function firstPara(cpAt) {
    let lo = 0;
    let hi2 = paras.length;
    while (lo < hi2) {
      const mid = (lo + hi2) >> 1;
      if (paras[mid].end <= cpAt) lo = mid + 1; else hi2 = mid;
    }
    return lo;
  }

  /* Repaints paragraph p with its clipped ranges [{start, end, cls}]. */
  function paint(p, ranges) {
    const sig = ranges.map((r) => `${r.start}-${r.end}-${r.cls}`).join('|');
    if (sig === p.sig) return;
    p.sig = sig;
    const cuts = new Set([p.start, p.end]);
    for (const r of ranges) { cuts.add(r.start); cuts.add(r.end); }
    const points = [...cuts].sort((a, b) => a - b);
    const lineText = text.slice(cps.toU16(p.start), cps.toU16(p.end));
    const base = cps.toU16(p.start);
    const nodes = [];
    for (let i = 0; i < points.length - 1; i++) {
      const a = points[i];
      const b = points[i + 1];
      if (b <= a) continue;
      const cls = new Set();
      for (const r of ranges) if (r.start <= a && r.end >= b) for (const c of r.cls.split(' ')) cls.add(c);
      nodes.push(segment(a, lineText.slice(cps.toU16(a) - base, cps.toU16(b) - base), cls.size ? [...cls].join(' ') : null));
    }
    p.el.replaceChildren(...nodes);
  }

  /* Paints the ranges: evidence [{start, end, current}], hints (passages) and hits (keywords). */
  function setRanges({ evidence = [], hints = [], hits = [] }) {
    const buckets = paras.map(() => []);
    const add = (r, cls) => {
      if (!(r.end > r.start)) return;
      for (let i = firstPara(r.start); i < paras.length && paras[i].start < r.end; i++) {
        const p = paras[i];
        const s = Math.max(r.start, p.start);
        const e = Math.min(r.end, p.end);
        if (e > s) buckets[i].push({ start: s, end: e, cls });
      }
    };
    for (const r of hints) add(r, 'sc-hint');
    for (const r of hits) add(r, 'sc-kw');
    for (const r of evidence) add(r, r.current ? 'sc-ev sc-ev-cur' : 'sc-ev');
    paras.forEach((p, i) => paint(p, buckets[i]));
  }

  /* The segments inside [start, end). */
  function segmentsIn(start, end) {
    const out = [];
    for (let i = firstPara(start); i < paras.length && paras[i].start < end; i++) {
      for (const sp of paras[i].el.children) {
        const o = Number(sp.dataset.o);
        if (o >= start && o < end) out.push(sp);
        else if (o < start && o + cpLen(sp.textContent) > start) out.push(sp);
      }
    }
    return out;
  }

  let flashed = []; // the elements flashed last (they keep the class until the next flash)
  function flash(els) {
    for (const el of flashed) el.classList.remove('is-flash');
    if (els.length) void els[0].offsetWidth; // restart the animation
    for (const el of els) el.classList.add('is-flash');
    flashed = els;
  }

  function scrollIntoPane(el, block = 'center') {
    const top = el.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop;
    const want = block === 'start' ? top - 12 : top - scroller.clientHeight / 3;
    scroller.scrollTop = Math.max(0, want);
  }

  /* Scrolls the passage [start, end) into view and flashes it. */
  function scrollToRange(start, end) {
    const spans = segmentsIn(start, Math.max(end, start + 1));
    if (!spans.length) return false;
    scrollIntoPane(spans[0]);
    flash(spans);
    return true;
  }

  // ── selection → offsets ──
  const segOf = (node) => {
    const el = node.nodeType === 1 ? node : node.parentElement;
    const sp = el ? el.closest('[data-o]') : null;
    return sp && body.contains(sp) ? sp : null;
  };
  const walker = () => document.createTreeWalker(body, NodeFilter.SHOW_ELEMENT,
    { acceptNode: (n) => (n.dataset && n.dataset.o !== undefined ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP) });
  const segEnd = (sp) => Number(sp.dataset.o) + cpLen(sp.textContent);

  /* The node just after the position (node, off) in document order, or null at the end. */
  function after(node, off) {
    if (node.nodeType === 1 && node.childNodes[off]) return node.childNodes[off];
    let n = node;
    while (n && n !== body && !n.nextSibling) n = n.parentNode;
    return n && n !== body ? n.nextSibling : null;
  }

  /* The offset of a selection boundary; asStart: the boundary opens the selection. */
  function offsetAt(node, off, asStart) {
    const sp = segOf(node);
    if (sp) {
      if (node.nodeType === 3) return Number(sp.dataset.o) + cpLen(node.data.slice(0, off));
      return off === 0 ? Number(sp.dataset.o) : segEnd(sp);
    }
    const next = after(node, off);
    const w = walker();
    if (asStart) {
      if (!next) return cps.cpLength;
      w.currentNode = next;
      const first = next.dataset && next.dataset.o !== undefined ? next : w.nextNode();
      return first ? Number(first.dataset.o) : cps.cpLength;
    }
    // the end of the last segment before the position
    let prev = null;
    if (next) {
      w.currentNode = next;
      prev = w.previousNode();
      while (prev && prev.contains(next)) prev = w.previousNode();
    } else {
      w.currentNode = body;
      let n = w.lastChild();
      while (n) { prev = n; n = w.lastChild(); }
      if (prev && !(prev.dataset && prev.dataset.o !== undefined)) prev = null;
    }
    return prev ? segEnd(prev) : 0;
  }

  /* The reader's selection inside the text: { start, end, quote } in code points, trimmed of
   * white space; null when there is none (or it lies outside the text). */
  function selection() {
    const sel = document.getSelection();
    if (!sel || !sel.rangeCount || sel.isCollapsed) return null;
    const r = sel.getRangeAt(0);
    if (!r.intersectsNode(body)) return null;
    const inStart = body.contains(r.startContainer);
    const inEnd = body.contains(r.endContainer);
    let start = inStart ? offsetAt(r.startContainer, r.startOffset, true) : 0;
    let end = inEnd ? offsetAt(r.endContainer, r.endOffset, false) : cps.cpLength;
    const u = (x) => text.slice(cps.toU16(x), cps.toU16(x + 1));
    while (start < end && SPACE_RE.test(u(start))) start += 1;
    while (end > start && SPACE_RE.test(u(end - 1))) end -= 1;
    if (end <= start) return null;
    return { start, end, quote: quote(start, end) };
  }

  function quote(start, end) {
    return text.slice(cps.toU16(start), cps.toU16(end));
  }

  let had = false;
  const onSelChange = () => {
    if (!body.isConnected) { document.removeEventListener('selectionchange', onSelChange); return; }
    const has = !!selection();
    if (has !== had) {
      had = has;
      if (onSelect) onSelect(has);
    }
  };
  document.addEventListener('selectionchange', onSelChange);

  const meta = [report.filename, report.version ? t('scoring.reportVersion', { version: report.version }) : null].filter(Boolean).join(' · ');
  const node = h('section', { class: 'sc-pane sc-report', 'aria-label': t('scoring.reportPane') },
    h('div', { class: 'sc-pane-head' },
      h('h2', { class: 'sc-pane-title' }, t('scoring.reportPane')),
      h('span', { class: 'sc-pane-meta', title: meta }, meta),
      jump),
    scroller);

  return {
    node,
    setRanges,
    selection,
    clearSelection: () => { const s = document.getSelection(); if (s) s.removeAllRanges(); },
    scrollToRange,
    quote,
    length: cps.cpLength,
  };
}
