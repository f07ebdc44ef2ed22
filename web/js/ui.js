// web/js/ui.js — shared building blocks of the pages that work with the API.
// Owns: buttons with a busy state; labelled form fields with their own error line
// (aria-invalid + aria-describedby); formErrors(), which puts a server error next to the
// field it names (err.field) or into the form's alert; modal dialogs on the native <dialog>
// (showModal: the rest of the page is inert and Tab stays inside, Esc closes, Enter in a
// field submits, the first field gets focus, focus returns to the opener); the
// confirmation dialog; the "shown only once" dialog for generated passwords (with a copy
// button); copying text to the clipboard; notices, status badges, progress bars and the
// message rows of tables.

import { h, icon } from './dom.js';
import { t, errorText } from './i18n.js';

let seq = 0;

/* A fresh element id with the given prefix. */
export function uid(prefix) {
  seq += 1;
  return `${prefix}-${seq}`;
}

/* A button. opts: { kind: 'primary'|'secondary'|'danger'|'link', type, icon, ...attributes }.
 * The label sits in .btn-label so setBusy() can show the spinner beside it. */
export function button(text, { kind = 'secondary', type = 'button', icon: iconName, ...attrs } = {}) {
  return h('button', { type, class: 'btn btn-' + kind, ...attrs },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    iconName ? icon(iconName) : null,
    h('span', { class: 'btn-label' }, text));
}

/* Shows or ends the busy state of a button made by button(). A button blocked by
 * setBlocked() stays disabled when the busy state ends. */
export function setBusy(btn, busy) {
  btn.disabled = busy || btn.dataset.blocked === 'true';
  btn.classList.toggle('is-busy', busy);
  if (busy) btn.setAttribute('aria-busy', 'true');
  else btn.removeAttribute('aria-busy');
}

/* Disables (blocked) or enables a button until told otherwise, also across setBusy(). */
export function setBlocked(btn, blocked) {
  if (blocked) btn.dataset.blocked = 'true';
  else delete btn.dataset.blocked;
  btn.disabled = blocked || btn.classList.contains('is-busy');
}

/* A labelled field around input (an <input> or <select>, given the class "control" here).
 * opts: { label, hint, optional, id }. Returns { name, wrap, input, setError(text), clear() }. */
export function field(name, { label, input, hint, optional = false, id }) {
  const fid = id || input.id || uid('f-' + name);
  input.id = fid;
  if (!input.getAttribute('name')) input.setAttribute('name', name);
  input.classList.add('control');
  const hintEl = hint ? h('p', { class: 'field-hint', id: fid + '-hint' }, hint) : null;
  const errEl = h('p', { class: 'field-error', id: fid + '-error', hidden: true });
  const describe = (withError) => {
    const ids = [withError ? errEl.id : null, hintEl ? hintEl.id : null].filter(Boolean);
    if (ids.length) input.setAttribute('aria-describedby', ids.join(' '));
    else input.removeAttribute('aria-describedby');
  };
  describe(false);
  const wrap = h('div', { class: 'field', 'data-field': name },
    h('label', { for: fid }, label,
      optional ? h('span', { class: 'field-optional' }, t('form.optional')) : null),
    input, errEl, hintEl);
  return {
    name,
    wrap,
    input,
    setError(text) {
      errEl.replaceChildren(icon('alert'), h('span', null, text));
      errEl.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      describe(true);
    },
    clear() {
      errEl.replaceChildren();
      errEl.hidden = true;
      input.removeAttribute('aria-invalid');
      describe(false);
    },
  };
}

/* The alert area of a form (role=alert; hidden by CSS while empty). */
export function alertBox(id) {
  return h('div', { class: 'form-error', role: 'alert', id: id || null });
}

