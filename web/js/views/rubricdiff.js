// web/js/views/rubricdiff.js — 版本对比: what changed between two rubrics (admin).
// Owns: diffSections(diff) — the changes of a GET /api/v1/rubrics/{id}/diff reply (or the
// "diff" of GET /api/v1/cycles/{cycle}/rubric-change) in readable Chinese: 新增, 删除, 改名,
// 分值变化 (from → to), 移动 (上级 from → to, null = 一级指标), 其他修改 (评分标准, 关键词, 适用单位
// 类别, 责任单位, 上限, 否决效果, 所属一级指标, 类型), 总分, 计分规则 and 等次设置; "两个版本相同"
// when same; with {limit} each list stops after that many lines ("另有 N 项") for dialogs.
// rubricChoices() — a <select> of rubrics to compare with or switch to: the versions of the
// same family first (newest first), then every other rubric (GET /api/v1/rubrics).
// compareDialog() — the editor's 与…对比: pick the other rubric, then #/rubrics/{id}/diff?to=.
// rubricDiffView() — the page #/rubrics/{id}/diff?to={other}: both rubrics named with their
// versions and totals and links back to them, a select to compare with another one, 交换
// (from ↔ to), and the sections above.

import { h, replace } from '../dom.js';
import { t, errorMessage } from '../i18n.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { button, openDialog, notice, badge, uid } from '../ui.js';

const fmt = (x) => (typeof x === 'number' && Number.isFinite(x) ? String(Math.round(x * 100) / 100) : '—');
const FIELDS = ['guidance', 'keywords', 'applies_to', 'responsible', 'cap', 'effect', 'area', 'kind'];

/* "云岭县…考核指标 v2" */
export const rubricLabel = (r) => t('rubricDiff.label', { name: r.name, version: r.version });

/* The text of one version for pickers: "v1 · 已冻结 · 2 个周期". */
export function versionText(v) {
  return [
    'v' + v.version,
    t(v.frozen ? 'rubrics.frozen' : 'rubrics.editable'),
    v.cycles ? t('rubricDiff.cycles', { n: v.cycles }) : t('rubricDiff.unused'),
  ].join(' · ');
}

const kindText = (k) => t('rubricDiff.kind.' + (['area', 'item', 'bonus', 'deduction', 'veto'].includes(k) ? k : 'item'));
const parentText = (p) => (p == null ? t('rubricDiff.top') : t('rubricDiff.under', { code: p }));
const nodeTitle = (code, name, after = '') => h('span', { class: 'diff-node' }, h('code', { class: 'diff-code' }, code), name ? ' ' + name : '', after);

function section(key, items, line, limit) {
  if (!items || !items.length) return null;
  const shown = limit ? items.slice(0, limit) : items;
  return h('section', { class: 'diff-section', 'data-diff': key },
    h('h3', { class: 'diff-title' }, t('rubricDiff.section.' + key), h('span', { class: 'diff-count' }, String(items.length))),
    h('ul', { class: 'diff-list' }, shown.map((x) => h('li', { 'data-code': x.code || null }, line(x))),
      items.length > shown.length ? h('li', { class: 'diff-more' }, t('rubricDiff.more', { n: items.length - shown.length })) : null));
}

/* The changes as DOM: a list of sections, or the "same" notice. opts: {limit}. */
export function diffSections(d, { limit = 0 } = {}) {
  if (!d) return null;
  if (d.same) return notice('ok', t('rubricDiff.same'), { id: 'diff-same', class: 'notice notice-ok diff-same' });
  const out = [];
  const tf = d.total && d.total.from;
  const tt = d.total && d.total.to;
  const general = [];
  if (typeof tf === 'number' && typeof tt === 'number' && tf !== tt) general.push({ code: null, text: t('rubricDiff.total', { from: fmt(tf), to: fmt(tt) }) });
  if (d.rules_changed) general.push({ code: null, text: t('rubricDiff.rules') });
  if (d.bands_changed) general.push({ code: null, text: t('rubricDiff.bands') });
  out.push(section('general', general, (x) => x.text, 0));
  const added = (x) => [nodeTitle(x.code, x.name), ' ', h('span', { class: 'diff-meta' },
    [kindText(x.kind), x.kind === 'area' || x.kind === 'item' ? parentText(x.parent) : null,
      typeof x.points === 'number' ? t('rubrics.points', { n: fmt(x.points) }) : null].filter(Boolean).join(' · '))];
  out.push(section('added', d.added, added, limit));
  out.push(section('removed', d.removed, added, limit));
  out.push(section('renamed', d.renamed, (x) => [h('code', { class: 'diff-code' }, x.code), ' ',
    h('del', null, x.from), h('span', { class: 'diff-arrow' }, ' → '), h('ins', null, x.to)], limit));
  out.push(section('repointed', d.repointed, (x) => [nodeTitle(x.code, x.name, '：'), h('span', { class: 'diff-change' },
    t('rubricDiff.points', { from: fmt(x.from), to: fmt(x.to) }))], limit));
  out.push(section('moved', d.moved, (x) => [nodeTitle(x.code, x.name, '：'), h('span', { class: 'diff-change' },
    t('rubricDiff.movedLine', { from: parentText(x.from), to: parentText(x.to) }))], limit));
  out.push(section('changed', d.changed, (x) => [nodeTitle(x.code, x.name, '：'), h('span', { class: 'diff-change' },
    t('rubricDiff.changedLine', { fields: (x.fields || []).map((f) => (FIELDS.includes(f) ? t('rubricDiff.field.' + f) : f)).join('、') }))], limit));
  const shown = out.filter(Boolean);
  return h('div', { class: 'diff-sections', id: 'diff-sections' }, shown.length ? shown : notice('info', t('rubricDiff.noListed')));
}

