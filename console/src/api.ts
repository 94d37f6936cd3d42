/** Same-origin calls to the hub's APIs with the session cookie; every area's error body turned into one message. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Raised on any 401 so the shell can go back to the login page (the session ended or expired). */
export const UNAUTHORIZED_EVENT = 'kcloud:unauthorized';

/** The message of any of the hub's error bodies: monitor `{error: {message}}`, skyclust `{error: "..."}`, Proxmox manager `{message}`/`{error}`. */
function errorMessage(body: unknown, fallback: string): string {
  if (typeof body !== 'object' || body === null) return fallback;
  const b = body as { error?: unknown; message?: unknown; detail?: unknown };
  if (typeof b.error === 'object' && b.error !== null && typeof (b.error as { message?: unknown }).message === 'string') return (b.error as { message: string }).message;
  if (typeof b.error === 'string') return b.error;
  if (typeof b.message === 'string') return b.message;
  if (typeof b.detail === 'string') return b.detail;
  return fallback;
}

export interface RequestInit {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Answer the body as text (YAML manifests) instead of parsing JSON. */
  text?: boolean;
}

export async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, {
    method: init.method ?? 'GET',
    credentials: 'same-origin',
    headers: { accept: init.text ? '*/*' : 'application/json', ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: init.signal,
  });
  const text = await res.text();
  if (res.ok && init.text) return text as T;
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/api/auth/')) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
    throw new ApiError(res.status, errorMessage(body, `${res.status} ${res.statusText}`));
  }
  return body as T;
}

/** The monitoring API's envelope: `{data, metadata, ...}`. */
export const monitor = async <T>(path: string, signal?: AbortSignal): Promise<T> => (await request<{ data: T }>(`/api/v1${path}`, { signal })).data;

/** skyclust-api's envelope: `{success, data}`. */
export const sky = async <T>(path: string, init: RequestInit = {}): Promise<T> => (await request<{ data: T }>(`/api/v1${path}`, init)).data;

export const query = (params: Record<string, string | number | boolean | undefined | null>): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};
