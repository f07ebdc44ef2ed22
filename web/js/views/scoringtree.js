// web/js/views/scoringtree.js — the rubric pane of the scoring page: the indicator tree with
// one row per scored item and the editor of the current one.
// Owns: the order of the items a reviewer works through (buildEntries: the leaves of the
// areas in rubric order, then 加分项, 扣分项, 一票否决; leaves whose applies_to excludes the
// unit's kind are shown greyed, marked 不适用于本单位, and skipped); the rows (编号, 名称, the
// value so far of 满分, a done / to-do mark, and the self-assessment and other reviewers'
// values when the page has them); the editor of the current item: for a leaf 评分标准, 得分
// (a number input with min, max and the cycle's step, quick buttons 0 … 满分), 不适用, 评语
// (marked 必填 when the cycle's comment_below applies to the typed score), for 加分/扣分 the
// count (项数/次数) with the points and cap, for 一票否决 the flag; on every item 证据 (the
// quotes, 定位 and 删除, 添加选中文字为证据 enabled while text is selected in the report) and,
// for leaves, 可能相关的段落 (the keyword passages; a click scrolls the report to one).
// Every edit goes to ctx.change(code, member, value, now); the tree never talks to the API.

import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { button } from '../ui.js';

const round2 = (x) => Math.round(x * 100) / 100;
export const fmtNum = (x) => String(round2(x));

/* The items of rubric in working order: [{code, kind: 'leaf'|'bonus'|'deduction'|'veto',
 * node, max, applies, area, depth}]. notApplicable: the leaf codes that do not apply to the
 * unit as the server says (by kind, or marked N/A for it by the office); without it the
 * unit's kind decides. */
export function buildEntries(rubric, unitKind, notApplicable) {
  const list = [];
  const off = Array.isArray(notApplicable) ? new Set(notApplicable) : null;
  const walk = (n, depth, area) => {
    if (Array.isArray(n.children)) { n.children.forEach((c) => walk(c, depth + 1, area)); return; }
    const applies = off ? !off.has(n.code) : !(unitKind && Array.isArray(n.applies_to) && !n.applies_to.includes(unitKind));
    list.push({ code: n.code, kind: 'leaf', node: n, max: Number(n.max_points) || 0, applies, area, depth });
  };
  for (const a of Array.isArray(rubric.areas) ? rubric.areas : []) walk(a, 0, a.code);
  for (const kind of ['bonus', 'deduction', 'veto']) {
    for (const n of Array.isArray(rubric[kind]) ? rubric[kind] : []) {
      list.push({ code: n.code, kind, node: n, max: 0, applies: true, area: null, depth: 1 });
    }
  }
  return list;
}

/* An empty item. */
export const blankItem = () => ({ points: null, comment: '', na: false, count: 0, veto: false, evidence: [] });

/* Quick score values of a leaf: 0, ¼, ½, ¾ of max (down to the step) and max. */
function quickValues(max, step) {
  const s = step > 0 ? step : 0.5;
  const out = new Set();
  for (const f of [0, 0.25, 0.5, 0.75, 1]) out.add(round2(Math.floor((max * f) / s + 1e-9) * s));
  out.add(round2(max));
  return [...out].filter((v) => v <= max + 1e-9).sort((a, b) => a - b);
}

/* 1 when x is a multiple of step (up to rounding), as the server checks it. */
export function onStep(x, step) {
  const s = step > 0 ? step : 0.01;
  const q = x / s;
  return Math.abs(q - Math.round(q)) < 1e-6;
}

/* The indicator tree. ctx: { rubric, entries, items (code → item, mutable by the page),
 * editable, step, commentBelow, hints, self, others, hasReport, change(code, member, value,
 * now), attach(code) → error text or null, jumpTo(start, end), onCurrent(code), quote(start,
 * end) }. Returns { node, select(code, {focus, scroll}), current(), refresh(code),
 * refreshAll(), focusScore(), setSelectable(bool), showError(code, member, text),
 * nextHint() }. */
