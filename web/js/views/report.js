// web/js/views/report.js — the report view (#/cycles/{id}/units/{code}/report, ?v=N for an
// older version, ?q=words to highlight them): one unit's annual report for the admin, the
// unit itself and the reviewers assigned to it (the server decides; others get 404).
// Owns: the page head (unit, cycle, version switcher from GET …/report/versions, 下载原文件,
// 上传新版本 for the admin and the unit while it may upload); the text (GET …/report or
// …/report/versions/{n}) rendered once into a DocumentFragment — one paragraph per line, the
// headings (level 1–3) styled and anchored, a coloured marker "一、主要举措和成效" where each
// part found begins (a block above the paragraph, or inline when the part starts mid-line),
// and the search words marked; the heading navigation on the left (click scrolls); the summary
// on the right (detected title, year, unit, characters, the five parts ✓/✗ — click scrolls
// to the part —, the warnings, the file). A 404 (no such report, or not this person's) shows
// "未找到该报告，或您无权查看" with what the role may read and the way back. Offsets from the API are Unicode code points;
// JavaScript strings index UTF-16 units, so each line is walked by code point to map them.

import { h, icon, replace } from '../dom.js';
import { t, errorMessage, formatDateTime, formatSize } from '../i18n.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { badge, notice } from '../ui.js';
import { pageHead } from './page.js';
import { phaseBadge } from './cycles.js';
import {
  reportPath, reportHref, sectionList, warningList, reportFacts, formatName,
} from './reportparts.js';

const NUMERALS = ['一', '二', '三', '四', '五', '六'];

/* The marker label of a section: "一、主要举措和成效". */
function sectionLabel(s, i) {
  return `${NUMERALS[i] || i + 1}、${s.name}`;
}

/* A RegExp matching any of the words of q (null for none). */
function wordsRegExp(q) {
  const words = (q || '').split(/\s+/).filter(Boolean).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (!words.length) return null;
  words.sort((a, b) => b.length - a.length);
  return new RegExp(words.join('|'), 'g');
}

/* Appends text to parent, with the matches of re wrapped in <mark>. */
function appendText(parent, text, re) {
  if (!re || !text) { parent.append(text); return; }
  re.lastIndex = 0;
  let at = 0;
  let m;
  while ((m = re.exec(text))) {
    if (m.index > at) parent.append(text.slice(at, m.index));
    parent.append(h('mark', { class: 'hit' }, m[0]));
    at = m.index + m[0].length;
    if (!m[0].length) re.lastIndex += 1;
  }
  if (at < text.length) parent.append(text.slice(at));
}

/* UTF-16 indices in line of the code-point offsets cps (sorted ascending, each ≤ the line's
 * code-point length). */
function cpIndices(line, cps) {
  const out = new Map();
  let cp = 0;
  let k = 0;
  for (let i = 0; i <= line.length && k < cps.length;) {
    while (k < cps.length && cps[k] === cp) { out.set(cps[k], i); k += 1; }
    if (i === line.length) break;
    const c = line.codePointAt(i);
    i += c > 0xffff ? 2 : 1;
    cp += 1;
  }
  return out;
}

const cpLength = (s) => {
  let n = 0;
  for (const _ of s) n += 1; // eslint-disable-line no-unused-vars
  return n;
};

/* Builds the document: { frag, headingEls: Map(index → element), sectionEls: Map(code →
 * element), hits }. */