/* Error display for a form: fields (from field()) and its alertBox. */
export function formErrors(fields, alert) {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const api = {
    clear() {
      for (const f of fields) f.clear();
      alert.replaceChildren();
    },
    /* A client-side problem with one field. */
    field(name, text) {
      api.clear();
      const f = byName.get(name);
      f.setError(text);
      f.input.focus();
    },
    /* A sentence for the whole form. */
    alert(text) {
      api.clear();
      alert.replaceChildren(icon('alert'), h('span', null, text));
    },
    /* An ApiError: next to the field it names when that field is on the form (aliases maps
     * API field names to ours), else in the alert. */
    show(err, aliases = {}) {
      const name = err && err.field ? aliases[err.field] || err.field : null;
      if (name && byName.has(name)) api.field(name, errorText(err));
      else api.alert(errorText(err));
    },
  };
  return api;
}

// ─── dialogs ─────────────────────────────────────────────────────────────

const open = new Set();

/* Closes every open dialog (e.g. when the session ends under them). */
export function closeAllDialogs() {
  for (const d of [...open]) d.close(undefined);
}

/* Opens a modal dialog.
 * opts: { title, body: nodes, submitText, cancelText (null: no cancel button), danger,
 *         size: 'sm'|'md'|'lg', id, initialFocus: element, returnFocus: element (default:
 *         the element that had the focus),
 *         onSubmit: async (dlg) → false to stay open, anything else closes with that value;
 *         an error thrown is shown in the dialog's alert }.
 * Returns { el, alert, submitButton, close(value), closed: Promise<value or undefined> }. */
export function openDialog({
  title, body, submitText, cancelText = t('common.cancel'), danger = false, size = 'md', id,
  initialFocus, returnFocus, onSubmit,
}) {
  const titleId = uid('dlg-title');
  const alert = alertBox();
  const submitButton = submitText
    ? button(submitText, { type: 'submit', kind: danger ? 'danger' : 'primary', 'data-action': 'submit' })
    : null;
  const opener = returnFocus || document.activeElement;
  let busy = false;
  let result;
  let resolveClosed;
  const closed = new Promise((r) => { resolveClosed = r; });

  const ctl = {
    el: null,
    alert,
    submitButton,
    closed,
    close(value) {
      result = value;
      if (ctl.el.open) ctl.el.close();
    },
  };

  async function submit(ev) {
    ev.preventDefault();
    if (busy) return;
    if (!onSubmit) { ctl.close(true); return; }
    alert.replaceChildren();
    busy = true;
    if (submitButton) setBusy(submitButton, true);
    let r;
    try {
      r = await onSubmit(ctl);
    } catch (err) {
      r = false;
      alert.replaceChildren(icon('alert'), h('span', null, errorText(err)));
    }
    busy = false;
    if (submitButton) setBusy(submitButton, false);
    if (r !== false && ctl.el.open) ctl.close(r === undefined ? true : r);
  }

  const form = h('form', { class: 'dlg-form', novalidate: true, onsubmit: submit },
    h('header', { class: 'dlg-head' },
      h('h2', { class: 'dlg-title', id: titleId }, title),
      h('button', {
        type: 'button', class: 'dlg-x', 'aria-label': t('common.close'),
        onclick: () => { if (!busy) ctl.close(undefined); },
      }, icon('close'))),
    h('div', { class: 'dlg-body' }, body, alert),
    h('footer', { class: 'dlg-foot' },
      cancelText ? button(cancelText, { onclick: () => { if (!busy) ctl.close(undefined); }, 'data-action': 'cancel' }) : null,
      submitButton));

  const el = h('dialog', { class: 'dlg dlg-' + size, 'aria-labelledby': titleId, id: id || null }, form);
  ctl.el = el;
  el.addEventListener('cancel', (ev) => { if (busy) ev.preventDefault(); }); // Esc while saving
  el.addEventListener('close', () => {
    open.delete(ctl);
    el.remove();
    if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
    resolveClosed(result);
  });
  document.body.append(el);
  open.add(ctl);
  el.showModal();
  const first = initialFocus || el.querySelector('.dlg-body input:not([readonly]), .dlg-body select') || submitButton;
  if (first) first.focus();
  return ctl;
}

/* Asks before doing something. action: async () → value; runs when confirmed (its error is
 * shown in the dialog, which stays open). Resolves to action's value, or undefined when
 * cancelled. */