export function indicatorTree(ctx) {
  const { entries, items } = ctx;
  const byCode = new Map(entries.map((e) => [e.code, e]));
  const rows = new Map();   // code → { li, btn, value, mark, compare }
  let current = null;
  let editor = null;        // { code, el, points, errors: {member: el}, addBtn }
  let selectable = false;
  let hintAt = -1;          // the passage of the current item the report was last taken to

  const item = (code) => items[code] || (items[code] = blankItem());

  // ── what a row shows ──
  function valueText(e) {
    const it = item(e.code);
    if (!e.applies) return t('scoring.notForKind');
    if (e.kind === 'leaf') {
      if (it.na) return t('scoring.na');
      return t('scoring.ofMax', { value: it.points == null ? '—' : fmtNum(it.points), max: fmtNum(e.max) });
    }
    if (e.kind === 'veto') return it.veto ? t('scoring.vetoYes') : '—';
    return it.count ? t('scoring.times', { n: it.count }) : '—';
  }
  function isDone(e) {
    const it = item(e.code);
    if (e.kind !== 'leaf') return it.count > 0 || it.veto;
    return it.na || it.points != null;
  }
  function needsComment(e) {
    const it = item(e.code);
    return e.kind === 'leaf' && ctx.commentBelow > 0 && !it.na && it.points != null &&
      it.points < ctx.commentBelow * e.max - 1e-9 && !String(it.comment || '').trim();
  }

  /* "自评 3.5 · 其他评审 3 / 4" for e, or null. */
  function compareText(e) {
    const show = (it) => {
      if (!it) return '—';
      if (e.kind === 'leaf') return it.na ? t('scoring.na') : it.points == null ? '—' : fmtNum(it.points);
      if (e.kind === 'veto') return it.veto ? t('scoring.vetoYes') : t('scoring.vetoNo');
      return t('scoring.times', { n: it.count || 0 });
    };
    const parts = [];
    if (ctx.self && ctx.self.items) parts.push(t('scoring.selfValue', { value: show(ctx.self.items[e.code]) }));
    if (Array.isArray(ctx.others) && ctx.others.length) {
      parts.push(t('scoring.othersValue', { values: ctx.others.map((o) => show(o.items ? o.items[e.code] : null)).join(' / ') }));
    }
    return parts.length ? parts.join(' · ') : null;
  }

  function rowFor(e) {
    const value = h('span', { class: 'sc-row-value' });
    const mark = h('span', { class: 'sc-row-mark', 'aria-hidden': 'true' });
    const compare = h('span', { class: 'sc-row-compare' });
    const label = [h('span', { class: 'sc-row-code' }, e.code), h('span', { class: 'sc-row-name' }, e.node.name)];
    let btn;
    if (!e.applies) {
      btn = h('div', { class: 'sc-row is-off', 'aria-disabled': 'true', title: t('scoring.notForKindHint') }, mark, label, value);
    } else {
      btn = h('button', {
        type: 'button', class: 'sc-row', id: 'sc-row-' + e.code, 'aria-expanded': 'false', 'aria-controls': 'sc-editor',
        onclick: () => select(e.code, { focus: 'score' }),
      }, mark, label, value, compare);
    }
    const li = h('li', { class: 'sc-item sc-kind-' + e.kind + (e.applies ? '' : ' is-off'), 'data-code': e.code, 'data-kind': e.kind }, btn);
    rows.set(e.code, { li, btn, value, mark, compare });
    refreshRow(e);
    return li;
  }

  function refreshRow(e) {
    const r = rows.get(e.code);
    if (!r) return;
    r.value.textContent = valueText(e);
    const done = isDone(e);
    const warn = needsComment(e);
    r.li.classList.toggle('is-done', e.applies && done && !warn);
    r.li.classList.toggle('is-warn', warn);
    r.li.classList.toggle('is-na', e.kind === 'leaf' && !!item(e.code).na);
    // a leaf to do gets an empty dot; bonus, deduction and veto items are optional: no mark
    r.mark.replaceChildren(e.applies && done ? icon(warn ? 'alert' : 'check') : e.kind === 'leaf' ? h('span', { class: 'sc-dot' }) : '');
    const c = e.applies ? compareText(e) : null;
    r.compare.textContent = c || '';
    r.compare.hidden = !c;
    if (e.applies && r.btn.tagName === 'BUTTON') {
      r.btn.setAttribute('aria-label', `${e.code} ${e.node.name}，${valueText(e)}${warn ? '，' + t('scoring.commentMissing') : ''}`);
    }
  }

  // ── the tree ──
  const tree = h('ul', { class: 'sc-tree', id: 'sc-tree' });
  const leafCodes = new Set(entries.filter((e) => e.kind === 'leaf').map((e) => e.code));
  const points = (n) => (Array.isArray(n.children) ? n.children.reduce((s, c) => s + points(c), 0) : Number(n.max_points) || 0);
  function group(n, depth) {
    if (!Array.isArray(n.children)) return leafCodes.has(n.code) ? rowFor(byCode.get(n.code)) : null;
    return h('li', { class: 'sc-group sc-depth-' + depth, 'data-group': n.code },
      h('div', { class: 'sc-group-head' },
        h('span', { class: 'sc-group-code' }, n.code), h('span', { class: 'sc-group-name' }, n.name),
        h('span', { class: 'sc-group-points' }, t('scoring.points', { n: fmtNum(points(n)) }))),
      h('ul', { class: 'sc-group-list' }, n.children.map((c) => group(c, depth + 1))));
  }
  for (const a of Array.isArray(ctx.rubric.areas) ? ctx.rubric.areas : []) tree.append(group(a, 0));
  for (const kind of ['bonus', 'deduction', 'veto']) {
    const list = entries.filter((e) => e.kind === kind);
    if (!list.length) continue;
    tree.append(h('li', { class: 'sc-group sc-depth-0 sc-special', 'data-group': kind },
      h('div', { class: 'sc-group-head' }, h('span', { class: 'sc-group-name' }, t('scoring.special.' + kind)),
        h('span', { class: 'sc-group-points' }, t('scoring.special.' + kind + 'Hint'))),
      h('ul', { class: 'sc-group-list' }, list.map(rowFor))));
  }

  // ── the editor of the current item ──
  function errorLine(id) {
    return h('p', { class: 'field-error', id, hidden: true });
  }
  function setError(el, input, text) {
    if (!el) return;
    if (text) {
      el.replaceChildren(icon('alert'), h('span', null, text));
      el.hidden = false;
      if (input) input.setAttribute('aria-invalid', 'true');
    } else {
      el.replaceChildren();
      el.hidden = true;
      if (input) input.removeAttribute('aria-invalid');
    }
  }

  function hintSnippet(hint) {
    const s = hint.start;
    const e = Math.min(hint.end, hint.start + 400);
    const text = ctx.quote(s, e);
    const hits = (Array.isArray(hint.hits) ? hint.hits : []).filter((x) => Array.isArray(x) && x[0] >= s && x[1] <= e);
    // show ~70 characters around the first hit
    let from = s;
    if (hits.length && hits[0][0] - s > 24) from = hits[0][0] - 20;
    const to = Math.min(e, from + 72);
    const out = [];
    if (from > s) out.push('…');
    let at = from;
    for (const [a, b] of hits) {
      if (a < at || a >= to) continue;
      if (a > at) out.push(ctx.quote(at, a));
      out.push(h('mark', { class: 'sc-kw' }, ctx.quote(a, Math.min(b, to))));
      at = Math.min(b, to);
    }
    if (at < to) out.push(ctx.quote(at, to));
    if (to < hint.end) out.push('…');
    return text ? out : [];
  }

  function evidenceList(e, it) {
    const list = h('ol', { class: 'sc-ev-list', id: 'sc-ev-list' });
    if (!it.evidence.length) {
      return h('p', { class: 'sc-ev-empty' }, t(ctx.hasReport ? 'scoring.evidence.empty' : 'scoring.evidence.noReport'));
    }
    it.evidence.forEach((ev, i) => {
      const q = ev.quote || ctx.quote(ev.start, ev.end);
      list.append(h('li', { class: 'sc-ev-item', 'data-start': String(ev.start), 'data-end': String(ev.end) },
        h('blockquote', { class: 'sc-ev-quote', title: q }, q),
        h('div', { class: 'sc-ev-actions' },
          button(t('scoring.evidence.jump'), { kind: 'link', 'data-action': 'jump', onclick: () => ctx.jumpTo(ev.start, ev.end) }),
          ctx.editable ? button(t('scoring.evidence.remove'), {
            kind: 'link', 'data-action': 'remove', 'aria-label': t('scoring.evidence.removeOf', { n: i + 1 }),
            onclick: () => {
              it.evidence = it.evidence.filter((x) => x !== ev);
              ctx.change(e.code, 'evidence', it.evidence, true);
              renderEditor();
              const b = editor && editor.el.querySelector('#sc-add-evidence');
              if (b) b.focus();
            },
          }) : null)));
    });
    return list;
  }

  function renderEditor() {
    const e = byCode.get(current);
    if (!e) return;
    const it = item(e.code);
    const ro = !ctx.editable;
    const errs = {};
    const parts = [];
    let scoreInput = null;

    if (e.kind === 'leaf') {
      if (e.node.guidance) {
        parts.push(h('div', { class: 'sc-guidance' }, h('span', { class: 'sc-label' }, t('scoring.guidance')), h('p', null, e.node.guidance)));
      }
      const input = h('input', {
        type: 'number', id: 'sc-points', class: 'control sc-points', min: '0', max: String(e.max),
        step: String(ctx.step > 0 ? ctx.step : 0.5), inputmode: 'decimal', value: it.points == null ? '' : fmtNum(it.points),
        disabled: ro || it.na, 'aria-describedby': 'sc-points-error sc-points-max',
      });
      scoreInput = input;
      errs.points = errorLine('sc-points-error');
      const na = h('input', { type: 'checkbox', id: 'sc-na', checked: !!it.na, disabled: ro });
      const quick = h('div', { class: 'sc-quick', role: 'group', 'aria-label': t('scoring.quick') },
        quickValues(e.max, ctx.step).map((v) => h('button', {
          type: 'button', class: 'sc-quick-btn' + (it.points === v && !it.na ? ' is-on' : ''), disabled: ro || it.na,
          'data-value': String(v), 'aria-label': t('scoring.quickValue', { n: fmtNum(v) }),
          onclick: () => {
            input.value = fmtNum(v);
            takePoints(e, input, errs.points, true);
          },
        }, v === e.max ? t('scoring.full') : fmtNum(v))));
      const commentReq = h('span', { class: 'sc-required', id: 'sc-comment-req', hidden: true }, t('scoring.commentRequired'));
      input.addEventListener('input', () => takePoints(e, input, errs.points, false, commentReq));
      input.addEventListener('change', () => takePoints(e, input, errs.points, true, commentReq));
      na.addEventListener('change', () => {
        it.na = na.checked;
        ctx.change(e.code, 'na', it.na, true);
        input.disabled = ro || it.na;
        for (const b of quick.querySelectorAll('button')) b.disabled = ro || it.na;
        updateRequired(e, commentReq);
        refreshRow(e);
      });
      parts.push(h('div', { class: 'sc-score' },
        h('label', { for: 'sc-points', class: 'sc-label' }, t('scoring.score')),
        input,
        h('span', { class: 'sc-max', id: 'sc-points-max' }, t('scoring.maxOf', { max: fmtNum(e.max) })),
        quick,
        h('label', { class: 'sc-na', for: 'sc-na' }, na, h('span', null, t('scoring.naLabel')))));
      parts.push(errs.points);
      parts.push(compareLine(e));
      parts.push(commentBlock(e, it, errs, commentReq));
      updateRequiredLater(e, commentReq);
    } else if (e.kind === 'veto') {
      const box = h('input', { type: 'checkbox', id: 'sc-veto', checked: !!it.veto, disabled: ro });
      scoreInput = box;
      box.addEventListener('change', () => {
        it.veto = box.checked;
        ctx.change(e.code, 'veto', it.veto, true);
        refreshRow(e);
      });
      parts.push(h('p', { class: 'sc-special-rule' }, vetoEffect(e.node.effect)));
      parts.push(h('label', { class: 'sc-veto', for: 'sc-veto' }, box, h('span', null, t('scoring.vetoLabel'))));
      errs.veto = errorLine('sc-veto-error');
      parts.push(errs.veto);
      parts.push(compareLine(e));
      parts.push(commentBlock(e, it, errs, null));
    } else {
      const input = h('input', {
        type: 'number', id: 'sc-count', class: 'control sc-points', min: '0', max: '1000', step: '1', inputmode: 'numeric',
        value: String(it.count || 0), disabled: ro,
      });
      scoreInput = input;
      errs.count = errorLine('sc-count-error');
      const take = (now) => {
        const raw = input.value.trim();
        const v = raw === '' ? 0 : Number(raw);
        if (!Number.isInteger(v) || v < 0 || v > 1000) {
          setError(errs.count, input, t('scoring.countInvalid'));
          return;
        }
        setError(errs.count, input, null);
        if (v !== (it.count || 0)) {
          it.count = v;
          ctx.change(e.code, 'count', v, now);
          refreshRow(e);
        } else if (now) ctx.flush();
      };
      input.addEventListener('input', () => take(false));
      input.addEventListener('change', () => take(true));
      const n = e.node;
      const rule = e.kind === 'bonus'
        ? t('scoring.bonusRule', { points: fmtNum(n.points), cap: n.cap == null ? '—' : fmtNum(n.cap) })
        : t(n.area ? 'scoring.deductionRuleArea' : 'scoring.deductionRule', { points: fmtNum(n.points), cap: n.cap == null ? '—' : fmtNum(n.cap), area: n.area || '' });
      parts.push(h('p', { class: 'sc-special-rule' }, rule));
      parts.push(h('div', { class: 'sc-score' },
        h('label', { for: 'sc-count', class: 'sc-label' }, t(e.kind === 'bonus' ? 'scoring.bonusCount' : 'scoring.deductionCount')),
        input,
        h('span', { class: 'sc-max' }, t(e.kind === 'bonus' ? 'scoring.bonusUnit' : 'scoring.deductionUnit'))));
      parts.push(errs.count);
      parts.push(compareLine(e));
      parts.push(commentBlock(e, it, errs, null));
    }

    // evidence
    const addBtn = ctx.editable && ctx.hasReport ? button(t('scoring.evidence.add'), {
      kind: 'secondary', id: 'sc-add-evidence', class: 'btn btn-secondary btn-sm', icon: 'plus', disabled: !selectable,
      title: t('scoring.evidence.addHint'),
      // keep the selection in the report: a mouse press on the button would clear it
      onmousedown: (ev) => ev.preventDefault(),
      onclick: () => attach(),
    }) : null;
    errs.evidence = errorLine('sc-ev-error');
    parts.push(h('section', { class: 'sc-block', 'aria-labelledby': 'sc-ev-title' },
      h('div', { class: 'sc-sub-head' },
        h('h3', { class: 'sc-sub-title', id: 'sc-ev-title' }, t('scoring.evidence.title', { n: it.evidence.length })),
        addBtn),
      errs.evidence,
      evidenceList(e, it)));

    // keyword passages
    const hints = e.kind === 'leaf' && ctx.hints && Array.isArray(ctx.hints[e.code]) ? ctx.hints[e.code] : [];
    if (e.kind === 'leaf' && ctx.hasReport) {
      const kws = Array.isArray(e.node.keywords) ? e.node.keywords : [];
      parts.push(h('section', { class: 'sc-block', 'aria-labelledby': 'sc-hints-title' },
        h('div', { class: 'sc-sub-head' },
          h('h3', { class: 'sc-sub-title', id: 'sc-hints-title' }, t('scoring.hints.title', { n: hints.length }))),
        hints.length
          ? h('ol', { class: 'sc-hint-list', id: 'sc-hints' }, hints.map((hint, i) => h('li', null,
            h('button', {
              type: 'button', class: 'sc-hint-link', 'data-start': String(hint.start),
              onclick: () => { hintAt = i; ctx.jumpTo(hint.start, hint.end); },
            }, h('span', { class: 'sc-hint-kw' }, (hint.keywords || []).join('、')), h('span', { class: 'sc-hint-text' }, hintSnippet(hint))))))
          : h('p', { class: 'sc-ev-empty' }, kws.length ? t('scoring.hints.none') : t('scoring.hints.noKeywords'))));
    }

    const head = h('div', { class: 'sc-editor-head' },
      h('h2', { class: 'sc-editor-title', id: 'sc-editor-title' }, h('span', { class: 'sc-row-code' }, e.code), ' ', e.node.name));
    const el = h('div', { class: 'sc-editor', id: 'sc-editor', role: 'region', 'aria-labelledby': 'sc-editor-title' }, head, parts);
    if (editor && editor.el.isConnected) editor.el.remove();
    editor = { code: e.code, el, scoreInput, errors: errs, addBtn };
    rows.get(e.code).li.append(el);
  }

  /* The self-assessment and the other reviewers' values of e, or null. */
  function compareLine(e) {
    const c = compareText(e);
    return c ? h('p', { class: 'sc-compare', id: 'sc-compare' }, icon('users'), h('span', null, c)) : null;
  }

  function vetoEffect(effect) {
    const s = String(effect || '');
    if (s.startsWith('grade:')) return t('scoring.vetoForce', { band: s.slice(6) });
    if (s.startsWith('cap:')) return t('scoring.vetoCap', { band: s.slice(4) });
    return s;
  }

  function commentBlock(e, it, errs, reqMarker) {
    const ta = h('textarea', {
      id: 'sc-comment', class: 'control sc-comment', rows: '2', maxlength: '2000', disabled: !ctx.editable,
      placeholder: t(e.kind === 'leaf' ? 'scoring.commentPlaceholder' : 'scoring.commentPlaceholderSpecial'),
      'aria-describedby': reqMarker ? 'sc-comment-req sc-comment-error' : 'sc-comment-error',
    });
    ta.value = it.comment || '';
    errs.comment = errorLine('sc-comment-error');
    ta.addEventListener('input', () => {
      it.comment = ta.value;
      ctx.change(e.code, 'comment', it.comment, false);
      if (reqMarker) updateRequired(e, reqMarker);
      setError(errs.comment, ta, null);
      refreshRow(e);
    });
    ta.addEventListener('blur', () => ctx.flush());
    return h('div', { class: 'sc-comment-wrap' },
      h('div', { class: 'sc-comment-head' },
        h('label', { for: 'sc-comment', class: 'sc-label' }, t(ctx.role === 'unit' ? 'scoring.explanation' : 'scoring.comment')), reqMarker),
      ta, errs.comment);
  }

  function updateRequired(e, marker) {
    if (!marker) return;
    const it = item(e.code);
    const need = e.kind === 'leaf' && ctx.commentBelow > 0 && !it.na && it.points != null && it.points < ctx.commentBelow * e.max - 1e-9;
    marker.hidden = !need;
    marker.textContent = t('scoring.commentRequiredBelow', { pct: fmtNum(ctx.commentBelow * 100) });
    const ta = editor && editor.el.querySelector('#sc-comment');
    if (ta) {
      if (need) ta.setAttribute('aria-required', 'true'); else ta.removeAttribute('aria-required');
    }
  }
  function updateRequiredLater(e, marker) {
    queueMicrotask(() => updateRequired(e, marker));
  }

  /* Reads the score input of e; now: also send at once (blur, quick button). */
  function takePoints(e, input, errEl, now, reqMarker) {
    const it = item(e.code);
    const raw = input.value.trim();
    let v = null;
    if (raw !== '') {
      v = Number(raw);
      if (!Number.isFinite(v) || input.validity.badInput) { setError(errEl, input, t('scoring.pointsNaN')); return; }
      if (v < 0 || v > e.max + 1e-9) { setError(errEl, input, t('scoring.pointsRange', { max: fmtNum(e.max) })); return; }
      if (!onStep(v, ctx.step)) { setError(errEl, input, t('scoring.pointsStep', { step: fmtNum(ctx.step > 0 ? ctx.step : 0.01) })); return; }
      v = round2(v);
    } else if (input.validity.badInput) {
      setError(errEl, input, t('scoring.pointsNaN'));
      return;
    }
    setError(errEl, input, null);
    const changed = v !== it.points;
    it.points = v;
    if (changed) ctx.change(e.code, 'points', v, now);
    else if (now) ctx.flush(); // a blur sends what is still waiting
    if (editor) for (const b of editor.el.querySelectorAll('.sc-quick-btn')) b.classList.toggle('is-on', Number(b.dataset.value) === v);
    updateRequired(e, reqMarker || (editor && editor.el.querySelector('#sc-comment-req')));
    refreshRow(e);
  }

  function attach() {
    if (!current || !ctx.editable) return;
    const problem = ctx.attach(current);
    if (editor) setError(editor.errors.evidence, null, problem);
    if (!problem) {
      renderEditor();
      const b = editor && editor.el.querySelector('#sc-add-evidence');
      if (b) b.focus();
    }
  }

  function select(code, { focus = null, scroll = true } = {}) {
    const e = byCode.get(code);
    if (!e || !e.applies) return;
    if (current !== code) {
      const old = current && rows.get(current);
      if (old) {
        old.li.classList.remove('is-current');
        if (old.btn.tagName === 'BUTTON') old.btn.setAttribute('aria-expanded', 'false');
      }
      current = code;
      hintAt = -1;
      const r = rows.get(code);
      r.li.classList.add('is-current');
      r.btn.setAttribute('aria-expanded', 'true');
      renderEditor();
      if (ctx.onCurrent) ctx.onCurrent(code);
    }
    const r = rows.get(code);
    if (scroll) r.btn.scrollIntoView({ block: 'nearest' });
    if (focus === 'row') r.btn.focus({ preventScroll: true });
    if (focus === 'score' && editor && editor.scoreInput && !editor.scoreInput.disabled) {
      editor.scoreInput.focus({ preventScroll: true });
      if (editor.scoreInput.select && editor.scoreInput.type === 'number') editor.scoreInput.select();
    } else if (focus === 'score') r.btn.focus({ preventScroll: true });
    if (scroll && editor) {
      // keep the row and as much of its editor as fits in view
      const pane = node.querySelector('.sc-tree-scroll');
      const top = r.li.getBoundingClientRect().top - pane.getBoundingClientRect().top;
      const bottom = r.li.getBoundingClientRect().bottom - pane.getBoundingClientRect().top;
      if (top < 0 || bottom > pane.clientHeight) pane.scrollTop += Math.min(top - 8, bottom - pane.clientHeight + 8);
    }
  }

  const node = h('section', { class: 'sc-pane sc-rubric', 'aria-label': t('scoring.rubricPane') },
    h('div', { class: 'sc-pane-head' },
      h('h2', { class: 'sc-pane-title' }, t('scoring.rubricPane')),
      h('span', { class: 'sc-pane-meta' }, ctx.rubric.name || '')),
    h('div', { class: 'sc-tree-scroll' }, tree));

  return {
    node,
    select,
    current: () => current,
    refresh(code) {
      const e = byCode.get(code);
      if (e) refreshRow(e);
      if (code === current) renderEditor();
    },
    refreshAll() {
      for (const e of entries) refreshRow(e);
      if (current) renderEditor();
    },
    /* Re-renders the current item's evidence list (quotes from the server). */
    refreshEvidence() {
      if (!editor) return;
      const old = editor.el.querySelector('#sc-ev-list, .sc-ev-empty');
      const e = byCode.get(current);
      if (old && e) {
        old.replaceWith(evidenceList(e, item(e.code)));
        const title = editor.el.querySelector('#sc-ev-title');
        if (title) title.textContent = t('scoring.evidence.title', { n: item(e.code).evidence.length });
      }
    },
    focusScore() { if (current) select(current, { focus: 'score' }); },
    setSelectable(on) {
      selectable = on;
      if (editor && editor.addBtn) editor.addBtn.disabled = !on;
    },
    attach,
    showError(code, member, text) {
      if (code !== current) select(code, { focus: null });
      if (!editor) return;
      const key = member === 'na' ? 'points' : member;
      const el = editor.errors[key] || editor.errors.points || editor.errors.count || editor.errors.veto;
      const input = member === 'comment' ? editor.el.querySelector('#sc-comment') : editor.scoreInput;
      setError(el, input, text);
      if (input) input.focus();
    },
    /* Takes the report to the next keyword passage of the current item; false if none. */
    nextHint() {
      const hints = ctx.hints && current ? ctx.hints[current] : null;
      if (!Array.isArray(hints) || !hints.length) return false;
      hintAt = (hintAt + 1) % hints.length;
      ctx.jumpTo(hints[hintAt].start, hints[hintAt].end);
      const links = editor ? editor.el.querySelectorAll('.sc-hint-link') : [];
      links.forEach((l, i) => l.classList.toggle('is-on', i === hintAt));
      return true;
    },
  };
}