export function buildDocument(report, q) {
  const text = typeof report.text === 'string' ? report.text : '';
  const re = wordsRegExp(q);
  const headings = (Array.isArray(report.headings) ? report.headings : []).map((hd, i) => ({ ...hd, i, kind: 'h' }));
  const sections = (Array.isArray(report.sections) ? report.sections : [])
    .map((s, i) => ({ ...s, i, kind: 's' }))
    .filter((s) => s.found && typeof s.start === 'number');
  // Sections first at the same offset, so the marker comes before the heading it names.
  const events = [...sections.map((s) => ({ at: s.start, ev: s })), ...headings.map((hd) => ({ at: hd.start, ev: hd }))]
    .filter((e) => typeof e.at === 'number' && e.at >= 0)
    .sort((a, b) => a.at - b.at || (a.ev.kind === 's' ? -1 : 1));
  const frag = document.createDocumentFragment();
  const headingEls = new Map();
  const sectionEls = new Map();

  const marker = (s, inline) => {
    const el = h(inline ? 'span' : 'div', {
      class: 'section-marker section-' + s.code + (inline ? ' is-inline' : ''), 'data-section': s.code, id: 'part-' + s.code,
    }, h('span', { class: 'section-marker-label' }, sectionLabel(s, s.i)),
    s.by === 'content' ? h('span', { class: 'section-marker-by' }, t('report.section.byContentShort')) : null);
    sectionEls.set(s.code, el);
    return el;
  };

  let e = 0;            // next event
  let pending = [];     // events that fell on blank lines: they open the next paragraph
  let cp = 0;           // code-point offset of the current line
  const lines = text.split('\n');
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li];
    const len = cpLength(line);
    const end = li === lines.length - 1 ? Infinity : cp + len; // an event on the newline opens the next line
    const mine = [];
    while (e < events.length && events[e].at < end) { mine.push(events[e]); e += 1; }
    if (!line.trim()) { pending.push(...mine); cp += len + 1; continue; }

    const p = h('p', { class: 'doc-p' });
    const lead = pending.map((x) => ({ at: 0, ev: x.ev }));
    pending = [];
    const indent = len - cpLength(line.trimStart()); // an event in the indentation is at the start
    const local = [...lead, ...mine.map((x) => {
      const at = Math.max(0, Math.min(x.at - cp, len));
      return { at: at <= indent ? 0 : at, ev: x.ev };
    })];
    if (!local.length) {
      appendText(p, line, re);
      frag.append(p);
      cp += len + 1;
      continue;
    }
    // Line-start events: section markers above the paragraph; a heading that fills the line
    // makes the paragraph a heading.
    const inline = [];
    for (const x of local) {
      if (x.at === 0 && x.ev.kind === 's') frag.append(marker(x.ev, false));
      else if (x.at === 0 && x.ev.kind === 'h' && cpLength(x.ev.text || '') >= cpLength(line.trim()) && !p.id) {
        p.className = 'doc-p doc-h doc-h' + Math.min(3, x.ev.level || 1);
        p.id = 'heading-' + x.ev.i;
        headingEls.set(x.ev.i, p);
      } else inline.push(x);
    }
    if (!inline.length) {
      appendText(p, line, re);
      frag.append(p);
      cp += len + 1;
      continue;
    }
    // Inline events: cut the line at their offsets (and at the end of inline headings).
    const cutSet = new Set([0, len]);
    for (const x of inline) {
      cutSet.add(x.at);
      if (x.ev.kind === 'h') cutSet.add(Math.min(len, x.at + cpLength(x.ev.text || '')));
    }
    const cuts = [...cutSet].sort((a, b) => a - b);
    const idx = cpIndices(line, cuts);
    for (let c = 0; c < cuts.length - 1; c++) {
      const a = cuts[c];
      const b = cuts[c + 1];
      let headingHere = null;
      for (const x of inline) {
        if (x.at !== a) continue;
        if (x.ev.kind === 's') p.append(marker(x.ev, true));
        else headingHere = x.ev;
      }
      const piece = line.slice(idx.get(a), idx.get(b));
      if (headingHere) {
        const span = h('span', { class: 'doc-h-inline doc-h' + Math.min(3, headingHere.level || 1), id: 'heading-' + headingHere.i });
        appendText(span, piece, re);
        headingEls.set(headingHere.i, span);
        p.append(span);
      } else appendText(p, piece, re);
    }
    frag.append(p);
    cp += len + 1;
  }
  for (const x of pending) if (x.ev.kind === 's') frag.append(marker(x.ev, false));
  return { frag, headingEls, sectionEls };
}

