// web/js/views/myresults.js — 本单位结果 (#/my-results[?cycle=ID], unit users): the unit's
// published results and its appeals (复核).
// Owns, for one cycle in 结果公示 or 已结束 (a picker when there are several; ?cycle=ID keeps
// the choice), from GET /api/v1/cycles/{id} (published_at, appeal_deadline), GET …/results
// (the unit's own row: total, grade, rank and rank in kind only when the cycle shows them,
// "areas" aligned with "areas", "values" with "leaves"), GET …/results/{unit} (the trace: per
// indicator the reviewers' scores as 评审专家n with their comments) and GET …/appeals (the
// unit's own):
//  - the head: total, grade, ranks when given, and each area's score of its maximum;
//  - per area the indicators: score of the maximum (不适用 when N/A) and a toggle that opens
//    the reviewers' scores and comments;
//  - the appeal window ("复核申请截止：…", time left) and 申请复核: checkboxes appear in the
//    indicator list, each chosen indicator gets a reason field in the form below, with an
//    overall reason and optional passages of the unit's own report as evidence (a dialog
//    with the report text, scoringtext.js's selection → code-point offsets) → POST …/appeals
//    {reason, items: [{indicator, reason}], evidence?}. Outside the window (before
//    publication, after the deadline, a closed cycle) the button is disabled with the reason;
//  - 我的复核申请: each appealed indicator with its status, and once decided before → after
//    and the office's response.
// A cycle whose results are not published (409 E_NOT_OPEN) says so.

import { h, icon, replace } from '../dom.js';
import { t, errorMessage, errorText, formatDateTime, formatMinute } from '../i18n.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { timeLeft } from '../dates.js';
import { button, setBusy, notice, messageRow, field, alertBox, formErrors, openDialog, uid } from '../ui.js';
import { pageHead, emptyState } from './page.js';
import { phaseBadge } from './cycles.js';
import { num, total, rankText, gradeBadge } from './resultshared.js';
import { appealStatusBadge, outcomeText, evidenceList } from './resultappeals.js';
import { reportPane } from './scoringtext.js';

const PUBLISHED = ['publication', 'closed'];
const TEXT_MAX = 1000;

/* "剩余 3 天" / "剩余 5 小时" / '' once past. */
function leftText(secs) {
  if (typeof secs !== 'number') return '';
  const left = timeLeft(secs);
  if (left.past) return '';
  return left.days ? t('reviews.daysLeft', { n: left.days }) : t('reviews.hoursLeft', { n: left.hours });
}

