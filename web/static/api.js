// The supervisor token and every REST call. The token lives in sessionStorage only (a wall
// display opened with /?token=... keeps it for the tab's life); it is dropped from the address
// bar at once so it never sits in history, screenshots or a Referer.

const KEY = 'gridwatch.token';

export class AuthError extends Error {
  constructor(status) {
    super(status === 403 ? 'forbidden' : 'unauthorized');
    this.status = status;
  }
}

export class HttpError extends Error {
  constructor(status, path) {
    super(`HTTP ${status} for ${path}`);
    this.status = status;
  }
}

export function takeTokenFromAddress() {
  const url = new URL(window.location.href);
  const given = url.searchParams.get('token');
  if (given === null) return;
  url.searchParams.delete('token');
  window.history.replaceState(null, '', url.pathname + url.search + url.hash);
  if (given) sessionStorage.setItem(KEY, given);
}

export function token() { return sessionStorage.getItem(KEY) || ''; }
export function setToken(value) { sessionStorage.setItem(KEY, value); }
export function clearToken() { sessionStorage.removeItem(KEY); }

async function request(path) {
  const resp = await fetch(path, {
    headers: { Authorization: `Bearer ${token()}` }, cache: 'no-store', credentials: 'omit',
  });
  if (resp.status === 401 || resp.status === 403) throw new AuthError(resp.status);
  if (!resp.ok) throw new HttpError(resp.status, path);
  return resp;
}

export async function getJSON(path) {
  return (await request(path)).json();
}

// Evidence frames and clips: <img>/<video> cannot send the bearer header, so fetch and hand
// them a blob: URL. The caller revokes it when the view closes.
export async function getBlobURL(path) {
  const blob = await (await request(path)).blob();
  return URL.createObjectURL(blob);
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

// A write (a case action, a photo upload): the answer whatever its status, so the caller can
// show a 409 or 422 for what it is. Only a token the server no longer knows (401) ends the
// session; a 403 here means this role may not take this action, not a bad login.
export async function send(method, path, body, contentType = 'application/json') {
  const resp = await fetch(path, {
    method, cache: 'no-store', credentials: 'omit',
    headers: { Authorization: `Bearer ${token()}`, 'Content-Type': contentType },
    body: contentType === 'application/json' ? JSON.stringify(body) : body,
  });
  if (resp.status === 401) throw new AuthError(401);
  const type = resp.headers.get('Content-Type') || '';
  const data = type.startsWith('application/json') ? await resp.json() : await resp.text();
  return { status: resp.status, body: data };
}

export async function getText(path) {
  return (await request(path)).text();
}