/* ctx: { user, cycleId, unitCode, version (null: current), route, refreshCycles }. */
export function reportView({ user, cycleId, unitCode, version, route, refreshCycles }) {
  const base = reportPath(cycleId, unitCode);
  const q = (route && route.query.get('q')) || '';
  const head = h('div', null, pageHead(t('report.title'), null));
  const tools = h('div', { class: 'report-tools' });
  const toc = h('nav', { class: 'report-toc', 'aria-label': t('report.toc') }, h('p', { class: 'card-loading' }, t('app.loading')));
  const doc = h('article', { class: 'report-doc', id: 'report-doc', 'aria-busy': 'true' }, h('p', { class: 'card-loading' }, t('app.loading')));
  const side = h('aside', { class: 'report-side', 'aria-label': t('report.summary') });
  const layout = h('div', { class: 'report-layout' }, toc, doc, side);

  function scrollTo(el) {
    if (!el) return;
    el.scrollIntoView({ block: 'start' });
    el.classList.remove('is-flash');
    void el.offsetWidth; // restart the highlight animation
    el.classList.add('is-flash');
  }

  function crumbs(cycle, unitName) {
    const parts = [];
    if (user.role === 'admin') parts.push(h('a', { href: '#/cycles' }, t('nav.cycles')), h('a', { href: '#/cycles/' + cycleId }, cycle ? cycle.title : '#' + cycleId));
    else if (user.role === 'unit') parts.push(h('a', { href: '#/report?cycle=' + cycleId }, t('nav.report')));
    else parts.push(h('span', null, cycle ? cycle.title : ''));
    parts.push(h('span', { 'aria-current': 'page' }, unitName));
    const out = [];
    parts.forEach((p, i) => { if (i) out.push(h('span', { 'aria-hidden': 'true' }, ' / ')); out.push(p); });
    return h('nav', { class: 'crumbs', 'aria-label': t('cycle.crumbs') }, out);
  }

  function renderToc(report, headingEls) {
    const hs = Array.isArray(report.headings) ? report.headings : [];
    if (!hs.length) {
      replace(toc, h('h2', { class: 'toc-title' }, t('report.toc')), h('p', { class: 'text-subtle toc-empty' }, t('report.noHeadings')));
      return;
    }
    const links = [];
    replace(toc, 
      h('h2', { class: 'toc-title' }, t('report.toc')),
      h('ol', { class: 'toc-list', id: 'report-toc' }, hs.map((hd, i) => {
        const a = h('a', {
          href: '#heading-' + i, class: 'toc-link toc-l' + Math.min(3, hd.level || 1), 'data-heading': String(i),
          onclick: (ev) => {
            ev.preventDefault(); // the hash is the router's
            for (const l of links) l.removeAttribute('aria-current');
            a.setAttribute('aria-current', 'location');
            scrollTo(headingEls.get(i));
          },
        }, h('span', { class: 'toc-text' }, hd.text));
        links.push(a);
        return h('li', null, a);
      })));
  }

  function renderSide(report, sectionEls) {
    replace(side, 
      h('section', { class: 'side-block' },
        h('h2', { class: 'side-title' }, t('report.detected')), reportFacts(report)),
      h('section', { class: 'side-block' },
        h('h2', { class: 'side-title' }, t('report.sections')),
        sectionList(report, { id: 'report-sections', onJump: (s) => scrollTo(sectionEls.get(s.code)) })),
      warningList(report, { id: 'report-warnings' }),
      h('section', { class: 'side-block' },
        h('h2', { class: 'side-title' }, t('report.file')),
        h('dl', { class: 'facts report-facts' },
          h('dt', null, t('versions.col.filename')), h('dd', { class: 'cell-file' }, report.filename || '—'),
          h('dt', null, t('versions.col.format')), h('dd', null, `${formatName(report.format)} · ${formatSize(report.size)}`),
          h('dt', null, t('versions.col.time')), h('dd', null, formatDateTime(report.uploaded_at),
            report.late ? h('span', null, ' ', badge(t('versions.late'), 'warn')) : null),
          h('dt', null, t('versions.col.by')), h('dd', null, report.uploaded_by ? report.uploaded_by.display_name || report.uploaded_by.login : '—'))));
  }

  function renderTools(report, versions, cycle) {
    const nodes = [];
    if (versions.length > 1) {
      const sel = h('select', { id: 'report-version', class: 'control' },
        versions.map((v) => h('option', { value: String(v.version), selected: v.version === report.version },
          t(v.current ? 'report.versionCurrent' : 'report.versionOption', { version: v.version, time: formatDateTime(v.uploaded_at) }))));
      sel.addEventListener('change', () => {
        const v = versions.find((x) => String(x.version) === sel.value);
        navigate(reportHref(cycleId, unitCode, v && !v.current ? v.version : null).slice(1) + (q ? (v && !v.current ? '&' : '?') + 'q=' + encodeURIComponent(q) : ''));
      });
      nodes.push(h('label', { class: 'toolbar-label', for: 'report-version' }, t('report.version')), sel);
    } else {
      nodes.push(h('span', { class: 'version-chip', id: 'report-version-chip' }, t('versions.version', { version: report.version })));
    }
    nodes.push(h('a', {
      class: 'btn btn-secondary', id: 'report-download', href: `${base}/versions/${report.version}/file`, download: report.filename || true,
    }, icon('download'), h('span', null, t('report.download'))));
    // As the daemon allows it: the admin up to the review phase, the unit while submitting.
    const phase = cycle ? cycle.phase : null;
    const canUpload = user.role === 'admin' ? ['draft', 'submission', 'review'].includes(phase) : user.role === 'unit' && phase === 'submission';
    if (canUpload) {
      const href = user.role === 'admin' ? `#/cycles/${cycleId}/units/${encodeURIComponent(unitCode)}/upload` : '#/report?cycle=' + cycleId;
      nodes.push(h('a', { class: 'btn btn-primary', id: 'report-upload', href }, icon('report'), h('span', null, t('report.uploadNew'))));
    }
    replace(tools, ...nodes);
  }

  /* The answer to a 404: no such report, or not this person's to read (the server does not
   * say which, on purpose), what each role may read, and the way back. */
  function refusal() {
    const role = ['admin', 'reviewer', 'unit'].includes(user.role) ? user.role : 'reviewer';
    const back = {
      admin: ['#/cycles/' + cycleId, t('report.backAdmin')],
      unit: ['#/report?cycle=' + cycleId, t('report.backUnit')],
      reviewer: ['#/dashboard', t('notFound.back')],
    }[role];
    return h('div', { class: 'notice notice-warn report-refusal', role: 'alert', id: 'report-error' },
      icon('lock'),
      h('div', { class: 'notice-text' },
        h('p', { class: 'notice-strong' }, t('report.notFound')),
        h('p', null, t('report.notFoundHint.' + role)),
        h('p', null, h('a', { href: back[0], id: 'report-back' }, back[1]))));
  }

  async function load() {
    const textP = api.get(version ? `${base}/versions/${version}` : base);
    // Only once the report is there (a 404 here would only repeat the text's).
    const versionsP = textP.then(() => api.get(base + '/versions')).catch(() => null);
    const cyclesP = refreshCycles().catch(() => []);
    const unitsP = api.get(`/api/v1/cycles/${encodeURIComponent(cycleId)}/units`).catch(() => null);
    let reply;
    try {
      reply = await textP;
    } catch (err) {
      doc.removeAttribute('aria-busy');
      const [cycles, unitsReply] = await Promise.all([cyclesP, unitsP]);
      const cycle = cycles.find((c) => c.id === cycleId) || null;
      const unit = unitsReply && Array.isArray(unitsReply.units) ? unitsReply.units.find((u) => u.code === unitCode) : null;
      replace(head, crumbs(cycle, unit ? unit.name : unitCode), pageHead(unit ? unit.name : t('report.title'), cycle ? cycle.title : null));
      layout.classList.add('is-bare');
      toc.replaceChildren();
      side.replaceChildren();
      replace(doc, err.code === 'E_NOT_FOUND' ? refusal() : notice('error', errorMessage(err), { id: 'report-error' }));
      return;
    }
    const report = reply && (reply.report || reply.version) ? reply.report || reply.version : reply;
    const [versionsReply, cycles, unitsReply] = await Promise.all([versionsP, cyclesP, unitsP]);
    const versions = versionsReply && Array.isArray(versionsReply.versions) ? versionsReply.versions : [];
    const cycle = cycles.find((c) => c.id === cycleId) || null;
    const unit = unitsReply && Array.isArray(unitsReply.units) ? unitsReply.units.find((u) => u.code === unitCode) : null;
    const unitName = unit ? unit.name : report.unit_name || unitCode;
    document.title = unitName + ' · ' + t('report.title') + ' · ' + t('app.name');

    replace(head, crumbs(cycle, unitName),
      pageHead(unitName, cycle ? t('report.desc', { cycle: cycle.title }) : null, cycle ? phaseBadge(cycle.phase) : null));
    renderTools(report, versions, cycle);

    const built = buildDocument(report, q);
    const hits = built.frag.querySelectorAll('mark.hit').length;
    doc.removeAttribute('aria-busy');
    const older = versions.length && report.version !== Math.max(...versions.map((v) => v.version));
    replace(doc, 
      older ? notice('warn', t('report.olderVersion', { version: report.version }), { id: 'report-older' }) : null,
      q ? notice('info', t(hits ? 'report.hits' : 'report.noHits', { q, count: hits }), { id: 'report-hits' }) : null,
      h('header', { class: 'doc-head' },
        h('p', { class: 'doc-title' }, report.title || unitName),
        h('p', { class: 'doc-meta' }, t('report.docMeta', { version: report.version, chars: report.chars ?? 0 }))),
      h('div', { class: 'doc-body', id: 'report-text' }, built.frag));
    renderToc(report, built.headingEls);
    renderSide(report, built.sectionEls);
    if (hits) {
      const first = doc.querySelector('mark.hit');
      requestAnimationFrame(() => first.scrollIntoView({ block: 'center' }));
    }
  }

  load();

  return {
    title: t('report.title'),
    node: h('div', { class: 'page page-report', 'data-page': 'report-view' },
      h('div', { class: 'report-top' }, head, tools),
      layout),
  };
}