export function confirmDialog({ title, message, confirmText, danger = false, action, id }) {
  const dlg = openDialog({
    title, id, size: 'sm', danger,
    body: [h('div', { class: 'confirm-text' }, icon(danger ? 'alert' : 'info', 'confirm-icon'),
      h('div', null, [].concat(message).map((m) => h('p', null, m))))],
    submitText: confirmText,
    onSubmit: async () => {
      const v = await action();
      return v === undefined ? true : v;
    },
  });
  dlg.submitButton.focus();
  return dlg.closed;
}

/* Copies text to the clipboard. Resolves to true when copied. Where the Clipboard API is
 * missing or fails (plain http on an intranet host is not a secure context), input (an
 * <input> or <textarea> in the page) is given the text, shown, selected and
 * execCommand('copy') tried; it stays selected when even that fails, so the person can
 * press Ctrl+C. */
export async function copyText(text, input) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch { /* fall back below */ }
  try {
    input.value = text;
    input.hidden = false;
    input.focus();
    input.select();
    return document.execCommand('copy');
  } catch {
    return false;
  }
}

/* Shows a generated password once. opts: { title, intro, login, password }. Resolves when
 * the dialog is closed. */
export function secretDialog({ title, intro, login, password }) {
  const pwInput = h('input', {
    id: 'secret-password', class: 'control secret-value', type: 'text', readonly: true,
    value: password, autocomplete: 'off', spellcheck: 'false',
  });
  const status = h('span', { class: 'copy-status', role: 'status', id: 'secret-copy-status' });
  const copyBtn = button(t('secret.copy'), {
    icon: 'copy', id: 'secret-copy',
    onclick: async () => {
      const ok = await copyText(password, pwInput);
      status.textContent = t(ok ? 'secret.copied' : 'secret.copyFailed');
      status.className = 'copy-status ' + (ok ? 'is-ok' : 'is-bad');
    },
  });
  const dlg = openDialog({
    title, id: 'secret-dialog', size: 'md', cancelText: null,
    submitText: t('secret.done'),
    body: [
      intro ? h('p', { class: 'dlg-intro' }, intro) : null,
      h('dl', { class: 'secret-list' },
        h('dt', null, t('secret.login')),
        h('dd', null, h('code', { class: 'secret-login', id: 'secret-login' }, login)),
        h('dt', null, h('label', { for: 'secret-password' }, t('secret.password'))),
        h('dd', { class: 'secret-row' }, pwInput, copyBtn)),
      status,
      h('div', { class: 'notice notice-warn secret-warn' }, icon('alert'),
        h('div', null,
          h('p', { class: 'notice-strong' }, t('secret.warningTitle')),
          h('p', null, t('secret.warning')))),
    ],
  });
  copyBtn.focus();
  return dlg.closed;
}

// ─── small pieces ────────────────────────────────────────────────────────

/* A status badge; kind: ok | off | warn | info. */
export function badge(text, kind) {
  return h('span', { class: 'badge badge-' + kind }, text);
}

/* A notice box; kind: info | ok | warn | error. role=status (alert for errors). */
export function notice(kind, text, attrs = {}) {
  const ico = { info: 'info', ok: 'check', warn: 'alert', error: 'alert' }[kind] || 'info';
  return h('div', { class: 'notice notice-' + kind, role: kind === 'error' ? 'alert' : 'status', ...attrs },
    icon(ico), h('div', { class: 'notice-text' }, text));
}

/* One table row spanning all cols, for "loading", "nothing found" and errors. */
export function messageRow(cols, ...content) {
  return h('tr', { class: 'row-message' }, h('td', { colspan: String(cols) }, content));
}

/* A progress bar: value of max, with a label for assistive technology. The width is set
 * through the CSSOM (allowed by the CSP, unlike a style attribute). */
export function progressBar(value, max, labelText, attrs = {}) {
  const fill = h('div', { class: 'progress-fill' });
  const bar = h('div', {
    class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(max || 0),
    'aria-valuenow': String(value), 'aria-label': labelText, ...attrs,
  }, fill);
  fill.style.width = (max > 0 ? Math.min(100, Math.max(0, (value / max) * 100)) : 0) + '%';
  return bar;
}
