// web/js/views/resultshared.js — small pieces shared by the results pages (results.js: the
// ranking with its tabs, resulttrace.js: a unit's trace, resultstats.js: the reviewer
// statistics).
// Owns: the aggregation methods and their names; the default cycle of the results pages (the
// newest in 评审 / 公示 / 已结束); number formats (2 decimals, "—" for none); the rank text with
// ties ("2（并列）"); the grade badge (with 待定 for a unit at a quota's border and the veto
// code of a vetoed unit); the URL of the results pages; the reviewers' names of a cycle
// (from its assignments, for the trace's columns); and tabs (ARIA: ←/→/Home/End).

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { badge } from '../ui.js';

export const METHODS = ['mean', 'median', 'trimmed', 'normalized'];
/* The phases in which a cycle has results to show. */
export const RESULT_PHASES = ['review', 'publication', 'closed'];

/* The cycle to show: ?cycle=ID when it names one of cycles, else the newest in a results
 * phase, else the newest (cycles come newest first). null when there is none. */
export function resultsCycle(cycles, wanted) {
  if (wanted != null) {
    const c = cycles.find((x) => x.id === wanted);
    if (c) return c;
  }
  return cycles.find((c) => RESULT_PHASES.includes(c.phase)) || cycles[0] || null;
}

/* The cycle's official method (its settings' aggregation.method; mean by default). */
export function officialMethod(cycle) {
  const a = cycle && cycle.settings && cycle.settings.aggregation;
  return a && METHODS.includes(a.method) ? a.method : 'mean';
}

/* A number as shown in the tables: 2 decimals at most ("—" for null). */
export function num(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  return String(Math.round(n * 100) / 100);
}

/* A total: always 2 decimals ("—" for null). */
export function total(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  return n.toFixed(2);
}

/* "2" or "2（并列）"; "—" for no rank. */
export function rankText(rank, tied) {
  if (rank == null) return '—';
  return tied ? t('results.rankTied', { rank }) : String(rank);
}

/* The badge of a grade. bands: R.grades (highest first) to colour it by its place. */
export function gradeBadge(grade, bands) {
  if (!grade) return h('span', { class: 'text-subtle' }, '—');
  const names = (bands || []).map((b) => b.name);
  const i = names.indexOf(grade);
  const kind = i === 0 ? 'ok' : i > 0 && i === names.length - 1 ? 'warn' : 'info';
  const el = badge(grade, kind);
  el.dataset.grade = grade;
  return el;
}

/* The 等次 cell's content for a unit row u: its grade, 待定 when it sits at a quota's border
 * (with the band it missed, also as a tooltip), the veto code when a veto applied. */
export function gradeContent(u, bands) {
  const parts = [gradeBadge(u.grade, bands)];
  if (u.border) {
    const tip = t('results.borderTip', { band: u.border_grade || '', grade: u.grade || '' });
    const b = badge(t('results.border', { band: u.border_grade || '' }), 'warn');
    b.classList.add('badge-border');
    b.title = tip;
    b.dataset.border = u.border_grade || '';
    parts.push(b, h('span', { class: 'visually-hidden' }, tip));
  }
  if (u.vetoed_by) {
    const v = badge(t('results.vetoed', { code: u.vetoed_by }), 'off');
    v.classList.add('badge-veto');
    v.title = t('results.vetoedTip', { code: u.vetoed_by });
    v.dataset.veto = u.vetoed_by;
    parts.push(v);
  }
  return h('span', { class: 'grade-cell' }, parts);
}

/* The hash of the results page (tab and method only when not the defaults). */
export function resultsHash(cycleId, { method = null, tab = null, unit = null } = {}) {
  const q = new URLSearchParams({ cycle: String(cycleId) });
  if (method) q.set('method', method);
  if (tab && tab !== 'ranking') q.set('tab', tab);
  return '#/results' + (unit ? '/' + encodeURIComponent(unit) : '') + '?' + q.toString();
}

/* The export URL of cycleId in format (csv | xlsx | json) with method (null: official). */
export function exportHref(cycleId, format, method) {
  return `api/v1/cycles/${cycleId}/export.${format}` + (method ? '?method=' + method : '');
}

/* login → display name of the reviewers of cycleId (from its assignments); an empty map
 * when that fails (the logins are shown then). */
export async function reviewerNames(cycleId) {
  try {
    const reply = await api.get(`/api/v1/cycles/${cycleId}/assignments`);
    const list = reply && Array.isArray(reply.assignments) ? reply.assignments : [];
    return new Map(list.filter((a) => a.reviewer_name).map((a) => [a.reviewer, a.reviewer_name]));
  } catch {
    return new Map();
  }
}

/* code → name of the unit kinds (empty when the list cannot be read). */
export async function kindNames() {
  try {
    const reply = await api.get('/api/v1/unit-kinds');
    return new Map((reply && Array.isArray(reply.kinds) ? reply.kinds : []).map((k) => [k.code, k.name]));
  } catch {
    return new Map();
  }
}

/* ARIA tabs. ids: tab ids; label(id) → text; opts: { prefix, current, label, onSelect(id) }.
 * Returns { list: the tablist, panels: {id: panel}, select(id) }. */
export function tabs(ids, { prefix, current, label, text, onSelect }) {
  const buttons = {};
  const panels = {};
  const list = h('div', { class: 'tabs', role: 'tablist', 'aria-label': label });
  let now = current;
  for (const id of ids) {
    const tabId = `${prefix}-tab-${id}`;
    const panelId = `${prefix}-tabpanel-${id}`;
    buttons[id] = h('button', {
      type: 'button', role: 'tab', id: tabId, class: 'tab', 'aria-controls': panelId, 'data-tab': id,
      'aria-selected': String(id === now), tabindex: id === now ? '0' : '-1',
      onclick: () => select(id),
    }, text(id));
    panels[id] = h('div', { role: 'tabpanel', id: panelId, class: 'tab-panel', 'aria-labelledby': tabId, hidden: id !== now });
    list.append(buttons[id]);
  }
  list.addEventListener('keydown', (ev) => {
    const i = ids.indexOf(now);
    let n = null;
    if (ev.key === 'ArrowRight') n = (i + 1) % ids.length;
    else if (ev.key === 'ArrowLeft') n = (i + ids.length - 1) % ids.length;
    else if (ev.key === 'Home') n = 0;
    else if (ev.key === 'End') n = ids.length - 1;
    if (n === null) return;
    ev.preventDefault();
    select(ids[n]);
    buttons[ids[n]].focus();
  });
  function select(id) {
    now = id;
    for (const k of ids) {
      buttons[k].setAttribute('aria-selected', String(k === id));
      buttons[k].tabIndex = k === id ? 0 : -1;
      panels[k].hidden = k !== id;
    }
    if (onSelect) onSelect(id);
  }
  return { list, panels, select, buttons };
}
