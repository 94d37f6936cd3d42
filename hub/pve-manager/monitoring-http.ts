import { splitUrlCredentials } from '../core/url-credentials.js';

/** Why a monitoring backend gave no usable answer: `unreachable` (no connection, no answer in time) or `error` (it answered, not as documented). */
export class BackendError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'error',
    message: string,
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

export interface BackendCall {
  method?: 'GET' | 'POST';
  timeoutMs: number;
  /** An `Authorization` value; without one, `user:password@` in the base URL becomes Basic. */
  authorization?: string;
  /** Answers bigger than this are refused (a backend the hub asks must not make it hold unbounded bodies). */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/** The body text, read up to `max` bytes; a larger one is an error (and its download stopped). */
async function limitedText(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) throw new BackendError('error', `answer larger than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * One call to a Prometheus or Grafana: the status and the body as text, or
 * BackendError. Messages name the path and the failure, never the URL's
 * credentials or the token.
 */
export async function callBackend(baseUrl: string, path: string, opts: BackendCall): Promise<{ status: number; text: string }> {
  const { url, credentials } = splitUrlCredentials(baseUrl);
  const headers: Record<string, string> = { accept: 'application/json' };
  const authorization = opts.authorization ?? (credentials && `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`);
  if (authorization) headers.authorization = authorization;
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/+$/, '')}${path}`, { method: opts.method ?? 'GET', headers, signal: AbortSignal.timeout(opts.timeoutMs), redirect: 'error' });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    if (e.name === 'TimeoutError') throw new BackendError('unreachable', `${path}: no answer within ${opts.timeoutMs} ms`);
    throw new BackendError('unreachable', `${path}: ${e.cause?.code ?? e.message}`);
  }
  try {
    return { status: res.status, text: await limitedText(res, opts.maxBytes ?? DEFAULT_MAX_BYTES) };
  } catch (err) {
    if (err instanceof BackendError) throw new BackendError(err.kind, `${path}: ${err.message}`);
    throw new BackendError('unreachable', `${path}: answer cut off (${(err as Error).message})`);
  }
}

/** A JSON answer of a 2xx call; anything else is a BackendError naming the HTTP status. */
export async function getJson(baseUrl: string, path: string, opts: BackendCall): Promise<unknown> {
  const { status, text } = await callBackend(baseUrl, path, opts);
  if (status < 200 || status > 299) throw new BackendError('error', `${path}: HTTP ${status}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BackendError('error', `${path}: the answer is not JSON`);
  }
}
