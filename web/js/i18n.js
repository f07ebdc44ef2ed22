// web/js/i18n.js — message lookup and the current language.
// Owns: t(key, params), the language choice (remembered in localStorage under
// "kaoping.lang"), <html lang>, errorMessage(err), which turns an ApiError into the
// catalogue's sentence for its code (err.E_…), falling back to the server's own message,
// errorText(err), which prefers the server's precise reason (err.detail), and the date and
// time formats (formatDate, formatDateTime for Unix seconds as yyyy-mm-dd HH:MM:ss local),
// and file sizes (formatSize: 512 B, 38.4 KB, 2.6 MB).
// Catalogues live in web/i18n/<lang>.js; zh-CN is the default and the fallback for any key.

import zhCN from '../i18n/zh-CN.js';
import en from '../i18n/en.js';

const CATALOGUES = { 'zh-CN': zhCN, en };
const DEFAULT_LANG = 'zh-CN';
const STORAGE_KEY = 'kaoping.lang';

export const LANGUAGES = Object.keys(CATALOGUES);

let lang = DEFAULT_LANG;
const listeners = new Set();

/* Reads the remembered language (if any) and applies it to <html lang>. */
export function initI18n() {
  let saved = null;
  try { saved = localStorage.getItem(STORAGE_KEY); } catch { /* storage may be disabled */ }
  lang = saved && Object.hasOwn(CATALOGUES, saved) ? saved : DEFAULT_LANG;
  document.documentElement.lang = lang;
}

export function getLang() { return lang; }

/* Switches language, remembers it and tells every onLangChange() listener. */
export function setLang(next) {
  if (!Object.hasOwn(CATALOGUES, next) || next === lang) return;
  lang = next;
  try { localStorage.setItem(STORAGE_KEY, next); } catch { /* not fatal */ }
  document.documentElement.lang = next;
  for (const fn of listeners) fn(next);
}

export function onLangChange(fn) { listeners.add(fn); }

/* True if the catalogue (current or default) has this key. */
export function has(key) {
  return Object.hasOwn(CATALOGUES[lang], key) || Object.hasOwn(CATALOGUES[DEFAULT_LANG], key);
}

/* The message for key in the current language, with {name} placeholders filled from
 * params. A missing key yields the key itself, so the gap is visible rather than blank. */
export function t(key, params) {
  let s;
  if (Object.hasOwn(CATALOGUES[lang], key)) s = CATALOGUES[lang][key];
  else if (Object.hasOwn(CATALOGUES[DEFAULT_LANG], key)) s = CATALOGUES[DEFAULT_LANG][key];
  else return key;
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, name) => (Object.hasOwn(params, name) ? String(params[name]) : m));
}

/* The sentence to show a person for an error thrown by api.js (or anything else). */
export function errorMessage(err) {
  if (err && err.code) {
    if (err.code === 'E_THROTTLED' && err.retryAfter > 0) {
      return t('err.E_THROTTLED_WAIT', { seconds: err.retryAfter });
    }
    const key = 'err.' + err.code;
    if (has(key)) return t(key, { status: err.status });
    if (err.message) return err.message;
  }
  return t('err.unknown');
}

/* The most precise sentence for err: the server's detail (always Chinese, e.g. "当前密码不正确")
 * when it sent one, else errorMessage(err). Used next to a field and in form alerts. */
export function errorText(err) {
  return err && typeof err.detail === 'string' && err.detail ? err.detail : errorMessage(err);
}

const pad = (n) => String(n).padStart(2, '0');

/* Unix seconds → "2024-03-01 23:59:59" in the browser's time zone ('' for no value). */
export function formatDateTime(secs) {
  if (typeof secs !== 'number' || !Number.isFinite(secs)) return '';
  const d = new Date(secs * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/* Unix seconds → "2024-03-01 23:59" (no seconds; for deadlines). */
export function formatMinute(secs) {
  return formatDateTime(secs).slice(0, 16);
}

/* Dates in the current language, e.g. 2024年3月31日星期日 / Sunday, March 31, 2024. */
export function formatDate(d) {
  return new Intl.DateTimeFormat(lang, { year: 'numeric', month: 'long', day: 'numeric', weekday: 'long' }).format(d);
}

/* Bytes → "512 B", "38.4 KB", "2.6 MB" (1 KB = 1024 B; '' for no value). */
export function formatSize(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return bytes + ' B';
  const units = ['KB', 'MB', 'GB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return (v >= 100 ? Math.round(v) : Math.round(v * 10) / 10) + ' ' + units[i];
}
