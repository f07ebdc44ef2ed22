// web/js/views/sheetsave.js — saving a score sheet as it is typed, without ever losing or
// silently overwriting anything.
// Owns: the queue of changes not yet saved ({code: {member: value}}, later values of a member
// replacing earlier ones), sent with PUT …/scores {version, items} 600 ms after the last
// change (at once for a blur, a checkbox or a button), one request in flight at a time, only
// what changed since the last successful save; the sheet's version (each 200 gives the new
// one); a copy of everything unsaved in localStorage, written on every change and kept until
// the server has it, so a closed tab or a dropped network loses nothing (one entry per tab,
// found again on the next load: storedDrafts()); retries with backoff (2 s doubling to 60 s,
// at once when the browser comes back online) after a network failure or a server error; a
// 400 naming a member of an item ("items.2.1.points") drops that member from the queue and
// reports it, so the rest still saves; a 409 (the sheet changed in another tab, was
// submitted, or the phase is over) stops all saving and reports it — nothing is retried over
// someone else's save. The state for the header: 'saved' | 'saving' | 'unsaved' | 'conflict'.

import { api, ApiError } from '../api.js';

const DEBOUNCE_MS = 600;
const RETRY_MIN_MS = 2000;
const RETRY_MAX_MS = 60000;
const PREFIX = 'kaoping.sheet:';

/* This tab's id: kept in sessionStorage, so it survives a reload of the tab but not its
 * closing (another tab gets another id). */
function tabId() {
  try {
    let id = sessionStorage.getItem('kaoping.tab');
    if (!id) {
      id = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
      sessionStorage.setItem('kaoping.tab', id);
    }
    return id;
  } catch {
    return 'tab';
  }
}

/* The storage key prefix of one sheet: login, cycle, unit and sheet id (0 before a
 * self-assessment's first save). */
export function draftKey({ login, cycleId, unit, sheetId }) {
  return `${PREFIX}${login}:${cycleId}:${unit}:${sheetId || 0}:`;
}

/* The unsaved changes left in localStorage under KEY (from draftKey) by this tab or by tabs
 * that closed: { base: the version they were made on, items: {code: {member: value}}, at }
 * merged (newer entries win), or null. take() removes the entries read. */
export function storedDrafts(key) {
  const found = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (k && k.startsWith(key)) {
        try {
          const v = JSON.parse(localStorage.getItem(k));
          if (v && typeof v === 'object' && v.items && typeof v.items === 'object') found.push({ k, v });
        } catch { /* a broken entry is dropped below */ }
      }
    }
  } catch {
    return null;
  }
  if (!found.length) return null;
  found.sort((a, b) => (a.v.at || 0) - (b.v.at || 0));
  const items = {};
  let base = null;
  let at = 0;
  for (const { v } of found) {
    for (const [code, members] of Object.entries(v.items)) {
      if (members && typeof members === 'object') items[code] = { ...(items[code] || {}), ...members };
    }
    if (base === null || v.base !== base) base = typeof v.base === 'number' ? v.base : base;
    at = Math.max(at, v.at || 0);
  }
  return {
    base, items, at,
    take() { for (const { k } of found) { try { localStorage.removeItem(k); } catch { /* gone */ } } },
  };
}

/* Starts saving one sheet. opts: { path (…/scores), version, key (draftKey), onState(state,
 * info), onSaved(sheet, sentItems), onInvalid(err, code, member), onConflict(err) }.
 * info: { error: the last ApiError or null, retryIn: ms until the next try, pending: count }.
 * Returns { set(code, member, value, now), flush(), retry(), submit(), pending(code),
 * hasUnsaved(), version(), rekey(key), stop() }. */
