// web/js/api.js — the one place the web app talks to the daemon's JSON API.
// Owns: fetch with JSON in and out, same-origin credentials, the CSRF token (set from the
// login reply or GET /api/v1/me, sent as X-CSRF-Token on POST/PUT/PATCH/DELETE), a request
// timeout, and ApiError: every failure, whether the server's {"error":{code,message,field}},
// a reply that is not JSON, a timeout or a network failure, is thrown as one ApiError.
// A 401 E_UNAUTHENTICATED on any call except the session ones is also reported to the
// handler given to onUnauthenticated() (main.js sends the person back to the login page).
// URLs are relative ("api/v1/…") so the app also works behind a path prefix.

const TIMEOUT_MS = 30000;
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let csrfToken = null;
let unauthenticatedHandler = null;

export class ApiError extends Error {
  /* status: HTTP status (0 when no reply); code: "E_…"; message: the server's message or
   * ""; field: the offending input field or null; retryAfter: seconds from Retry-After. */
  constructor({ status = 0, code = 'E_UNKNOWN', message = '', field = null, retryAfter = 0 } = {}) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfter = retryAfter;
    this.serverMessage = message;
  }
}

export function setCsrfToken(token) { csrfToken = token || null; }

export function onUnauthenticated(fn) { unauthenticatedHandler = fn; }

/* Sends one request. body (optional) is sent as JSON. Resolves to the parsed JSON reply,
 * or null for 204 / an empty body; rejects with ApiError. */
export async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  init.signal = ctl.signal;

  let res;
  try {
    res = await fetch(path.replace(/^\//, ''), init);
  } catch (e) {
    throw new ApiError({ code: ctl.signal.aborted ? 'E_TIMEOUT' : 'E_NETWORK' });
  } finally {
    clearTimeout(timer);
  }

  let text = '';
  try { text = await res.text(); } catch { throw new ApiError({ status: res.status, code: 'E_NETWORK' }); }
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = undefined; }
  }

  if (res.ok) {
    if (data === undefined) throw new ApiError({ status: res.status, code: 'E_BAD_RESPONSE' });
    return data;
  }

  const e = data && typeof data.error === 'object' && data.error ? data.error : null;
  const err = new ApiError({
    status: res.status,
    code: e && typeof e.code === 'string' ? e.code : 'E_BAD_RESPONSE',
    message: e && typeof e.message === 'string' ? e.message : '',
    field: e && typeof e.field === 'string' ? e.field : null,
    retryAfter: parseInt(res.headers.get('Retry-After') || '0', 10) || 0,
  });
  if (err.code === 'E_UNAUTHENTICATED' && !/^\/?api\/v1\/(me|session)$/.test(path) && unauthenticatedHandler) {
    unauthenticatedHandler(err);
  }
  throw err;
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body) => request('POST', path, body),
  put: (path, body) => request('PUT', path, body),
  patch: (path, body) => request('PATCH', path, body),
  del: (path) => request('DELETE', path),
};
