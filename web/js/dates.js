// web/js/dates.js — deadlines as the assessment office means them: a calendar day in China
// Standard Time (UTC+8, no daylight saving), ending at 23:59:59.
// Owns: chinaEndOfDay() (the value of an <input type="date"> → Unix seconds of 23:59:59 that
// day in Beijing), chinaStartOfDay() (→ 00:00:00 that day, for the start of a range),
// chinaDate() (Unix seconds → the "yyyy-mm-dd" of that moment in Beijing, for filling a date
// input), chinaToday() and timeLeft() (what a countdown says: days or hours
// left, or past). Independent of the browser's own time zone.

const CST = 8 * 3600; // UTC+8 in seconds

/* "2024-03-01" → Unix seconds of 2024-03-01 23:59:59 in Beijing; null for '' or a bad value. */
export function chinaEndOfDay(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || '');
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59);
  return Number.isFinite(ms) ? ms / 1000 - CST : null;
}

/* "2024-03-01" → Unix seconds of 2024-03-01 00:00:00 in Beijing; null for '' or a bad value. */
export function chinaStartOfDay(value) {
  const end = chinaEndOfDay(value);
  return end == null ? null : end - 86399;
}

/* Unix seconds → "yyyy-mm-dd" of that moment in Beijing ('' for no value). */
export function chinaDate(secs) {
  if (typeof secs !== 'number' || !Number.isFinite(secs)) return '';
  return new Date((secs + CST) * 1000).toISOString().slice(0, 10);
}

/* Today in Beijing as "yyyy-mm-dd", optionally moved by days. */
export function chinaToday(days = 0) {
  return chinaDate(Math.floor(Date.now() / 1000) + days * 86400);
}

/* How long until secs: { past: true } once it has passed, else { days } (whole days, rounded
 * up) or, in the last day, { hours } (rounded up, at least 1). */
export function timeLeft(secs, nowMs = Date.now()) {
  const left = secs - nowMs / 1000;
  if (left <= 0) return { past: true };
  if (left < 86400) return { past: false, hours: Math.max(1, Math.ceil(left / 3600)) };
  return { past: false, days: Math.ceil(left / 86400) };
}