export function sheetSaver({ path, version, key, onState, onSaved, onInvalid, onConflict }) {
  let ver = version;
  let storeKey = key + tabId();
  let pending = {};     // changes not sent yet
  let sending = null;   // changes in the request in flight
  let inFlight = null;  // its promise
  let timer = null;
  let retryTimer = null;
  let backoff = 0;
  let stopped = false;
  let lastError = null;
  let state = 'saved';
  let waiters = [];     // resolve functions of flush() callers waiting for an empty queue

  const count = (o) => Object.keys(o || {}).length;
  const unsavedItems = () => {
    const out = {};
    for (const src of [sending, pending]) {
      for (const [code, m] of Object.entries(src || {})) out[code] = { ...(out[code] || {}), ...m };
    }
    return out;
  };

  function persist() {
    const items = unsavedItems();
    try {
      if (count(items)) localStorage.setItem(storeKey, JSON.stringify({ base: ver, items, at: Date.now() }));
      else localStorage.removeItem(storeKey);
    } catch { /* storage full or disabled: the queue still saves */ }
  }

  function setState(next) {
    state = next;
    if (onState) onState(state, { error: lastError, retryIn: retryTimer ? backoff : 0, pending: count(unsavedItems()) });
  }

  function settle() {
    if (!inFlight && !count(pending)) {
      const w = waiters;
      waiters = [];
      for (const r of w) r(true);
    }
  }

  function schedule(ms) {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => { timer = null; send(); }, ms);
  }

  function scheduleRetry() {
    clearTimeout(retryTimer);
    backoff = backoff ? Math.min(backoff * 2, RETRY_MAX_MS) : RETRY_MIN_MS;
    retryTimer = setTimeout(() => { retryTimer = null; send(); }, backoff);
  }

  /* Sends what is queued (when nothing is in flight). */
  function send() {
    if (stopped || inFlight || !count(pending)) { settle(); return; }
    clearTimeout(timer);
    timer = null;
    clearTimeout(retryTimer);
    retryTimer = null;
    sending = pending;
    pending = {};
    const body = { version: ver, items: sending };
    setState('saving');
    inFlight = api.put(path, body).then((reply) => {
      const sheet = reply && reply.sheet;
      const sent = sending;
      sending = null;
      inFlight = null;
      backoff = 0;
      lastError = null;
      if (sheet && typeof sheet.version === 'number') ver = sheet.version;
      persist();
      if (onSaved && sheet) onSaved(sheet, sent);
      if (count(pending)) send();
      else { setState('saved'); settle(); }
    }, (err) => {
      const sent = sending;
      sending = null;
      inFlight = null;
      // what was sent goes back under what was typed since
      for (const [code, m] of Object.entries(sent)) pending[code] = { ...m, ...(pending[code] || {}) };
      lastError = err instanceof ApiError ? err : new ApiError({ code: 'E_UNKNOWN' });
      const m = /^items\.(.+)\.(points|comment|na|count|veto|evidence)$/.exec(err.field || '');
      if (err.status === 400 && m && pending[m[1]] && m[2] in pending[m[1]]) {
        delete pending[m[1]][m[2]];
        if (!count(pending[m[1]])) delete pending[m[1]];
        persist();
        setState(count(pending) ? 'unsaved' : 'saved');
        if (onInvalid) onInvalid(err, m[1], m[2]);
        if (count(pending)) schedule(0);
        else settle();
        return;
      }
      persist();
      if (err.status === 409) {
        stopped = true;
        clearTimeout(timer);
        setState('conflict');
        if (onConflict) onConflict(err);
        const w = waiters;
        waiters = [];
        for (const r of w) r(false);
        return;
      }
      // Network failure, timeout, server busy or broken: try again later. Anything else (the
      // session ended, a refusal): wait for 重试 or the next change; the draft stays stored.
      if (err.status === 0 || err.status >= 500 || err.status === 429) scheduleRetry();
      setState('unsaved');
      const w = waiters;
      waiters = [];
      for (const r of w) r(false);
    });
  }

  const online = () => { if (!stopped && count(pending) && !inFlight) { backoff = 0; send(); } };
  window.addEventListener('online', online);

  return {
    /* Queues member = value of item code; now: send without waiting for more typing. */
    set(code, member, value, now = false) {
      if (stopped) {
        pending[code] = { ...(pending[code] || {}), [member]: value };
        persist();
        setState(state);
        return;
      }
      pending[code] = { ...(pending[code] || {}), [member]: value };
      persist();
      if (!inFlight) setState('unsaved');
      if (retryTimer) { setState('unsaved'); return; } // offline: the retry sends it
      schedule(now ? 0 : DEBOUNCE_MS);
    },
    /* Sends what is queued now; resolves to true once everything is saved, false if a try
     * failed (it is then retried in the background). */
    flush() {
      if (stopped) return Promise.resolve(!count(unsavedItems()));
      if (!count(pending) && !inFlight) return Promise.resolve(true);
      const p = new Promise((r) => waiters.push(r));
      if (!inFlight) send();
      return p;
    },
    /* 重试: try again at once. */
    retry() {
      backoff = 0;
      clearTimeout(retryTimer);
      retryTimer = null;
      send();
    },
    /* Saves what is queued, then submits the sheet (PUT {version, items: {}, submit: true});
     * resolves to the submitted sheet; rejects with the ApiError. */
    async submit() {
      const ok = await this.flush();
      if (!ok) throw lastError || new ApiError({ code: 'E_NETWORK' });
      const reply = await api.put(path, { version: ver, items: {}, submit: true });
      if (reply && reply.sheet && typeof reply.sheet.version === 'number') ver = reply.sheet.version;
      return reply && reply.sheet;
    },
    /* The member values of code not saved yet ({} when none). */
    pending(code) {
      return unsavedItems()[code] || {};
    },
    hasUnsaved: () => count(unsavedItems()) > 0,
    state: () => state,
    version: () => ver,
    /* The sheet got its id (a self-assessment's first save): store under the new key. */
    rekey(next) {
      try { localStorage.removeItem(storeKey); } catch { /* gone */ }
      storeKey = next + tabId();
      persist();
    },
    /* Stops all saving (the page was left or reloaded); the stored draft stays. */
    stop() {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(retryTimer);
      window.removeEventListener('online', online);
    },
  };
}
