// web/js/views/scoretotal.js — the running total of a score sheet while changes are still on
// their way to the server: the rubric's rules (server/scoring.h) applied to the scores on the
// page, so the total moves as the reviewer types. Once everything is saved the page shows the
// server's own total and steps instead; both explain every rule they applied (N/A rescaling,
// bonus and deduction caps, 扣完为止, the grade, a veto), in the same words.
// Owns: localTotal(rubric, items, unitKind).

import { t } from '../i18n.js';

const round2 = (x) => Math.round(x * 100) / 100;
const num = (v, def) => (typeof v === 'number' && Number.isFinite(v) ? v : def);
const fmt = (x) => String(round2(x));

/* The total of items ({code: {points, na, count, veto}}) under rubric for a unit of kind
 * unitKind (null: every leaf applies): { base, applicable_max, rescaled, bonus, deduction,
 * total, grade, vetoed_by, excluded, steps }, as the server computes it. */
export function localTotal(rubric, items, unitKind) {
  const rules = rubric.rules || {};
  const steps = [];
  const excluded = [];
  const item = (code) => items[code] || {};
  let base = 0;
  let maxAll = 0;
  let maxApplicable = 0;
  const areas = Array.isArray(rubric.areas) ? rubric.areas : [];
  const areaBase = [];

  const walk = (n) => {
    if (Array.isArray(n.children)) { n.children.forEach(walk); return; }
    const max = num(n.max_points, 0);
    const applies = !(unitKind && Array.isArray(n.applies_to) && !n.applies_to.includes(unitKind)) && !item(n.code).na;
    maxAll += max;
    if (!applies) { excluded.push(n.code); return; }
    maxApplicable += max;
    const v = num(item(n.code).points, 0);
    base += v < 0 ? 0 : v > max ? max : v;
  };
  for (const a of areas) {
    const before = base;
    walk(a);
    areaBase.push(base - before);
  }
  base = round2(base);
  steps.push(t('scoring.step.base', { base: fmt(base), max: fmt(maxApplicable) }));
  const total = num(rubric.total_points, 100);
  let rescaled = base;
  let factor = 1;
  if (maxApplicable < maxAll && rules.na_rescale !== false && maxApplicable > 0) {
    factor = total / maxApplicable;
    rescaled = round2(base * factor);
    steps.push(t('scoring.step.rescale', { n: excluded.length, base: fmt(base), max: fmt(maxApplicable), total: fmt(total), rescaled: fmt(rescaled) }));
  }
  const specials = (list, member, area) => {
    let sum = 0;
    for (const n of Array.isArray(list) ? list : []) {
      const a = typeof n.area === 'string' ? n.area : null;
      if (area ? a !== area : a !== null) continue;
      const c = num(item(n.code)[member], 0);
      if (c <= 0) continue;
      const v = num(n.points, 0) * Math.floor(c);
      const cap = num(n.cap, Infinity);
      sum += v > cap ? cap : v;
    }
    return sum;
  };
  const overall = (amount, cap, key) => {
    amount = round2(amount);
    if (amount > cap) steps.push(t(key + 'Capped', { amount: fmt(amount), cap: fmt(cap) }));
    else if (amount > 0) steps.push(t(key, { amount: fmt(amount) }));
    return amount > cap ? cap : amount;
  };
  const bonus = overall(specials(rubric.bonus, 'count', null), num(rules.bonus_cap, Infinity), 'scoring.step.bonus');
  let ded = specials(rubric.deduction, 'count', null);
  areas.forEach((a, i) => {
    let amount = a.code ? round2(specials(rubric.deduction, 'count', a.code)) : 0;
    const have = round2(areaBase[i] * factor);
    if (amount > have) {
      steps.push(t('scoring.step.areaFloor', { area: a.code, amount: fmt(amount), have: fmt(have) }));
      amount = have;
    }
    ded += amount;
  });
  ded = overall(ded, num(rules.deduction_cap, Infinity), 'scoring.step.deduction');
  let sum = round2(rescaled + bonus - ded);
  if (sum < 0) { steps.push(t('scoring.step.floor')); sum = 0; }
  if (sum > total) { steps.push(t('scoring.step.ceiling', { total: fmt(total) })); sum = total; }

  const bands = Array.isArray(rubric.grade_bands) ? rubric.grade_bands : [];
  let grade = null;
  let gi = 0;
  bands.forEach((b, i) => {
    if (grade === null && sum + 1e-9 >= num(b.min, 0)) { grade = b.name; gi = i; }
  });
  let vetoedBy = null;
  for (const v of Array.isArray(rubric.veto) ? rubric.veto : []) {
    if (!v.code || typeof v.effect !== 'string' || !item(v.code).veto) continue;
    const force = v.effect.startsWith('grade:');
    const band = v.effect.slice(force ? 6 : 4);
    bands.forEach((b, bi) => {
      if (b.name !== band) return;
      if (force || grade === null || bi > gi) {
        steps.push(t(force ? 'scoring.step.vetoForce' : 'scoring.step.vetoCap', { code: v.code, band }));
        grade = b.name;
        gi = bi;
        vetoedBy = v.code;
      }
    });
  }
  steps.push(t('scoring.step.total', { total: fmt(sum), grade: grade || t('scoring.noGrade') }));
  return {
    base, applicable_max: maxApplicable, rescaled, bonus, deduction: ded, total: sum, grade, vetoed_by: vetoedBy, excluded, steps,
  };
}
