// web/js/views/scoring.js — the scoring page (#/cycles/C/units/U/scoring): a reviewer's score
// sheet for one unit, a unit's own self-assessment (自评, same page, no 回避), or — with
// ?sheet=ID — a sheet the admin opens read-only. U is a unit code, or "~ID" in a blind cycle.
// Owns: loading GET …/scoring (cycle, unit, report, rubric, sheet, hints, others, self) and
// laying the page out for 1366×768: a header (crumbs, the unit or its blind name, the cycle,
// the sheet's status, the save state 已保存 / 保存中 / 未保存 with 重试, 已评 n / m, the running
// total with what the rules did — N/A rescaling, caps, 扣完为止, veto — in a popover, 提交, 回避
// and the shortcut help), then two panes: the report (scoringtext.js) and the indicator tree
// (scoringtree.js). It joins them: the current indicator's evidence and keyword passages are
// painted over the report, a selection becomes evidence, 定位 / 可能相关的段落 scroll the report.
// Every change is saved by sheetsave.js (debounced, one request at a time, kept in
// localStorage until saved); unsaved changes found on load are restored when they were made
// on the version the server has, or else shown for review (应用 / 丢弃); a 409 stops saving
// with a clear message and 加载最新版本. The total shown is the server's when everything is
// saved and computed here (scoretotal.js) while changes are on their way. 提交 first lists
// what is incomplete, then asks, then locks the sheet (已提交 and the time); the server's 400
// names an indicator, which gets the focus. Keyboard (outside text fields): j / k or Alt+↓ /
// Alt+↑ next / previous indicator, n next keyword passage, s focus the score, e attach the
// selection, ? the help; Alt+↓ / Alt+↑ also work inside the score fields.

import { h, icon, replace } from '../dom.js';
import { t, errorMessage, errorText, formatDateTime, formatMinute } from '../i18n.js';
import { api } from '../api.js';
import { navigate, setLeaveGuard } from '../router.js';
import { button, openDialog, confirmDialog, badge, notice } from '../ui.js';
import { phaseBadge } from './cycles.js';
import { reportPane } from './scoringtext.js';
import { indicatorTree, buildEntries, blankItem, fmtNum } from './scoringtree.js';
import { sheetSaver, storedDrafts, draftKey } from './sheetsave.js';
import { localTotal } from './scoretotal.js';
import { recuseDialog, statusBadge } from './reviews.js';

const MAX_EVIDENCE = 20;
const MAX_QUOTE = 2000;

let active = null; // the cleanup of the scoring page on screen (one saver at a time)

const enc = encodeURIComponent;

/* Equal values of one member of an item (evidence compared by its offsets). */
function sameValue(member, a, b) {
  if (member === 'evidence') {
    const norm = (l) => (Array.isArray(l) ? l.map((e) => `${e.start}-${e.end}`).join(',') : '');
    return norm(a) === norm(b);
  }
  if (member === 'comment') return String(a || '') === String(b || '');
  if (member === 'na' || member === 'veto') return !!a === !!b;
  if (member === 'count') return Number(a || 0) === Number(b || 0);
  return (a == null ? null : Number(a)) === (b == null ? null : Number(b));
}