export function myResultsView({ user, refreshCycles, route }) {
  const wantedText = route.query.get('cycle');
  const wanted = /^\d+$/.test(wantedText || '') ? Number(wantedText) : null;
  const unitCode = user && user.unit ? user.unit.code : null;
  let cycles = [];
  let cycle = null;   // GET /api/v1/cycles/{id}'s cycle
  let data = null;    // the results (areas, leaves, grades) with the unit's row as data.row
  let appeals = [];
  let picking = false; // the appeal form is open
  const picked = new Map(); // leaf code → its reason textarea field
  let evidence = [];   // [{start, end, quote}]

  const status = h('div', { class: 'page-status', id: 'myres-status', role: 'status' });
  const say = (kind, text) => replace(status, notice(kind, text));
  const bar = h('div', { id: 'myres-bar' });
  const body = h('div', { class: 'myres-body', id: 'myres-body' }, h('p', { class: 'card-loading' }, t('app.loading')));

  const appealOpen = () => !!cycle && cycle.phase === 'publication' && typeof cycle.appeal_deadline === 'number' &&
    !timeLeft(cycle.appeal_deadline).past;
  const closedReason = () => {
    if (!cycle) return '';
    if (cycle.phase !== 'publication') return t('myres.appealClosedPhase', { phase: t('phase.' + cycle.phase) });
    if (typeof cycle.appeal_deadline !== 'number') return t('myres.appealNoDeadline');
    return t('myres.appealPast', { time: formatMinute(cycle.appeal_deadline) });
  };

  function renderBar() {
    if (cycles.length < 2) { replace(bar); return; }
    const sel = h('select', { id: 'myres-cycle', class: 'control' },
      cycles.map((c) => h('option', { value: String(c.id), selected: c.id === cycle.id },
        t('assign.cycleOption', { title: c.title, phase: t('phase.' + c.phase) }))));
    sel.addEventListener('change', () => navigate('/my-results?cycle=' + sel.value));
    replace(bar, h('section', { class: 'panel panel-pad cycle-bar', 'aria-label': t('myres.cycleBar') },
      h('div', { class: 'cycle-bar-top' },
        h('div', { class: 'cycle-pick' }, h('label', { class: 'toolbar-label', for: 'myres-cycle' }, t('assign.cycle')), sel),
        phaseBadge(cycle.phase))));
  }

  function fact(label, value, id) {
    return h('div', { class: 'stat', id }, h('span', { class: 'stat-value' }, value), h('span', { class: 'stat-label' }, label));
  }

  // ─── the head: total, grade, ranks, areas ───
  function summaryPanel() {
    const u = data.row;
    const areas = Array.isArray(data.areas) ? data.areas : [];
    const none = u.status === 'no_sheets';
    return h('section', { class: 'panel panel-pad myres-summary', id: 'myres-summary', 'aria-labelledby': 'myres-summary-title' },
      h('div', { class: 'panel-bar myres-summary-bar' },
        h('h2', { class: 'section-title', id: 'myres-summary-title' }, cycle.title),
        phaseBadge(cycle.phase),
        typeof cycle.published_at === 'number'
          ? h('span', { class: 'table-count' }, t('myres.publishedAt', { time: formatMinute(cycle.published_at) })) : null),
      h('div', { class: 'stat-row' },
        fact(t('trace.total'), none ? '—' : total(u.total), 'myres-total'),
        h('div', { class: 'stat', id: 'myres-grade' },
          h('span', { class: 'stat-value' }, none ? '—' : gradeBadge(u.grade, data.grades)),
          h('span', { class: 'stat-label' }, t('trace.grade'))),
        u.rank != null ? fact(t('myres.rank', { n: (data.counts && data.counts.ranked) || '—' }), rankText(u.rank, u.tied), 'myres-rank') : null,
        u.rank_in_kind != null ? fact(t('trace.rankInKind'), rankText(u.rank_in_kind, u.tied_in_kind), 'myres-rank-kind') : null),
      none ? notice('info', t('trace.noSheets')) : null,
      areas.length && !none ? h('ul', { class: 'myres-areas', id: 'myres-areas' }, areas.map((a, i) => h('li', { 'data-area': a.code },
        h('span', { class: 'myres-area-name' }, h('code', { class: 'leaf-code' }, a.code), ' ', a.name),
        h('span', { class: 'myres-area-score' }, (u.areas || [])[i] == null ? t('trace.areaNa')
          : t('myres.areaScore', { score: num(u.areas[i]), max: num(a.max) }))))) : null);
  }

  // ─── the appeal window ───
  const appealBtn = button(t('myres.appeal'), { kind: 'primary', id: 'myres-appeal', onclick: () => startAppeal() });

  function windowPanel() {
    const open = appealOpen();
    appealBtn.disabled = !open || picking;
    const left = open ? leftText(cycle.appeal_deadline) : '';
    return h('section', { class: 'panel panel-pad myres-window', id: 'myres-window', 'aria-label': t('myres.window') },
      h('div', { class: 'myres-window-row' },
        h('p', { class: 'myres-deadline' }, icon('clock'),
          typeof cycle.appeal_deadline === 'number'
            ? h('span', { id: 'myres-deadline' }, t('myres.deadline', { time: formatMinute(cycle.appeal_deadline) }))
            : h('span', { id: 'myres-deadline' }, t('myres.appealNoDeadline')),
          left ? h('span', { class: 'reviews-left' }, left) : null),
        appealBtn),
      open ? h('p', { class: 'panel-desc' }, t('myres.windowHint'))
        : h('p', { class: 'panel-desc myres-closed', id: 'myres-appeal-closed' }, closedReason()));
  }

  // ─── the indicators ───
  function indicatorsPanels(trace) {
    const leaves = Array.isArray(data.leaves) ? data.leaves : [];
    const values = Array.isArray(data.row.values) ? data.row.values : [];
    const byLeaf = new Map(((trace && trace.leaves) || []).map((l) => [l.code, l]));
    const appealed = new Set(appeals.filter((a) => a.status === 'open' || a.status === 'in_review').map((a) => a.indicator));
    return (data.areas || []).map((a) => {
      const titleId = 'myres-area-' + a.code.replace(/[^\w-]/g, '_');
      const rows = [];
      leaves.forEach((l, i) => {
        if (l.area !== a.code) return;
        const tl = byLeaf.get(l.code) || {};
        const scores = Array.isArray(tl.scores) ? tl.scores : [];
        const noted = scores.filter((s) => s.comment).length;
        const detailId = 'myres-detail-' + i;
        const detail = h('tr', { class: 'myres-detail', id: detailId, hidden: true },
          h('td', { colspan: '4' }, scores.length ? h('ul', { class: 'compare-notes' }, scores.map((s) => h('li', null,
            h('p', { class: 'compare-note-head' }, h('strong', null, s.reviewer), ' · ',
              s.na ? t('trace.naShort') : t('compare.points', { n: num(s.points) })),
            s.comment ? h('p', { class: 'compare-comment' }, s.comment) : h('p', { class: 'compare-none' }, t('compare.noComment')))))
            : h('p', { class: 'compare-none' }, t('compare.noSheets'))));
        const toggle = h('button', {
          type: 'button', class: 'compare-toggle', 'aria-expanded': 'false', 'aria-controls': detailId, 'data-action': 'comments',
          title: t('myres.showComments'),
        }, h('code', { class: 'leaf-code' }, l.code), ' ', l.name,
        noted ? h('span', { class: 'compare-count' }, ' ' + t('compare.noteCount', { n: noted })) : null);
        toggle.addEventListener('click', () => {
          detail.hidden = !detail.hidden;
          toggle.setAttribute('aria-expanded', String(!detail.hidden));
        });
        const v = values[i];
        const na = v === null || tl.status === 'na';
        let pick = null;
        if (picking) {
          const box = h('input', { type: 'checkbox', id: uid('myres-pick'), 'data-leaf': l.code, checked: picked.has(l.code),
            disabled: na || appealed.has(l.code),
            'aria-label': t('myres.pickOf', { code: l.code, name: l.name }) });
          box.addEventListener('change', () => togglePick(l, box.checked));
          pick = box;
        }
        rows.push(h('tr', { class: 'myres-leaf' + (na ? ' is-na' : ''), 'data-leaf': l.code },
          h('td', { class: 'col-pick' }, pick,
            !picking && appealed.has(l.code) ? h('span', { class: 'visually-hidden' }, t('myres.appealed')) : null),
          h('th', { scope: 'row' }, toggle, appealed.has(l.code) ? h('span', { class: 'cell-note' }, t('myres.appealed')) : null),
          h('td', { class: 'cell-num' }, num(l.max)),
          h('td', { class: 'cell-num cell-total', 'data-value': na ? '' : num(v) }, na ? h('span', { class: 'text-muted' }, t('trace.naShort')) : num(v))));
        rows.push(detail);
      });
      const u = data.row;
      const ai = data.areas.indexOf(a);
      return h('section', { class: 'panel myres-area', 'data-area': a.code, 'aria-labelledby': titleId },
        h('div', { class: 'panel-bar' },
          h('h2', { class: 'section-title', id: titleId }, h('code', { class: 'leaf-code' }, a.code), ' ', a.name),
          h('span', { class: 'table-count' }, (u.areas || [])[ai] == null ? t('trace.areaNa')
            : t('myres.areaScore', { score: num(u.areas[ai]), max: num(a.max) }))),
        h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact myres-table' + (picking ? ' is-picking' : '') },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col', class: 'col-pick' }, picking ? t('myres.pick') : h('span', { class: 'visually-hidden' }, t('myres.pick'))),
            h('th', { scope: 'col' }, t('trace.col.leaf')),
            h('th', { scope: 'col', class: 'col-count' }, t('myres.max')),
            h('th', { scope: 'col', class: 'col-count' }, t('myres.score')))),
          h('tbody', null, rows))));
    });
  }

  // ─── the appeal form ───
  const formSlot = h('div', { id: 'myres-form-slot' });
  const groupReason = field('reason', {
    label: t('myres.groupReason'), hint: t('myres.groupReasonHint'), optional: true,
    input: h('textarea', { rows: '3', maxlength: String(TEXT_MAX), id: 'myres-reason' }),
  });
  const itemsBox = h('div', { class: 'myres-items', id: 'myres-items' });
  const evidenceBox = h('div', { class: 'myres-evidence', id: 'myres-evidence' });
  const formAlert = alertBox('myres-form-alert');
  const submitBtn = button(t('myres.submit'), { kind: 'primary', type: 'submit', id: 'myres-submit' });
  let lastTrace = null;

  function togglePick(l, on) {
    if (on && !picked.has(l.code)) {
      picked.set(l.code, field('items.' + l.code, {
        label: t('myres.itemReason', { code: l.code, name: l.name }),
        input: h('textarea', { rows: '2', maxlength: String(TEXT_MAX), 'data-leaf': l.code }),
      }));
    } else if (!on) picked.delete(l.code);
    renderItems();
  }

  function renderItems() {
    const order = (data.leaves || []).map((l) => l.code);
    const list = [...picked.entries()].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
    replace(itemsBox, list.length ? list.map(([, f]) => f.wrap)
      : h('p', { class: 'text-muted', id: 'myres-items-empty' }, t('myres.pickHint')));
  }

  function renderEvidence() {
    replace(evidenceBox,
      evidence.length ? h('ul', { class: 'appeal-evidence' }, evidence.map((e, i) => h('li', { class: 'myres-ev' },
        h('blockquote', { class: 'appeal-quote' }, e.quote),
        button(t('myres.evidenceRemove'), { kind: 'link', 'aria-label': t('myres.evidenceRemoveOf', { n: i + 1 }),
          onclick: () => { evidence.splice(i, 1); renderEvidence(); } }))))
        : h('p', { class: 'text-muted' }, t('myres.evidenceNone')),
      button(t('myres.evidenceAdd'), { icon: 'plus', id: 'myres-evidence-add', onclick: () => evidenceDialog() }));
  }

  function formPanel() {
    const form = h('form', { class: 'myres-form', id: 'myres-form', novalidate: true, onsubmit: submit },
      h('fieldset', { class: 'field fieldset' }, h('legend', null, t('myres.items')), itemsBox),
      groupReason.wrap,
      h('fieldset', { class: 'field fieldset' }, h('legend', null, t('myres.evidence'), h('span', { class: 'field-optional' }, t('form.optional'))),
        h('p', { class: 'field-hint' }, t('myres.evidenceHint')), evidenceBox),
      formAlert,
      h('div', { class: 'settings-foot' }, submitBtn,
        button(t('common.cancel'), { id: 'myres-cancel', onclick: () => { picking = false; picked.clear(); evidence = []; render(lastTrace); appealBtn.focus(); } })));
    return h('section', { class: 'panel panel-pad myres-appeal', id: 'myres-appeal-form', 'aria-labelledby': 'myres-form-title' },
      h('h2', { class: 'section-title', id: 'myres-form-title' }, t('myres.formTitle')),
      h('p', { class: 'panel-desc' }, t('myres.formDesc')),
      form);
  }

  function startAppeal() {
    if (!appealOpen()) return;
    picking = true;
    render(lastTrace);
    const first = body.querySelector('.myres-table input[type="checkbox"]:not([disabled])');
    if (first) first.focus();
  }

  async function submit(ev) {
    ev.preventDefault();
    const fields = [...picked.values()];
    const errors = formErrors([groupReason, ...fields], formAlert);
    errors.clear();
    if (!picked.size) { errors.alert(t('myres.pickRequired')); return; }
    const items = [];
    for (const [code, f] of picked) {
      const r = f.input.value.trim();
      if (!r) { errors.field(f.name, t('myres.itemReasonRequired')); return; }
      items.push({ indicator: code, reason: r });
    }
    const reason = groupReason.input.value.trim();
    const payload = { items };
    if (reason) payload.reason = reason;
    if (evidence.length) payload.evidence = evidence.map((e) => ({ start: e.start, end: e.end }));
    setBusy(submitBtn, true);
    try {
      await api.post(`/api/v1/cycles/${cycle.id}/appeals`, payload);
    } catch (err) {
      setBusy(submitBtn, false);
      const m = err.field && /^items\[(\d+)\]/.exec(err.field);
      if (m && items[Number(m[1])]) errors.field('items.' + items[Number(m[1])].indicator, errorText(err));
      else errors.show(err);
      return;
    }
    setBusy(submitBtn, false);
    picking = false;
    picked.clear();
    evidence = [];
    groupReason.input.value = '';
    say('ok', t('myres.submitted', { n: items.length }));
    await load();
    const mine = document.getElementById('myres-appeals');
    if (mine) mine.scrollIntoView({ block: 'start' });
  }

  /* The dialog in which passages of the unit's own report are chosen as evidence. */
  async function evidenceDialog() {
    let report;
    try {
      const reply = await api.get(`/api/v1/cycles/${cycle.id}/units/${encodeURIComponent(unitCode)}/report`);
      report = reply && reply.report;
    } catch (err) {
      replace(formAlert, icon('alert'), h('span', null, errorText(err)));
      return;
    }
    if (!report) return;
    const chosen = [];
    const list = h('ul', { class: 'appeal-evidence', id: 'evidence-chosen' });
    const showChosen = () => replace(list, chosen.map((e) => h('li', null, h('blockquote', { class: 'appeal-quote' }, e.quote))));
    let pane = null;
    const addBtn = button(t('myres.evidenceTake'), { icon: 'plus', id: 'evidence-take', disabled: true,
      onclick: () => {
        const s = pane.selection();
        if (!s) return;
        chosen.push(s);
        pane.clearSelection();
        showChosen();
      } });
    pane = reportPane(report, { onSelect: (has) => { addBtn.disabled = !has; } });
    const reply = await openDialog({
      title: t('myres.evidenceTitle'), id: 'evidence-dialog', size: 'lg', submitText: t('myres.evidenceDone'),
      initialFocus: addBtn,
      body: [h('p', { class: 'dlg-intro' }, t('myres.evidenceIntro')),
        h('div', { class: 'myres-doc' }, pane.node), h('div', { class: 'myres-doc-foot' }, addBtn), list],
      onSubmit: async () => chosen,
    }).closed;
    if (Array.isArray(reply) && reply.length) {
      evidence.push(...reply);
      renderEvidence();
    }
  }

  // ─── my appeals ───
  function appealsPanel() {
    const leafName = new Map((data.leaves || []).map((l) => [l.code, l.name]));
    return h('section', { class: 'panel myres-appeals', id: 'myres-appeals', 'aria-labelledby': 'myres-appeals-title' },
      h('div', { class: 'panel-bar' }, h('h2', { class: 'section-title', id: 'myres-appeals-title' }, t('myres.mine'))),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', id: 'myres-appeals-table' },
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, t('appeals.col.indicator')),
          h('th', { scope: 'col', class: 'col-reason' }, t('appeals.col.reason')),
          h('th', { scope: 'col' }, t('appeals.col.status')),
          h('th', { scope: 'col', class: 'col-count' }, t('appeals.col.change')),
          h('th', { scope: 'col', class: 'col-reason' }, t('appeals.response')))),
        h('tbody', null, appeals.length ? appeals.map((a) => h('tr', { 'data-appeal': String(a.id), 'data-leaf': a.indicator, 'data-status': a.status },
          h('td', null, h('span', { class: 'leaf-label' }, h('code', { class: 'leaf-code' }, a.indicator), ' ', a.indicator_name || leafName.get(a.indicator) || ''),
            h('span', { class: 'cell-note' }, t('myres.filedAt', { time: formatDateTime(a.created_at) }))),
          h('td', { class: 'cell-reason' }, a.reason ? h('p', { class: 'appeal-reason' }, a.reason) : null, evidenceList(a)),
          h('td', null, appealStatusBadge(a.status)),
          h('td', { class: 'cell-num' }, outcomeText(a) || h('span', { class: 'text-subtle' }, '—')),
          h('td', { class: 'cell-reason' }, a.response ? h('p', { class: 'appeal-reason' }, a.response) : h('span', { class: 'text-subtle' }, '—'),
            a.decided_at ? h('span', { class: 'cell-note' }, formatDateTime(a.decided_at)) : null)))
          : [messageRow(5, t('myres.noAppeals'))]))));
  }

  function render(trace) {
    lastTrace = trace;
    const parts = [summaryPanel(), windowPanel(), indicatorsPanels(trace)];
    if (picking) {
      renderItems();
      renderEvidence();
      parts.push(formPanel());
    }
    parts.push(appealsPanel());
    replace(body, parts);
  }

  async function load() {
    const c = cycle;
    let detail;
    let reply;
    let trace = null;
    let mine = [];
    try {
      [detail, reply] = await Promise.all([
        api.get('/api/v1/cycles/' + c.id),
        api.get(`/api/v1/cycles/${c.id}/results`),
      ]);
    } catch (err) {
      if (err.code === 'E_NOT_OPEN' || err.status === 409) {
        replace(body, h('section', { class: 'panel', id: 'myres-not-open' }, emptyState(t('page.myResults.hint'))));
        return;
      }
      showError(err);
      return;
    }
    if (detail && detail.cycle) cycle = { ...c, ...detail.cycle };
    const r = reply && reply.results;
    const row = r && Array.isArray(r.units) ? r.units.find((u) => u.code === unitCode) || r.units[0] : null;
    if (!r || !row) {
      replace(body, h('section', { class: 'panel', id: 'myres-none' }, emptyState(t('myres.noRow'))));
      return;
    }
    data = { ...r, row };
    const [tr, ap] = await Promise.allSettled([
      api.get(`/api/v1/cycles/${c.id}/results/${encodeURIComponent(row.code)}`),
      api.get(`/api/v1/cycles/${c.id}/appeals`),
    ]);
    if (tr.status === 'fulfilled') trace = tr.value && tr.value.unit ? tr.value.unit.trace : null;
    if (ap.status === 'fulfilled') mine = ap.value && Array.isArray(ap.value.appeals) ? ap.value.appeals : [];
    appeals = mine;
    render(trace);
    if (tr.status === 'rejected') say('warn', t('myres.traceFailed', { reason: errorMessage(tr.reason) }));
  }

  function showError(err) {
    const retry = button(t('common.retry'), { kind: 'link', id: 'myres-retry', onclick: () => start() });
    replace(body, notice('error', [h('span', null, t('myres.failed', { reason: errorMessage(err) })), ' ', retry], { id: 'myres-error' }));
  }

  async function start() {
    let all;
    try {
      all = await refreshCycles();
    } catch (err) {
      showError(err);
      return;
    }
    cycles = all.filter((c) => PUBLISHED.includes(c.phase));
    if (!cycles.length) {
      replace(body, h('section', { class: 'panel', id: 'myres-none' }, emptyState(t('page.myResults.hint'))));
      return;
    }
    cycle = (wanted != null && cycles.find((c) => c.id === wanted)) || cycles[0];
    if (wanted != null && wanted !== cycle.id) say('warn', t('assign.cycleMissing', { id: wanted }));
    renderBar();
    load();
  }

  start();

  return {
    title: t('nav.myResults'),
    node: h('div', { class: 'page page-myresults', 'data-page': 'myResults' },
      pageHead(t('nav.myResults'), t('page.myResults.desc')),
      status, bar, body),
  };
}