/* A select of the rubrics other than `self` ({id, family}): the family's versions first. */
export function rubricChoices(self, all, { id, selected } = {}) {
  const family = self.family == null ? [] : all.filter((r) => r.id !== self.id && r.family === self.family).sort((a, b) => b.version - a.version);
  const others = all.filter((r) => r.id !== self.id && (self.family == null || r.family !== self.family));
  const opt = (r, text) => h('option', { value: String(r.id) }, text);
  const sel = h('select', { class: 'control', id: id || uid('rubric-choice') },
    family.length ? h('optgroup', { label: t('rubricDiff.groupFamily') }, family.map((r) => opt(r, `${r.name} · ${versionText(r)}`))) : null,
    others.length ? h('optgroup', { label: t(self.family == null ? 'rubricDiff.groupAll' : 'rubricDiff.groupOthers') }, others.map((r) => opt(r, `${r.name} · ${versionText(r)}`))) : null);
  const prev = family.find((r) => r.version < (self.version || 0));
  const first = selected != null && all.some((r) => r.id === selected && r.id !== self.id) ? selected
    : prev ? prev.id : family.length ? family[0].id : others.length ? others[0].id : null;
  if (first != null) sel.value = String(first);
  return { select: sel, count: family.length + others.length };
}

/* 与…对比 in the editor: resolves after navigating to the diff page (or on cancel). */
export async function compareDialog(rubric) {
  let all;
  try {
    all = ((await api.get('/api/v1/rubrics')) || {}).rubrics || [];
  } catch (err) {
    all = null;
    openDialog({ title: t('rubricDiff.compareTitle'), id: 'compare-dialog', size: 'sm', body: [notice('error', errorMessage(err))], submitText: null });
    return;
  }
  const { select, count } = rubricChoices(rubric, all, { id: 'compare-to' });
  const body = count
    ? [h('p', { class: 'dlg-intro' }, t('rubricDiff.compareIntro', { label: rubricLabel(rubric) })),
      h('div', { class: 'field' }, h('label', { for: 'compare-to' }, t('rubricDiff.compareWith')), select)]
    : [notice('info', t('rubricDiff.nothingToCompare'))];
  const dlg = openDialog({
    title: t('rubricDiff.compareTitle'), id: 'compare-dialog', size: 'md',
    submitText: count ? t('rubricDiff.compareSubmit') : null, body,
    onSubmit: async () => Number(select.value),
  });
  const to = await dlg.closed;
  if (typeof to === 'number' && to > 0) navigate(`/rubrics/${rubric.id}/diff?to=${to}`);
}

/* #/rubrics/{id}/diff?to={other} */
export function rubricDiffView({ rubricId, route }) {
  const to = /^\d+$/.test(route.query.get('to') || '') ? Number(route.query.get('to')) : null;
  const title = h('h1', { class: 'page-title', tabindex: '-1', id: 'diff-title' }, t('rubricDiff.title'));
  const sub = h('p', { class: 'page-desc', id: 'diff-sub' }, t('app.loading'));
  const tools = h('div', { class: 'toolbar diff-tools' });
  const body = h('div', { class: 'diff-body', id: 'diff-body' });
  const back = h('a', { href: '#/rubrics/' + rubricId, class: 'back-link', id: 'diff-back' }, '‹ ', t('rubricDiff.back'));

  async function start() {
    if (to === null) {
      replace(sub, '');
      replace(body, notice('warn', t('rubricDiff.noTo')));
      return;
    }
    let d;
    let all = [];
    try {
      [d, all] = await Promise.all([
        api.get(`/api/v1/rubrics/${rubricId}/diff?to=${to}`),
        api.get('/api/v1/rubrics').then((x) => (x && x.rubrics) || []).catch(() => []),
      ]);
    } catch (err) {
      replace(sub, '');
      replace(body, notice('error', errorMessage(err)));
      return;
    }
    const link = (r) => h('a', { href: '#/rubrics/' + r.id, 'data-id': String(r.id) }, rubricLabel(r));
    replace(back, '‹ ', t('rubricDiff.backTo', { label: rubricLabel(d.from) }));
    replace(sub, t('rubricDiff.from'), link(d.from), ' ', badge(t('rubrics.points', { n: fmt(d.from.total_points) }), 'off'),
      h('span', { class: 'diff-arrow' }, ' → '), link(d.to), ' ', badge(t('rubrics.points', { n: fmt(d.to.total_points) }), 'off'));
    const self = all.find((r) => r.id === rubricId) || { id: rubricId, family: null, version: d.from.version };
    const { select, count } = rubricChoices(self, all, { id: 'diff-other', selected: to });
    select.addEventListener('change', () => navigate(`/rubrics/${rubricId}/diff?to=${select.value}`));
    const swap = button(t('rubricDiff.swap'), { id: 'diff-swap', icon: 'refresh', onclick: () => navigate(`/rubrics/${to}/diff?to=${rubricId}`) });
    replace(tools, h('div', { class: 'toolbar-filters' },
      count ? [h('label', { class: 'toolbar-label', for: 'diff-other' }, t('rubricDiff.compareWith')), select] : null, swap));
    replace(body, diffSections(d));
  }
  start();
  return {
    title: t('rubricDiff.title'),
    node: h('div', { class: 'page page-rubric-diff', 'data-page': 'indicators' },
      h('header', { class: 'page-head' }, h('div', null, back, title, sub)),
      tools, h('section', { class: 'panel panel-pad', 'aria-labelledby': 'diff-title' }, body)),
  };
}
