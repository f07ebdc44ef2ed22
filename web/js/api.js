// web/js/api.js — the one place the web app talks to the daemon's JSON API.
// Owns: fetch with JSON in and out, same-origin credentials, the CSRF token (set from the
// login reply or GET /api/v1/me, sent as X-CSRF-Token on POST/PUT/PATCH/DELETE), a request
// timeout, and ApiError: every failure, whether the server's {"error":{code,message,field}},
// a reply that is not JSON, a timeout or a network failure, is thrown as one ApiError.
// A 401 E_UNAUTHENTICATED on any call except the session ones is also reported to the
// handler given to onUnauthenticated() (main.js sends the person back to the login page),
// and a 403 E_PASSWORD_CHANGE (the account still has its initial password) to the one given
// to onPasswordChangeRequired() (main.js shows the forced "修改初始密码" page).
// download() fetches a file (e.g. the unit accounts sheet) as a Blob with the same rules.
// upload() sends a file as multipart/form-data with XMLHttpRequest (fetch reports no upload
// progress), optionally with small text fields beside it: same CSRF header and ApiError, plus
// progress callbacks and abort (E_ABORTED). An ApiError keeps the whole error object of the
// reply in err.data (an import's refusal carries its rows there).
// URLs are relative ("api/v1/…") so the app also works behind a path prefix.

const TIMEOUT_MS = 30000;
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let csrfToken = null;
let unauthenticatedHandler = null;
let passwordChangeHandler = null;

export class ApiError extends Error {
  /* status: HTTP status (0 when no reply); code: "E_…"; message: the server's message or
   * ""; field: the offending input field or null; detail: the server's precise reason (in
   * Chinese) or ""; retryAfter: seconds from Retry-After; data: the reply's whole "error"
   * object (e.g. with "rows" when an import is refused), or null. */
  constructor({ status = 0, code = 'E_UNKNOWN', message = '', field = null, detail = '', retryAfter = 0, data = null } = {}) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.detail = detail;
    this.retryAfter = retryAfter;
    this.serverMessage = message;
    this.data = data;
  }
}

export function setCsrfToken(token) { csrfToken = token || null; }

export function onUnauthenticated(fn) { unauthenticatedHandler = fn; }

export function onPasswordChangeRequired(fn) { passwordChangeHandler = fn; }

/* fetch() with the timeout, credentials and CSRF header; rejects with ApiError when there
 * is no reply at all. */
async function send(method, path, body, accept) {
  const headers = { Accept: accept };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  init.signal = ctl.signal;
  try {
    return await fetch(path.replace(/^\//, ''), init);
  } catch (e) {
    throw new ApiError({ code: ctl.signal.aborted ? 'E_TIMEOUT' : 'E_NETWORK' });
  } finally {
    clearTimeout(timer);
  }
}

/* The ApiError for a reply that is not ok (its body text already read), after telling the
 * handlers about the two conditions main.js reacts to. */
function failure(res, text, path) {
  return failureOf(res.status, text, (name) => res.headers.get(name), path);
}

function failureOf(status, text, header, path) {
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  const e = data && typeof data.error === 'object' && data.error ? data.error : null;
  const err = new ApiError({
    status,
    code: e && typeof e.code === 'string' ? e.code : 'E_BAD_RESPONSE',
    message: e && typeof e.message === 'string' ? e.message : '',
    field: e && typeof e.field === 'string' ? e.field : null,
    detail: e && typeof e.detail === 'string' ? e.detail : '',
    retryAfter: parseInt(header('Retry-After') || '0', 10) || 0,
    data: e,
  });
  if (err.code === 'E_UNAUTHENTICATED' && !/^\/?api\/v1\/(me|session)$/.test(path) && unauthenticatedHandler) {
    unauthenticatedHandler(err);
  }
  if (err.code === 'E_PASSWORD_CHANGE' && passwordChangeHandler) passwordChangeHandler(err);
  return err;
}

/* Sends one request. body (optional) is sent as JSON. Resolves to the parsed JSON reply,
 * or null for 204 / an empty body; rejects with ApiError. */
export async function request(method, path, body) {
  const res = await send(method, path, body, 'application/json');
  let text = '';
  try { text = await res.text(); } catch { throw new ApiError({ status: res.status, code: 'E_NETWORK' }); }
  if (!res.ok) throw failure(res, text, path);
  if (!text) return null;
  try { return JSON.parse(text); } catch { throw new ApiError({ status: res.status, code: 'E_BAD_RESPONSE' }); }
}

/* Sends one request whose successful reply is a file. Resolves to
 * { blob, filename (from Content-Disposition, or fallbackName) }; rejects with ApiError
 * (errors still come as JSON). */
export async function download(method, path, fallbackName) {
  const res = await send(method, path, undefined, '*/*');
  if (!res.ok) {
    let text = '';
    try { text = await res.text(); } catch { /* the status says enough */ }
    throw failure(res, text, path);
  }
  let blob;
  try { blob = await res.blob(); } catch { throw new ApiError({ status: res.status, code: 'E_NETWORK' }); }
  const cd = res.headers.get('Content-Disposition') || '';
  const m = cd.match(/filename\*=UTF-8''([^;]+)/i) || cd.match(/filename="?([^";]+)"?/i);
  let filename = fallbackName;
  if (m) {
    try { filename = decodeURIComponent(m[1].trim()); } catch { filename = m[1].trim(); }
  }
  return { blob, filename: filename.replace(/[\\/]/g, '_') };
}

/* Uploads file as the multipart field `field` with POST to path, after the text fields of
 * `fields` ({name: string}) when given. onProgress(loaded, total)
 * is called as the bytes go out; onSent() once they all have (the server then reads the
 * file). Returns { promise, abort() }: promise resolves to the parsed JSON reply (or null)
 * and rejects with ApiError — code E_ABORTED after abort(), E_NETWORK when the connection
 * fails (a server refusing a too large body may also just close it). No timeout: a large
 * file on a slow line may take minutes. */
export function upload(path, file, { field = 'file', fields = null, onProgress, onSent } = {}) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    xhr.open('POST', path.replace(/^\//, ''));
    xhr.setRequestHeader('Accept', 'application/json');
    if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken);
    xhr.upload.addEventListener('progress', (ev) => {
      if (onProgress) onProgress(ev.loaded, ev.lengthComputable ? ev.total : file.size);
    });
    xhr.upload.addEventListener('load', () => {
      if (onProgress) onProgress(file.size, file.size);
      if (onSent) onSent();
    });
    xhr.addEventListener('load', () => {
      const text = xhr.responseText || '';
      if (xhr.status < 200 || xhr.status > 299) {
        reject(failureOf(xhr.status, text, (name) => xhr.getResponseHeader(name), path));
        return;
      }
      if (!text) { resolve(null); return; }
      try { resolve(JSON.parse(text)); } catch { reject(new ApiError({ status: xhr.status, code: 'E_BAD_RESPONSE' })); }
    });
    xhr.addEventListener('error', () => reject(new ApiError({ code: 'E_NETWORK' })));
    xhr.addEventListener('abort', () => reject(new ApiError({ code: 'E_ABORTED' })));
    const form = new FormData();
    for (const [name, value] of Object.entries(fields || {})) form.append(name, value);
    form.append(field, file, file.name);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body) => request('POST', path, body),
  put: (path, body) => request('PUT', path, body),
  patch: (path, body) => request('PATCH', path, body),
  del: (path) => request('DELETE', path),
};
