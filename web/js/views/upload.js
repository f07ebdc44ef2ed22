// web/js/views/upload.js — 报告填报: uploading a unit's annual report.
// Routes: #/report (a unit user, own unit; ?cycle=N picks the cycle, else the newest cycle
// open for submission, else the newest) and #/cycles/{id}/units/{code}/upload (the admin,
// for any unit, reached from the cycle page and the report view's 上传新版本).
// Owns: the cycle bar (cycle selector, phase, 填报截止 with "距截止还有 N 天", the unit's
// current status from GET /api/v1/cycles/{id}/units, and whether uploading is open: phase
// 报告填报, before the deadline or within a 补交 permission); the drop zone (drag and drop or
// 选择文件; .docx/.pdf/.txt, at most 50 MB, checked here first); the upload itself through
// api.upload() (XMLHttpRequest: a real progress bar with percent and bytes, 取消 = abort);
// the result of POST …/report (版本, detected title/year/unit, the five parts ✓/✗ and the
// warnings, or the error in Chinese with the server's detail); the current version's
// analysis (GET …/report) and the versions table (GET …/report/versions), fetched only when
// the unit has a report.

import { h, icon, replace } from '../dom.js';
import { t, errorMessage, errorText, formatMinute, formatDateTime, formatSize } from '../i18n.js';
import { api, upload } from '../api.js';
import { navigate } from '../router.js';
import { button, notice, badge, progressBar } from '../ui.js';
import { timeLeft } from '../dates.js';
import { pageHead } from './page.js';
import { phaseBadge } from './cycles.js';
import {
  reportPath, reportHref, sectionList, warningList, reportFacts, versionsTable, formatName,
} from './reportparts.js';

export const MAX_BYTES = 50 * 1024 * 1024;
const TYPES = ['docx', 'pdf', 'txt'];

/* null when file may be sent, else the sentence saying why not. */
export function checkFile(file) {
  const m = /\.([^.]+)$/.exec(file.name || '');
  const ext = m ? m[1].toLowerCase() : '';
  if (!TYPES.includes(ext)) {
    return t(ext === 'doc' || ext === 'wps' ? 'upload.check.oldWord' : 'upload.check.type', { name: file.name, ext: ext ? '.' + ext : '' });
  }
  if (file.size === 0) return t('upload.check.empty', { name: file.name });
  if (file.size > MAX_BYTES) return t('upload.check.tooLarge', { name: file.name, size: formatSize(file.size) });
  return null;
}

/* The newest cycle open for submission, else the newest. */
function pickCycle(list) {
  return list.find((c) => c.phase === 'submission') || list[0] || null;
}

/* Whether an upload is open now: { open, kind, text } (kind: info | warn). As the daemon
 * decides it: a unit user in the submission phase, before the deadline or within a 补交
 * permission; the admin in the draft, submission and review phases (late after the deadline). */
function openState(cycle, unit, isAdmin) {
  const now = Date.now() / 1000;
  const phase = cycle.phase;
  if (isAdmin) {
    if (phase === 'publication' || phase === 'closed') return { open: false, kind: 'info', text: t('upload.state.overAdmin') };
    if (phase !== 'submission') return { open: true, kind: 'info', text: t('upload.state.adminOnly', { phase: t('phase.' + phase) }) };
  } else {
    if (phase === 'draft') return { open: false, kind: 'info', text: t('upload.state.draft') };
    if (phase !== 'submission') return { open: false, kind: 'info', text: t('upload.state.over', { phase: t('phase.' + phase) }) };
  }
  const deadline = cycle.submission_deadline;
  const late = unit && typeof unit.late_upload_until === 'number' ? unit.late_upload_until : null;
  if (typeof deadline === 'number' && deadline < now) {
    if (late != null && late > now) return { open: true, kind: 'warn', text: t('upload.state.late', { time: formatMinute(late) }) };
    return { open: isAdmin, kind: 'warn', text: t(isAdmin ? 'upload.state.pastAdmin' : 'upload.state.past') };
  }
  return { open: true, kind: null, text: null };
}

function countdown(secs) {
  if (typeof secs !== 'number') return null;
  const left = timeLeft(secs);
  if (left.past) return h('span', { class: 'countdown is-past', id: 'upload-countdown' }, t('upload.countdown.past'));
  return h('span', { class: 'countdown' + (left.hours || left.days <= 3 ? ' is-soon' : ''), id: 'upload-countdown' },
    left.hours ? t('upload.countdown.hours', { hours: left.hours }) : t('upload.countdown.days', { days: left.days }));
}