/* ctx: { user, cycleId, unitCode, sheetId (admin's read-only view), route, refreshCycles }. */
export function scoringView({ user, cycleId, unitCode, sheetId }) {
  if (active) active();
  active = null;
  const role = user.role;
  const isSelf = role === 'unit';
  const title = t(isSelf ? 'scoring.selfTitle' : 'scoring.title');
  const page = h('div', { class: 'page page-scoring', 'data-page': 'scoring' },
    h('p', { class: 'card-loading sc-loading' }, t('app.loading')));
  const base = `api/v1/cycles/${enc(cycleId)}/units/${enc(unitCode)}`;

  async function load() {
    if (active) active();
    active = null;
    let data;
    try {
      data = await api.get(`${base}/scoring${sheetId ? '?sheet=' + enc(sheetId) : ''}`);
    } catch (err) {
      replace(page, failure(err));
      return;
    }
    if (!data || !data.rubric) {
      replace(page, h('div', null, head(null, null),
        notice('warn', t('scoring.noRubric'), { id: 'sc-error' })));
      return;
    }
    build(data);
  }

  function backLink() {
    if (role === 'admin') return ['#/assignments', t('nav.assignments')];
    if (isSelf) return ['#/self-assessment', t('nav.selfAssessment')];
    return ['#/reviews', t('nav.reviews')];
  }

  function failure(err) {
    const [href, label] = backLink();
    const text = err.code === 'E_NOT_FOUND' ? t('scoring.notFound') : errorMessage(err);
    return h('div', null, head(null, null),
      h('div', { class: 'notice notice-' + (err.code === 'E_NOT_FOUND' ? 'warn' : 'error'), role: 'alert', id: 'sc-error' },
        icon(err.code === 'E_NOT_FOUND' ? 'lock' : 'alert'),
        h('div', { class: 'notice-text' },
          h('p', { class: 'notice-strong' }, text),
          err.code === 'E_NOT_FOUND' ? h('p', null, t('scoring.notFoundHint')) : null,
          h('p', null, err.code === 'E_NOT_FOUND' ? null : button(t('common.retry'), { kind: 'link', onclick: () => load() }),
            h('a', { href, id: 'sc-back' }, t('scoring.back', { page: label }))))));
  }

  /* The crumbs and the title line (data null while loading or after a failure). */
  function head(data, side) {
    const [href, label] = backLink();
    const cycle = data ? data.cycle : null;
    const crumbs = h('nav', { class: 'crumbs', 'aria-label': t('cycle.crumbs') },
      h('a', { href }, label), h('span', { 'aria-hidden': 'true' }, ' / '),
      h('span', { 'aria-current': 'page' }, cycle ? cycle.title : title));
    const unitName = data ? data.unit.name || data.unit.code : title;
    return h('header', { class: 'sc-head' },
      h('div', { class: 'sc-head-main' },
        crumbs,
        h('div', { class: 'sc-title-line' },
          h('h1', { class: 'page-title sc-title', tabindex: '-1', id: 'sc-title' }, isSelf && data ? t('scoring.selfOf', { unit: unitName }) : unitName),
          data ? h('span', { class: 'sc-badges', id: 'sc-badges' }) : null),
        data ? h('p', { class: 'sc-sub', id: 'sc-sub' }) : null),
      side);
  }

  function build(data) {
    const rubric = data.rubric;
    const unitKind = data.unit && data.unit.kind ? data.unit.kind : null;
    const step = Number(data.score_step ?? (data.cycle.settings || {}).score_step ?? (rubric.rules || {}).score_step) || 0.5;
    const commentBelow = Number(data.comment_below ?? (data.cycle.settings || {}).comment_below) || 0;
    const sheet = data.sheet;
    const editable = !!data.editable && role !== 'admin';
    const entries = buildEntries(rubric, unitKind, data.not_applicable);
    const items = {};
    for (const [code, it] of Object.entries(sheet && sheet.items ? sheet.items : {})) {
      items[code] = { ...blankItem(), ...it, evidence: Array.isArray(it.evidence) ? it.evidence.map((e) => ({ ...e })) : [] };
    }
    let serverTotal = sheet ? sheet.total : null;
    let status = sheet ? sheet.status : isSelf ? 'not_started' : 'assigned';
    let submittedAt = sheet ? sheet.submitted_at : null;
    let sheetKnownId = sheet ? sheet.id : null;
    const keyOf = (id) => draftKey({ login: user.login, cycleId, unit: unitCode, sheetId: id });
    const hasReport = !!(data.report && typeof data.report.text === 'string');

    // ── header pieces ──
    const saveChip = h('span', { class: 'sc-save is-saved', id: 'sc-save', role: 'status', 'aria-live': 'polite' });
    const progress = h('span', { class: 'sc-progress', id: 'sc-progress' });
    const totalSum = h('summary', { class: 'sc-total-sum' });
    const totalBody = h('div', { class: 'sc-total-pop', id: 'sc-total-steps' });
    const total = h('details', { class: 'sc-total', id: 'sc-total' }, totalSum, totalBody);
    const submitBtn = editable ? button(t(isSelf ? 'scoring.submitSelf' : 'scoring.submit'), { kind: 'primary', id: 'sc-submit', icon: 'check', onclick: () => submitFlow() }) : null;
    const recuseBtn = role === 'reviewer' && sheet && status !== 'submitted' && status !== 'recused'
      ? button(t('reviews.recuse'), { kind: 'secondary', id: 'sc-recuse', onclick: () => recuse() }) : null;
    const helpBtn = h('button', {
      type: 'button', class: 'btn btn-secondary sc-help-btn', id: 'sc-help-btn', 'aria-expanded': 'false', 'aria-controls': 'sc-help',
      title: t('scoring.help.title'), 'aria-label': t('scoring.help.title'), onclick: () => toggleHelp(),
    }, '?');
    const help = h('div', { class: 'sc-help', id: 'sc-help', role: 'region', 'aria-label': t('scoring.help.title'), hidden: true },
      h('h2', { class: 'sc-help-title' }, t('scoring.help.title')),
      h('dl', { class: 'sc-keys' },
        [['J / Alt+↓', 'scoring.help.next'], ['K / Alt+↑', 'scoring.help.prev'], ['N', 'scoring.help.passage'],
          ['S / Enter', 'scoring.help.score'], ['E', 'scoring.help.attach'], ['Esc', 'scoring.help.escape'], ['?', 'scoring.help.toggle']]
          .map(([k, m]) => [h('dt', null, h('kbd', null, k)), h('dd', null, t(m))])),
      h('p', { class: 'sc-help-note' }, t('scoring.help.note')));
    const side = h('div', { class: 'sc-head-side' }, editable ? saveChip : null, progress, total, submitBtn, recuseBtn, helpBtn, help);
    const banners = h('div', { class: 'sc-banners', id: 'sc-banners' });
    const header = head(data, side);

    // ── the panes ──
    let pane = null;
    let tree = null;
    let saver = null;

    function paintReport() {
      if (!pane) return;
      const cur = tree ? tree.current() : null;
      const evidence = [];
      for (const e of entries) {
        const it = items[e.code];
        if (it && Array.isArray(it.evidence)) for (const ev of it.evidence) evidence.push({ start: ev.start, end: ev.end, current: e.code === cur });
      }
      const hints = cur && data.hints && Array.isArray(data.hints[cur]) ? data.hints[cur] : [];
      pane.setRanges({
        evidence,
        hints: hints.map((x) => ({ start: x.start, end: x.end })),
        hits: hints.flatMap((x) => (Array.isArray(x.hits) ? x.hits : []).map(([s, e]) => ({ start: s, end: e }))),
      });
    }

    function change(code, member, value, now) {
      if (!saver) return;
      const sent = member === 'evidence' ? value.map((e) => ({ start: e.start, end: e.end })) : value;
      saver.set(code, member, sent, now);
      if (member === 'evidence') paintReport();
      updateTotals();
    }

    function attach(code) {
      const sel = pane ? pane.selection() : null;
      if (!sel) return t('scoring.evidence.noSelection');
      if (sel.end - sel.start > MAX_QUOTE) return t('scoring.evidence.tooLong', { max: MAX_QUOTE });
      const it = items[code] || (items[code] = blankItem());
      if (it.evidence.length >= MAX_EVIDENCE) return t('scoring.evidence.tooMany', { max: MAX_EVIDENCE });
      if (it.evidence.some((e) => e.start === sel.start && e.end === sel.end)) return t('scoring.evidence.duplicate');
      it.evidence = [...it.evidence, { start: sel.start, end: sel.end, quote: sel.quote }].sort((a, b) => a.start - b.start);
      change(code, 'evidence', it.evidence, true);
      pane.clearSelection();
      tree.refresh(code);
      return null;
    }

    if (hasReport) {
      pane = reportPane(data.report, { onSelect: (has) => { if (tree) tree.setSelectable(has && editable); } });
    }
    tree = indicatorTree({
      rubric, entries, items, editable, step, commentBelow, role,
      hints: data.hints || {}, self: data.self, others: data.others, hasReport,
      change, attach, flush: () => (saver ? saver.flush() : null),
      jumpTo: (s, e) => { if (pane) pane.scrollToRange(s, e); },
      quote: (s, e) => (pane ? pane.quote(s, e) : ''),
      onCurrent: () => paintReport(),
    });
    const left = pane ? pane.node : h('section', { class: 'sc-pane sc-report', 'aria-label': t('scoring.reportPane') },
      h('div', { class: 'sc-pane-head' }, h('h2', { class: 'sc-pane-title' }, t('scoring.reportPane'))),
      h('div', { class: 'sc-doc-scroll' }, notice('warn', t('scoring.noReport'), { id: 'sc-no-report' })));

    // ── header state ──
    function renderBadges() {
      const b = header.querySelector('#sc-badges');
      const list = [statusBadge(status, isSelf || (sheet && sheet.kind === 'self'))];
      if (data.unit.blind) list.push(badge(t('scoring.blind'), 'info'));
      replace(b, list);
      const sub = header.querySelector('#sc-sub');
      const parts = [data.cycle.title, phaseBadge(data.cycle.phase)];
      if (role === 'admin' && sheet && sheet.reviewer) parts.push(t('scoring.reviewerIs', { name: sheet.reviewer.display_name || sheet.reviewer.login }));
      if (data.cycle.review_deadline && role === 'reviewer' && status !== 'submitted') {
        parts.push(t('scoring.deadline', { time: formatMinute(data.cycle.review_deadline) }));
      }
      if (status === 'submitted' && submittedAt) parts.push(h('span', { id: 'sc-submitted-at' }, t('scoring.submittedAt', { time: formatDateTime(submittedAt) })));
      const selfTotal = data.self && data.self.total && typeof data.self.total.total === 'number' ? data.self.total.total : null;
      if (selfTotal != null && !isSelf) parts.push(t('scoring.selfTotal', { total: fmtNum(selfTotal) }));
      if (Array.isArray(data.others) && data.others.length) {
        parts.push(h('span', { id: 'sc-others-total' }, t('scoring.othersTotal', {
          totals: data.others.map((o) => (o.total && typeof o.total.total === 'number' ? fmtNum(o.total.total) : '—')).join(' / '),
        })));
      }
      replace(sub, parts.map((p, i) => [i ? h('span', { class: 'sc-sep', 'aria-hidden': 'true' }, '·') : null, p]));
    }

    function updateTotals() {
      const leaves = entries.filter((e) => e.kind === 'leaf' && e.applies);
      const done = leaves.filter((e) => items[e.code] && (items[e.code].na || items[e.code].points != null)).length;
      progress.textContent = t('scoring.progress', { done, total: leaves.length });
      progress.classList.toggle('is-complete', done === leaves.length);
      const estimate = !serverTotal || (saver && saver.hasUnsaved());
      const tot = estimate ? localTotal(rubric, items, unitKind) : serverTotal;
      const flags = [];
      if (Array.isArray(tot.excluded) && tot.excluded.length && tot.rescaled !== tot.base) flags.push(t('scoring.flag.rescaled'));
      if (tot.vetoed_by) flags.push(t('scoring.flag.veto', { code: tot.vetoed_by }));
      replace(totalSum,
        h('span', { class: 'sc-total-label' }, t('scoring.total')),
        h('strong', { class: 'sc-total-value', id: 'sc-total-value' }, fmtNum(tot.total)),
        h('span', { class: 'sc-total-unit' }, t('scoring.pointsUnit')),
        tot.grade ? h('span', { class: 'sc-grade' + (tot.vetoed_by ? ' is-veto' : ''), id: 'sc-grade' }, tot.grade) : null,
        flags.map((f) => h('span', { class: 'sc-flag' }, f)),
        estimate && saver && saver.hasUnsaved() ? h('span', { class: 'sc-estimate' }, t('scoring.estimate')) : null);
      replace(totalBody,
        h('p', { class: 'sc-total-title' }, t('scoring.totalSteps')),
        h('ol', { class: 'sc-steps' }, (tot.steps || []).map((s) => h('li', null, s))),
        h('dl', { class: 'sc-total-facts' },
          h('dt', null, t('scoring.fact.base')), h('dd', null, fmtNum(tot.base ?? 0)),
          h('dt', null, t('scoring.fact.bonus')), h('dd', null, '+' + fmtNum(tot.bonus ?? 0)),
          h('dt', null, t('scoring.fact.deduction')), h('dd', null, '−' + fmtNum(tot.deduction ?? 0))));
    }

    function setSaveState(state, info) {
      saveChip.className = 'sc-save is-' + state;
      const label = { saved: 'scoring.save.saved', saving: 'scoring.save.saving', unsaved: 'scoring.save.unsaved', conflict: 'scoring.save.conflict' }[state];
      const nodes = [icon(state === 'saved' ? 'check' : state === 'saving' ? 'refresh' : 'alert'), h('span', { class: 'sc-save-text' }, t(label))];
      if (state === 'unsaved' && info && info.error) {
        const offline = info.error.status === 0;
        const why = offline ? t('scoring.save.offline') : errorText(info.error);
        nodes.push(h('span', { class: 'sc-save-why', title: offline ? t('scoring.save.offlineHint') : why }, why));
        nodes.push(button(t('common.retry'), { kind: 'link', id: 'sc-retry', onclick: () => saver.retry() }));
      }
      replace(saveChip, nodes);
      updateTotals();
    }

    // ── drafts found on load ──
    function applyChanges(changes) {
      let n = 0;
      for (const [code, m] of Object.entries(changes)) {
        if (!entries.some((e) => e.code === code)) continue;
        const it = items[code] || (items[code] = blankItem());
        for (const [member, v] of Object.entries(m)) {
          if (member === 'evidence') {
            if (!Array.isArray(v)) continue;
            it.evidence = v.filter((e) => e && Number.isInteger(e.start) && Number.isInteger(e.end))
              .map((e) => ({ start: e.start, end: e.end, quote: pane ? pane.quote(e.start, e.end) : '' }));
            saver.set(code, 'evidence', it.evidence.map((e) => ({ start: e.start, end: e.end })), true);
          } else if (['points', 'comment', 'na', 'count', 'veto'].includes(member)) {
            it[member] = v;
            saver.set(code, member, v, true);
          } else continue;
          n += 1;
        }
      }
      return n;
    }

    function describeChange(code, member, v) {
      const e = entries.find((x) => x.code === code);
      const name = e ? `${code} ${e.node.name}` : code;
      let what;
      if (member === 'points') what = v == null ? t('scoring.draft.cleared') : t('scoring.draft.points', { n: fmtNum(v) });
      else if (member === 'comment') what = t('scoring.draft.comment', { text: String(v || '').slice(0, 40) || '—' });
      else if (member === 'na') what = t(v ? 'scoring.draft.naOn' : 'scoring.draft.naOff');
      else if (member === 'count') what = t('scoring.draft.count', { n: v });
      else if (member === 'veto') what = t(v ? 'scoring.draft.vetoOn' : 'scoring.draft.vetoOff');
      else if (member === 'evidence') what = t('scoring.draft.evidence', { n: Array.isArray(v) ? v.length : 0 });
      else what = member;
      return `${name}：${what}`;
    }

    function restoreDrafts() {
      if (!editable) return;
      const stored = storedDrafts(keyOf(sheetKnownId));
      if (!stored) return;
      const version = sheet ? sheet.version : 0;
      const differs = {};
      for (const [code, m] of Object.entries(stored.items)) {
        for (const [member, v] of Object.entries(m || {})) {
          const cur = items[code] ? items[code][member] : blankItem()[member];
          if (!sameValue(member, cur, v)) differs[code] = { ...(differs[code] || {}), [member]: v };
        }
      }
      if (!Object.keys(differs).length) { stored.take(); return; }
      if (stored.base === version) {
        stored.take(); // the saver keeps them under this tab's key until they are saved
        const n = applyChanges(differs);
        banners.append(notice('info', t('scoring.draft.restored', { n }), { id: 'sc-restored' }));
        tree.refreshAll();
        return;
      }
      // made on an older version: show them, let the reviewer decide (kept until then)
      const lines = [];
      for (const [code, m] of Object.entries(differs)) for (const [member, v] of Object.entries(m)) lines.push(describeChange(code, member, v));
      const box = h('div', { class: 'notice notice-warn sc-draft-conflict', role: 'alert', id: 'sc-draft-conflict' },
        icon('alert'),
        h('div', { class: 'notice-text' },
          h('p', { class: 'notice-strong' }, t('scoring.draft.conflictTitle', { n: lines.length })),
          h('p', null, t('scoring.draft.conflictHint')),
          h('ul', { class: 'sc-draft-list' }, lines.map((l) => h('li', null, l))),
          h('div', { class: 'sc-draft-actions' },
            button(t('scoring.draft.apply'), {
              kind: 'primary', class: 'btn btn-primary btn-sm', id: 'sc-draft-apply',
              onclick: () => { stored.take(); applyChanges(differs); box.remove(); tree.refreshAll(); paintReport(); updateTotals(); },
            }),
            button(t('scoring.draft.discard'), {
              kind: 'secondary', class: 'btn btn-secondary btn-sm', id: 'sc-draft-discard', onclick: () => { stored.take(); box.remove(); },
            }))));
      banners.append(box);
    }

    // ── saving ──
    if (editable) {
      saver = sheetSaver({
        path: `${base}/scores`,
        version: sheet ? sheet.version : 0,
        key: keyOf(sheetKnownId),
        onState: setSaveState,
        onSaved: (s, sent) => {
          serverTotal = s.total || serverTotal;
          status = s.status || status;
          if (!sheetKnownId && s.id) {
            sheetKnownId = s.id;
            saver.rekey(keyOf(s.id));
          }
          for (const code of Object.keys(sent)) {
            if (!('evidence' in sent[code]) || 'evidence' in saver.pending(code)) continue;
            const fromServer = s.items && s.items[code] ? s.items[code].evidence : null;
            if (Array.isArray(fromServer) && items[code]) items[code].evidence = fromServer.map((e) => ({ ...e }));
            if (code === tree.current()) tree.refreshEvidence();
          }
          renderBadges();
          updateTotals();
        },
        onInvalid: (err, code, member) => tree.showError(code, member, errorText(err)),
        onConflict: (err) => {
          const stale = err.field === 'version';
          const box = h('div', { class: 'notice notice-error sc-conflict', role: 'alert', id: 'sc-conflict' },
            icon('alert'),
            h('div', { class: 'notice-text' },
              h('p', { class: 'notice-strong' }, stale ? t('scoring.conflict.stale') : errorText(err)),
              h('p', null, t('scoring.conflict.kept')),
              h('p', null, button(t('scoring.conflict.reload'), { kind: 'primary', class: 'btn btn-primary btn-sm', id: 'sc-reload', icon: 'refresh', onclick: () => load() }))));
          banners.querySelector('#sc-conflict')?.remove();
          banners.prepend(box);
          page.classList.add('is-conflict');
        },
      });
      setSaveState('saved', null);
    }

    // ── read-only and other notices ──
    if (status === 'submitted') {
      banners.append(h('div', { class: 'notice notice-ok sc-locked', role: 'status', id: 'sc-locked' }, icon('lock'),
        h('div', { class: 'notice-text' }, t(isSelf ? 'scoring.lockedSelf' : 'scoring.locked', { time: submittedAt ? formatDateTime(submittedAt) : '' }))));
    } else if (!editable && data.readonly_reason) {
      banners.append(notice('info', data.readonly_reason, { id: 'sc-readonly' }));
    } else if (!editable) {
      banners.append(notice('info', t('scoring.readonly'), { id: 'sc-readonly' }));
    }
    if (!isSelf && role === 'reviewer' && data.others === null && (data.cycle.settings || {}).reveal_others === 'after_submit' && status !== 'submitted') {
      banners.append(h('p', { class: 'sc-note', id: 'sc-others-note' }, t('scoring.othersAfterSubmit')));
    }

    // ── submit ──
    function needsComment(e) {
      const it = items[e.code];
      return e.kind === 'leaf' && e.applies && commentBelow > 0 && it && !it.na && it.points != null &&
        it.points < commentBelow * e.max - 1e-9 && !String(it.comment || '').trim();
    }

    async function submitFlow() {
      const missing = entries.filter((e) => e.kind === 'leaf' && e.applies && !(items[e.code] && (items[e.code].na || items[e.code].points != null)));
      const noComment = entries.filter(needsComment);
      if (missing.length || noComment.length) {
        const go = (code) => h('button', {
          type: 'button', class: 'link-btn sc-go', 'data-code': code,
          onclick: () => { dlg.close(code); },
        }, code);
        const dlg = openDialog({
          title: t('scoring.submit.incompleteTitle'), id: 'sc-incomplete', size: 'md', cancelText: t('scoring.submit.back'),
          body: [
            h('p', { class: 'dlg-intro' }, t('scoring.submit.incompleteIntro')),
            missing.length ? h('div', { class: 'sc-missing' }, h('p', { class: 'sc-missing-title' }, t('scoring.submit.missing', { n: missing.length })),
              h('p', { class: 'sc-go-list' }, missing.map((e) => go(e.code)))) : null,
            noComment.length ? h('div', { class: 'sc-missing' }, h('p', { class: 'sc-missing-title' }, t('scoring.submit.noComment', { n: noComment.length, pct: fmtNum(commentBelow * 100) })),
              h('p', { class: 'sc-go-list' }, noComment.map((e) => go(e.code)))) : null,
          ],
        });
        const code = await dlg.closed;
        if (typeof code === 'string') tree.select(code, { focus: noComment.some((e) => e.code === code) && !missing.some((e) => e.code === code) ? null : 'score' });
        if (typeof code === 'string' && noComment.some((e) => e.code === code)) {
          const ta = document.getElementById('sc-comment');
          if (ta) ta.focus();
        }
        return;
      }
      const tot = localTotal(rubric, items, unitKind);
      const result = await confirmDialog({
        title: t(isSelf ? 'scoring.submit.titleSelf' : 'scoring.submit.title'),
        id: 'sc-submit-dialog',
        message: [t('scoring.submit.summary', { total: fmtNum(tot.total), grade: tot.grade || t('scoring.noGrade') }), t('scoring.submit.lock')],
        confirmText: t('scoring.submit.confirm'),
        action: async () => {
          try {
            return { sheet: await saver.submit() };
          } catch (err) {
            if (err.status === 400 || err.status === 409) return { error: err };
            throw err;
          }
        },
      });
      if (!result) return;
      if (result.error) {
        const err = result.error;
        const m = /^items\.(.+)\.(points|comment|na|count|veto|evidence)$/.exec(err.field || '');
        let code = m ? m[1] : null;
        if (!code && err.detail) {
          const found = entries.filter((e) => e.applies && err.detail.includes(e.code)).sort((a, b) => b.code.length - a.code.length)[0];
          code = found ? found.code : null;
        }
        banners.querySelector('#sc-submit-error')?.remove();
        banners.prepend(notice('error', errorText(err), { id: 'sc-submit-error' }));
        if (code) tree.showError(code, m ? m[2] : 'points', errorText(err));
        return;
      }
      saver.stop();
      await load(); // read-only now, with 已提交 and the time (and the others' scores, if shown)
      const heading = document.getElementById('sc-title');
      if (heading) heading.focus();
    }

    async function recuse() {
      const ok = await recuseDialog({ cycleId, assignmentId: sheet.id, unitName: data.unit.name || data.unit.code });
      if (ok) {
        if (saver) saver.stop();
        navigate('/reviews');
      }
    }

    // ── help and keys ──
    function toggleHelp(show) {
      const open = typeof show === 'boolean' ? show : help.hidden;
      help.hidden = !open;
      helpBtn.setAttribute('aria-expanded', String(open));
      if (open) total.open = false;
    }
    total.addEventListener('toggle', () => { if (total.open) toggleHelp(false); });
    // a click elsewhere closes the two popovers
    const onDocClick = (ev) => {
      if (!page.isConnected) { document.removeEventListener('click', onDocClick); return; }
      if (!help.hidden && !help.contains(ev.target) && !helpBtn.contains(ev.target)) toggleHelp(false);
      if (total.open && !total.contains(ev.target)) total.open = false;
    };
    document.addEventListener('click', onDocClick);

    function move(d, fromInput) {
      const usable = entries.filter((e) => e.applies);
      if (!usable.length) return;
      const i = usable.findIndex((e) => e.code === tree.current());
      const next = usable[i < 0 ? 0 : Math.max(0, Math.min(usable.length - 1, i + d))];
      tree.select(next.code, { focus: fromInput ? 'score' : 'row' });
    }

    function onKey(ev) {
      if (!page.isConnected) { cleanup(); return; }
      if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey) return;
      if (document.querySelector('dialog[open]')) return;
      const tgt = ev.target instanceof Element ? ev.target : null;
      const typing = !!(tgt && tgt.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]'));
      if (ev.altKey && (ev.key === 'ArrowDown' || ev.key === 'ArrowUp')) {
        if (tgt && tgt.tagName === 'SELECT') return;
        ev.preventDefault();
        move(ev.key === 'ArrowDown' ? 1 : -1, typing && page.contains(tgt));
        return;
      }
      if (ev.altKey) return;
      if (ev.key === 'Escape') {
        if (!help.hidden) { toggleHelp(false); helpBtn.focus(); return; }
        if (total.open) { total.open = false; totalSum.focus(); return; }
        if (typing && tree.current() && tgt && tgt.closest('#sc-editor')) tree.select(tree.current(), { focus: 'row', scroll: false });
        return;
      }
      if (typing) return;
      const k = ev.key;
      if (k === 'j' || k === 'J') { ev.preventDefault(); move(1, false); } else if (k === 'k' || k === 'K') { ev.preventDefault(); move(-1, false); } else if (k === 'n' || k === 'N') { ev.preventDefault(); tree.nextHint(); } else if (k === 's' || k === 'S') { ev.preventDefault(); tree.focusScore(); } else if (k === 'e' || k === 'E') {
        if (!editable) return;
        ev.preventDefault();
        tree.attach();
      } else if (k === '?') { ev.preventDefault(); toggleHelp(); }
    }
    document.addEventListener('keydown', onKey);

    const onHash = () => setTimeout(() => { if (!page.isConnected) cleanup(); }, 0);
    window.addEventListener('hashchange', onHash);
    function cleanup() {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('click', onDocClick);
      window.removeEventListener('hashchange', onHash);
      if (saver) saver.stop();
      if (active === cleanup) active = null;
    }
    active = cleanup;

    if (saver) {
      setLeaveGuard({
        dirty: () => saver.hasUnsaved(),
        ask: async () => {
          const ok = await Promise.race([saver.flush(), new Promise((r) => setTimeout(() => r(false), 4000))]);
          if (ok) return true;
          const leave = await confirmDialog({
            title: t('scoring.leave.title'), message: t('scoring.leave.message'), confirmText: t('scoring.leave.confirm'),
            action: async () => true,
          });
          return !!leave;
        },
      });
    }

    // ── put it together ──
    const layout = h('div', { class: 'sc-layout' }, left, tree.node);
    replace(page, header, banners, layout);
    renderBadges();
    restoreDrafts();
    updateTotals();
    const first = entries.find((e) => e.applies && e.kind === 'leaf' && !(items[e.code] && (items[e.code].na || items[e.code].points != null))) ||
      entries.find((e) => e.applies);
    if (first) tree.select(first.code, { focus: null });
    paintReport();
    document.title = `${data.unit.name || data.unit.code} · ${title} · ${t('app.name')}`;
  }

  load();
  return { title, node: page };
}
