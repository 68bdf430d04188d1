/** Where a token typed into "sign in with a token" is kept (the login link uses an HttpOnly cookie instead). */
const TOKEN_KEY = 'weir.token';

/** An error answer of the REST API: its HTTP status, error_code and message, shown verbatim. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The token typed at sign-in, if any (else the session cookie set by the login link authenticates). */
export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Keeps (or forgets, with null) the token used for API calls in this browser tab. */
export function setStoredToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

type Query = Record<string, string | number | boolean | undefined>;

function url(path: string, query?: Query): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  // Jobs API paths are relative to 2.2; others name their version (`2.0/pipelines`, `2.1/unity-catalog/…`).
  const versioned = /^\d+\.\d+\//.test(path) ? path : `2.2/${path}`;
  return `/api/${versioned}${s ? `?${s}` : ''}`;
}

async function call<T>(method: string, path: string, query?: Query, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const token = storedToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(url(path, query), { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let parsed: unknown = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { message: text };
  }
  if (!r.ok) {
    const e = parsed as { error_code?: string; message?: string };
    throw new ApiCallError(r.status, e.error_code ?? `HTTP_${r.status}`, e.message ?? text);
  }
  return parsed as T;
}

/** GET /api/2.2/<path>, or /api/<path> when the path starts with its API version (`2.0/pipelines`). */
export function apiGet<T>(path: string, query?: Query): Promise<T> {
  return call<T>('GET', path, query);
}

/** POST /api/2.2/<path> (or /api/<version>/… as for apiGet) with a JSON body. */
export function apiPost<T>(path: string, body: unknown): Promise<T> {
  return call<T>('POST', path, undefined, body);
}