/* ctx: { user, cycleId (null: choose), unitCode (null: the user's own unit), refreshCycles }. */
export function uploadView({ user, cycleId, unitCode, refreshCycles }) {
  const isAdmin = user.role === 'admin';
  const code = unitCode || (user.unit && user.unit.code) || null;
  let cycle = null;
  let unit = null;      // the unit's row of GET /cycles/{id}/units
  let state = { open: false };
  let job = null;       // the upload in progress: { abort }

  const headBox = h('div', null, pageHead(t(isAdmin ? 'upload.adminTitle' : 'nav.report'), t('page.report.desc')));
  const cycleBar = h('section', { class: 'panel panel-pad cycle-bar', 'aria-label': t('upload.cycleBar') },
    h('p', { class: 'card-loading' }, t('app.loading')));
  const fileInput = h('input', { type: 'file', id: 'upload-file', class: 'visually-hidden', accept: '.docx,.pdf,.txt', tabindex: '-1' });
  const pickBtn = button(t('upload.pick'), { kind: 'primary', id: 'upload-pick', icon: 'report', onclick: () => fileInput.click() });
  const zone = h('div', { class: 'drop-zone', id: 'drop-zone', 'data-state': 'idle' },
    h('span', { class: 'drop-icon' }, icon('report')),
    h('p', { class: 'drop-title' }, t('upload.dropTitle')),
    h('p', { class: 'drop-or' }, t('upload.dropOr')),
    pickBtn,
    h('p', { class: 'drop-hint', id: 'drop-hint' }, t('upload.dropHint')),
    fileInput);
  const zoneNote = h('div', { class: 'zone-note' });
  const job$ = h('div', { class: 'upload-job', id: 'upload-job', hidden: true });
  const result = h('div', { class: 'upload-result', id: 'upload-result', 'aria-live': 'polite' });
  const analysis = h('section', { class: 'panel panel-pad', id: 'upload-analysis', 'aria-labelledby': 'analysis-title', hidden: true });
  const versionsBox = h('section', { class: 'panel', id: 'upload-versions', 'aria-labelledby': 'versions-title', hidden: true });

  // ─── the cycle bar ───
  function renderCycleBar(list) {
    const c = cycle;
    let selector;
    if (!isAdmin && list.length > 1) {
      const sel = h('select', { id: 'upload-cycle', class: 'control' },
        list.map((x) => h('option', { value: String(x.id), selected: x.id === c.id }, x.title)));
      sel.addEventListener('change', () => navigate('/report?cycle=' + sel.value));
      selector = h('div', { class: 'cycle-pick' }, h('label', { class: 'toolbar-label', for: 'upload-cycle' }, t('upload.cycle')), sel);
    } else {
      selector = h('div', { class: 'cycle-pick' }, h('span', { class: 'toolbar-label' }, t('upload.cycle')),
        isAdmin ? h('a', { href: '#/cycles/' + c.id, class: 'cycle-name' }, c.title) : h('strong', { class: 'cycle-name' }, c.title));
    }
    const r = unit && unit.report;
    const current = r
      ? h('span', { class: 'badge-row', id: 'upload-current' },
        badge(t('upload.current.submitted', { version: r.version }), 'ok'),
        r.late ? badge(t('cycle.units.late'), 'warn') : null,
        h('span', { class: 'text-muted' }, t('upload.current.at', { time: formatDateTime(r.uploaded_at) })),
        h('a', { href: reportHref(c.id, code), class: 'inline-link', id: 'upload-view-report' }, t('upload.viewReport')))
      : h('span', { class: 'badge-row', id: 'upload-current' }, badge(t(unit ? 'cycle.units.missing' : 'upload.current.notIn'), 'off'));
    replace(cycleBar, 
      h('div', { class: 'cycle-bar-top' }, selector, phaseBadge(c.phase)),
      h('dl', { class: 'cycle-bar-facts' },
        h('div', null, h('dt', null, t('cycles.col.submissionDeadline')),
          h('dd', null, h('span', { id: 'upload-deadline' }, typeof c.submission_deadline === 'number' ? formatMinute(c.submission_deadline) : t('cycles.noDeadline')),
            c.phase === 'submission' ? countdown(c.submission_deadline) : null)),
        h('div', null, h('dt', null, isAdmin && unit ? t('upload.unitStatus', { name: unit.name }) : t('upload.ownStatus')), h('dd', null, current))));
  }

  function applyState() {
    zone.classList.toggle('is-disabled', !state.open);
    zone.classList.toggle('is-compact', !!(unit && unit.report)); // room for the result below
    pickBtn.disabled = !state.open || !!job;
    zone.setAttribute('aria-disabled', String(!state.open));
    replace(zoneNote, state.text ? notice(state.kind, state.text, { id: 'upload-state' }) : []);
  }

  // ─── the result of an upload, and the current version's analysis ───
  function renderAnalysis(report, { fresh }) {
    const ws = Array.isArray(report.warnings) ? report.warnings : [];
    analysis.hidden = false;
    replace(analysis, 
      h('div', { class: 'panel-head' },
        h('h2', { class: 'section-title', id: 'analysis-title' },
          t(fresh ? 'upload.analysisNew' : 'upload.analysisCurrent', { version: report.version })),
        h('a', { href: reportHref(cycle.id, code, report.current === false ? report.version : null), class: 'btn btn-link', id: 'analysis-view' },
          t('upload.viewReport'))),
      fresh ? notice(ws.length ? 'warn' : 'ok',
        h('span', null, h('strong', { id: 'upload-version' }, t('upload.done', { version: report.version })),
          ' ', ws.length ? t('upload.doneWarn', { count: ws.length }) : t('upload.doneOk')), { id: 'upload-done' }) : null,
      warningList(report, { id: 'upload-warnings' }),
      h('div', { class: 'analysis-grid' },
        h('div', null,
          h('h3', { class: 'sub-title' }, t('report.detected')),
          reportFacts(report),
          h('p', { class: 'file-line' }, icon('report'),
            h('span', null, report.filename || ''), h('span', { class: 'text-subtle' }, `${formatName(report.format)} · ${formatSize(report.size)}`))),
        h('div', null,
          h('h3', { class: 'sub-title' }, t('report.sections')),
          sectionList(report, { id: 'upload-sections' }))));
  }

  function renderJob(file, { pct, loaded, phase, err }) {
    const bar = progressBar(pct, 100, t('upload.progressLabel'), { id: 'upload-progress' });
    const cancel = phase === 'sending'
      ? button(t('common.cancel'), { id: 'upload-cancel', onclick: () => job && job.abort() }) : null;
    const line = {
      sending: t('upload.sending'),
      processing: t('upload.processing'),
      done: t('upload.sent'),
      cancelled: t('upload.cancelled'),
      failed: t('upload.failed'),
    }[phase];
    job$.hidden = false;
    job$.dataset.phase = phase;
    replace(job$, 
      h('div', { class: 'job-head' },
        h('span', { class: 'job-icon' }, icon('report')),
        h('span', { class: 'job-file' },
          h('span', { class: 'job-name', id: 'upload-name' }, file.name),
          h('span', { class: 'job-size', id: 'upload-size' }, formatSize(file.size))),
        cancel),
      bar,
      h('p', { class: 'job-line' },
        h('span', { class: 'job-phase' + (phase === 'processing' ? ' is-working' : '') }, line),
        h('span', { class: 'job-bytes', id: 'upload-bytes' }, `${pct}% · ${formatSize(loaded)} / ${formatSize(file.size)}`)),
      err ? notice('error', err, { id: 'upload-error' }) : null);
  }

  async function send(file) {
    if (job) return;
    const problem = checkFile(file);
    if (problem) {
      job$.hidden = true;
      replace(result, notice('error', problem, { id: 'upload-error' }));
      return;
    }
    result.replaceChildren();
    let loaded = 0;
    let phase = 'sending';
    const paint = (err) => renderJob(file, { pct: Math.floor((loaded / (file.size || 1)) * 100), loaded, phase, err });
    paint();
    const path = reportPath(cycle.id, code);
    const xhr = upload(path, file, {
      onProgress: (l) => { loaded = Math.min(l, file.size); if (phase === 'sending') paint(); },
      onSent: () => { loaded = file.size; phase = 'processing'; paint(); },
    });
    job = xhr;
    applyState();
    zone.dataset.state = 'uploading';
    let reply;
    try {
      reply = await xhr.promise;
    } catch (err) {
      job = null;
      zone.dataset.state = 'idle';
      applyState();
      if (err.code === 'E_ABORTED') {
        phase = 'cancelled';
        paint();
        return;
      }
      phase = 'failed';
      paint(uploadErrorText(err));
      return;
    }
    job = null;
    zone.dataset.state = 'idle';
    loaded = file.size;
    phase = 'done';
    paint();
    applyState();
    fileInput.value = '';
    const report = reply && reply.report;
    if (report) renderAnalysis({ ...report, current: true }, { fresh: true });
    try {
      await refreshStatus();
    } catch { /* the result above stands; the status shows at the next visit */ }
    loadVersions();
  }

  function uploadErrorText(err) {
    if (err.code === 'E_TOO_LARGE' && !err.detail) return t('upload.check.tooLargeServer');
    if (err.code === 'E_NETWORK') return t('upload.network');
    return errorText(err);
  }

  // ─── drag and drop, the file button ───
  const firstFile = (list) => (list && list.length ? list[0] : null);
  fileInput.addEventListener('change', () => {
    const f = firstFile(fileInput.files);
    if (f) send(f);
  });
  zone.addEventListener('click', (ev) => {
    if (ev.target === zone && state.open && !job) fileInput.click();
  });
  let depth = 0;
  zone.addEventListener('dragenter', (ev) => {
    ev.preventDefault();
    depth += 1;
    if (state.open && !job) zone.classList.add('is-over');
  });
  zone.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    if (ev.dataTransfer) ev.dataTransfer.dropEffect = state.open && !job ? 'copy' : 'none';
  });
  zone.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (!depth) zone.classList.remove('is-over');
  });
  zone.addEventListener('drop', (ev) => {
    ev.preventDefault();
    depth = 0;
    zone.classList.remove('is-over');
    if (!state.open || job) return;
    const files = ev.dataTransfer ? ev.dataTransfer.files : null;
    if (files && files.length > 1) {
      replace(result, notice('error', t('upload.check.many'), { id: 'upload-error' }));
      return;
    }
    const f = firstFile(files);
    if (f) send(f);
  });

  // ─── loading ───
  async function refreshStatus() {
    const reply = await api.get(`/api/v1/cycles/${encodeURIComponent(cycle.id)}/units`);
    const list = reply && Array.isArray(reply.units) ? reply.units : [];
    unit = list.find((u) => u.code === code) || null;
    state = unit ? openState(cycle, unit, isAdmin) : { open: false, kind: 'info', text: t('upload.state.notIn') };
    renderCycleBar(cyclesList);
    applyState();
    if (isAdmin && unit) {
      replace(headBox, 
        h('nav', { class: 'crumbs', 'aria-label': t('cycle.crumbs') },
          h('a', { href: '#/cycles' }, t('nav.cycles')), h('span', { 'aria-hidden': 'true' }, ' / '),
          h('a', { href: '#/cycles/' + cycle.id }, cycle.title), h('span', { 'aria-hidden': 'true' }, ' / '),
          h('span', { 'aria-current': 'page' }, unit.name)),
        pageHead(t('upload.adminTitleOf', { name: unit.name }), t('upload.adminDesc')));
    }
  }

  async function loadVersions() {
    if (!unit || !unit.report) { versionsBox.hidden = true; return; }
    let reply;
    try {
      reply = await api.get(reportPath(cycle.id, code) + '/versions');
    } catch (err) {
      versionsBox.hidden = false;
      replace(versionsBox, h('div', { class: 'panel-pad' },
        h('h2', { class: 'section-title', id: 'versions-title' }, t('versions.title')),
        notice('error', errorMessage(err))));
      return;
    }
    const versions = reply && Array.isArray(reply.versions) ? reply.versions : [];
    versionsBox.hidden = false;
    replace(versionsBox, 
      h('div', { class: 'panel-bar' }, h('h2', { class: 'section-title', id: 'versions-title' }, t('versions.title')),
        h('span', { class: 'text-muted', id: 'versions-count' }, t('versions.count', { count: versions.length }))),
      versionsTable(versions, { cycleId: cycle.id, unitCode: code }));
  }

  async function loadCurrent() {
    if (!unit || !unit.report) return;
    try {
      const reply = await api.get(reportPath(cycle.id, code));
      if (reply && reply.report && analysis.hidden) renderAnalysis({ ...reply.report, current: true }, { fresh: false });
    } catch { /* the versions panel says what is wrong */ }
  }

  let cyclesList = [];
  async function load() {
    if (!code) {
      replace(cycleBar, notice('error', t('upload.noUnit')));
      return;
    }
    try {
      cyclesList = await refreshCycles();
      cycle = cycleId ? cyclesList.find((c) => c.id === cycleId) : pickCycle(cyclesList);
      if (!cycle && cycleId) cycle = (await api.get('/api/v1/cycles/' + encodeURIComponent(cycleId))).cycle;
      if (!cycle) {
        replace(cycleBar, notice('info', t('upload.noCycle')));
        zone.hidden = true;
        return;
      }
      await refreshStatus();
    } catch (err) {
      replace(cycleBar, notice('error', errorMessage(err)));
      zone.classList.add('is-disabled');
      pickBtn.disabled = true;
      return;
    }
    loadCurrent();
    loadVersions();
  }

  pickBtn.disabled = true;
  zone.classList.add('is-disabled');
  load();

  return {
    title: t(isAdmin ? 'upload.adminTitle' : 'nav.report'),
    node: h('div', { class: 'page page-upload', 'data-page': 'report' },
      headBox,
      cycleBar,
      h('section', { class: 'panel panel-pad upload-panel', 'aria-labelledby': 'upload-title' },
        h('h2', { class: 'section-title', id: 'upload-title' }, t('upload.title')),
        zoneNote,
        zone,
        job$,
        result),
      analysis,
      versionsBox),
  };
}
