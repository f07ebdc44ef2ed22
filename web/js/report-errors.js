// web/js/report-errors.js — sends uncaught script errors to the daemon.
// Owns the window 'error' and 'unhandledrejection' listeners. Each report is one
// fire-and-forget POST to api/v1/client-errors with only these keys:
//   {message ≤1000, source ≤500, line, column, stack ≤4000, page (location.hash) ≤200}
// (keys we do not know are left out). No CSRF token is needed; at most 10 reports per page
// load. Loaded by index.html as its own module before main.js, so a failure to load the
// rest of the app is still reported.

const MAX_REPORTS = 10;
let sent = 0;

function clip(s, n) {
  s = String(s);
  return s.length > n ? s.slice(0, n) : s;
}

function send(report) {
  if (sent >= MAX_REPORTS) return;
  sent += 1;
  const body = { message: clip(report.message || 'unknown error', 1000) };
  if (report.source) body.source = clip(report.source, 500);
  if (Number.isInteger(report.line) && report.line > 0) body.line = report.line;
  if (Number.isInteger(report.column) && report.column > 0) body.column = report.column;
  if (report.stack) body.stack = clip(report.stack, 4000);
  if (location.hash) body.page = clip(location.hash, 200);
  try {
    fetch('api/v1/client-errors', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
      keepalive: true,
    }).catch(() => { /* reporting must never cause another error */ });
  } catch { /* idem */ }
}

window.addEventListener('error', (ev) => {
  const err = ev.error;
  send({
    message: ev.message || (err && err.message),
    source: ev.filename,
    line: ev.lineno,
    column: ev.colno,
    stack: err && typeof err.stack === 'string' ? err.stack : '',
  });
});

window.addEventListener('unhandledrejection', (ev) => {
  const r = ev.reason;
  let message;
  if (r instanceof Error) message = (r.name ? r.name + ': ' : '') + r.message;
  else {
    try { message = typeof r === 'string' ? r : JSON.stringify(r); } catch { message = String(r); }
  }
  send({
    message: 'Unhandled rejection: ' + message,
    stack: r && typeof r.stack === 'string' ? r.stack : '',
  });
});
