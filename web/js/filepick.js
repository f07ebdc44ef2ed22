// web/js/filepick.js — choosing a file to send and watching it go, for the import dialogs
// (单位导入: .xlsx/.csv; 批量导入报告: .zip).
// Owns: dropZone() (a dashed area that takes a dropped file, or 选择文件 through a hidden
// <input type=file>; one file at a time; the extension and size are checked here first, so a
// wrong file gets its sentence without a request); uploadJob() (the file's name and size, a
// progress bar with percent and bytes while it is sent through api.upload(), then "正在读取和
// 检查…" while the server works, and 取消 = abort); saveBlob() (a file made in the browser,
// e.g. the import template, saved through a temporary <a download>; the CSP allows blob:).

import { h, icon, replace } from './dom.js';
import { t, formatSize } from './i18n.js';
import { upload } from './api.js';
import { button, progressBar } from './ui.js';

/* Saves blob as filename. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename, class: 'visually-hidden' }, filename);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/* The lower-case extension of a file name with its dot (".csv"), or ''. */
export function extOf(name) {
  const m = /\.([^.\\/]+)$/.exec(name || '');
  return m ? '.' + m[1].toLowerCase() : '';
}

/* A drop zone. opts: { id, types: ['.csv', …], maxBytes, title, hint, iconName, onFile(file),
 * onProblem(text), typeHints: {'.xls': key} — a catalogue key (with {name}) saying what to do
 * with a file of a near miss type }. Returns { el, input, setDisabled(bool) }. */
export function dropZone({ id, types, maxBytes, title, hint, iconName = 'report', onFile, onProblem, typeHints = {} }) {
  let disabled = false;
  const input = h('input', {
    type: 'file', id: id + '-file', class: 'visually-hidden', accept: types.join(','), tabindex: '-1',
  });
  const pick = button(t('filepick.pick'), { kind: 'primary', icon: iconName, id: id + '-pick', onclick: () => input.click() });
  const el = h('div', { class: 'drop-zone drop-zone-dlg', id, 'data-state': 'idle' },
    h('span', { class: 'drop-icon' }, icon(iconName)),
    h('p', { class: 'drop-title' }, title),
    h('p', { class: 'drop-or' }, t('upload.dropOr')),
    pick,
    h('p', { class: 'drop-hint' }, hint),
    input);

  function take(file) {
    if (!file || disabled) return;
    const ext = extOf(file.name);
    let problem = null;
    if (!types.includes(ext)) {
      problem = Object.hasOwn(typeHints, ext) ? t(typeHints[ext], { name: file.name })
        : t('filepick.type', { name: file.name, types: types.join(' / ') });
    }
    else if (file.size === 0) problem = t('upload.check.empty', { name: file.name });
    else if (maxBytes && file.size > maxBytes) problem = t('filepick.tooLarge', { name: file.name, size: formatSize(file.size), max: formatSize(maxBytes) });
    input.value = '';
    if (problem) onProblem(problem);
    else onFile(file);
  }

  input.addEventListener('change', () => take(input.files && input.files[0]));
  el.addEventListener('click', (ev) => { if (ev.target === el && !disabled) input.click(); });
  let depth = 0;
  el.addEventListener('dragenter', (ev) => {
    ev.preventDefault();
    depth += 1;
    if (!disabled) el.classList.add('is-over');
  });
  el.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    if (ev.dataTransfer) ev.dataTransfer.dropEffect = disabled ? 'none' : 'copy';
  });
  el.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (!depth) el.classList.remove('is-over');
  });
  el.addEventListener('drop', (ev) => {
    ev.preventDefault();
    depth = 0;
    el.classList.remove('is-over');
    const files = ev.dataTransfer ? ev.dataTransfer.files : null;
    if (disabled || !files || !files.length) return;
    if (files.length > 1) { onProblem(t('upload.check.many')); return; }
    take(files[0]);
  });

  return {
    el,
    input,
    setDisabled(v) {
      disabled = v;
      pick.disabled = v;
      el.classList.toggle('is-disabled', v);
      el.setAttribute('aria-disabled', String(v));
    },
  };
}

/* The progress of one upload. Returns { el, send(path, file, {fields}) → Promise of the
 * reply (rejects with ApiError; E_ABORTED after 取消), hide() }. While a send is under way,
 * busy() is true. */
export function uploadJob({ id, workingText }) {
  const el = h('div', { class: 'upload-job', id, hidden: true });
  let job = null;

  function paint(file, { loaded, phase }) {
    const pct = Math.floor((loaded / (file.size || 1)) * 100);
    const cancel = phase === 'sending' ? button(t('common.cancel'), { id: id + '-cancel', onclick: () => job && job.abort() }) : null;
    el.hidden = false;
    el.dataset.phase = phase;
    replace(el,
      h('div', { class: 'job-head' },
        h('span', { class: 'job-icon' }, icon('report')),
        h('span', { class: 'job-file' },
          h('span', { class: 'job-name' }, file.name),
          h('span', { class: 'job-size' }, formatSize(file.size))),
        cancel),
      progressBar(pct, 100, t('upload.progressLabel'), { id: id + '-progress' }),
      h('p', { class: 'job-line' },
        h('span', { class: 'job-phase' + (phase === 'processing' ? ' is-working' : '') },
          phase === 'sending' ? t('upload.sending') : workingText),
        h('span', { class: 'job-bytes' }, `${pct}% · ${formatSize(loaded)} / ${formatSize(file.size)}`)));
  }

  return {
    el,
    busy: () => !!job,
    async send(path, file, { fields } = {}) {
      let loaded = 0;
      let phase = 'sending';
      paint(file, { loaded, phase });
      job = upload(path, file, {
        fields,
        onProgress: (l) => { loaded = Math.min(l, file.size); if (phase === 'sending') paint(file, { loaded, phase }); },
        onSent: () => { loaded = file.size; phase = 'processing'; paint(file, { loaded, phase }); },
      });
      try {
        return await job.promise;
      } finally {
        job = null;
        el.hidden = true;
        el.replaceChildren();
      }
    },
    abort() { if (job) job.abort(); },
    hide() { el.hidden = true; el.replaceChildren(); },
  };
}
