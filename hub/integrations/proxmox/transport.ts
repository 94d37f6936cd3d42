import { request as httpsRequest } from 'node:https';
import { PveError, pveErrorFromAnswer } from './errors.js';
import { TrustingAgent, type TlsTrust } from './tls.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
/** Parameter values as PVE takes them: booleans go as 1/0. */
export type PveParams = Record<string, string | number | boolean | null | undefined>;

export interface TransportOptions {
  /** `https://host:8006` (the API lives under /api2/json). */
  endpoint: string;
  trust: TlsTrust;
  /** Per request, connection included. */
  timeoutMs: number;
  /** Extra tries of an idempotent read (GET) after a network error, a timeout or a 5xx; writes are never repeated. */
  readRetries: number;
  /** Idle keep-alive sockets close after this (pveproxy closes them after 5 s). */
  keepAliveMs: number;
  /** A PVE answer larger than this is refused (a client must not make the hub hold unbounded bodies). */
  maxBodyBytes: number;
}

export const TRANSPORT_DEFAULTS = { timeoutMs: 10_000, readRetries: 2, keepAliveMs: 4_000, maxBodyBytes: 16 * 1024 * 1024 } as const;

export interface RawAnswer {
  status: number;
  reason: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Form encoding as PVE (and proxmoxer) use it: booleans 1/0, nulls and undefineds left out. */
export function encodeParams(params: PveParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    out.append(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  return out;
}

const RETRIABLE_STATUS = new Set([500, 502, 503, 504, 596]);

/**
 * HTTPS to one PVE endpoint: its own agent (per-cluster trust, short
 * keep-alive), a timeout on every request, retries only for reads.
 */
export class PveTransport {
  readonly endpoint: URL;
  private readonly agent: TrustingAgent;
  private closed = false;

  constructor(readonly opts: TransportOptions) {
    this.endpoint = new URL(opts.endpoint);
    if (this.endpoint.protocol !== 'https:') throw new PveError('protocol', 'the Proxmox API endpoint must be https://');
    this.agent = new TrustingAgent(opts.trust, opts.keepAliveMs);
  }

  /** One call; answers PVE's `data`, throws PveError. */
  async call(method: HttpMethod, path: string, params: PveParams = {}, headers: Record<string, string> = {}): Promise<unknown> {
    const tries = method === 'GET' ? 1 + this.opts.readRetries : 1;
    for (let attempt = 1; ; attempt++) {
      // A closed client (hub stopping, cluster removed) neither retries nor reconnects.
      if (this.closed) throw new PveError('network', `${method} ${path}: client closed`);
      try {
        const answer = await this.send(method, path, params, headers);
        if (answer.status >= 200 && answer.status < 300) return parseData(answer.body);
        const err = pveErrorFromAnswer(answer.status, answer.reason, answer.body);
        if (attempt < tries && RETRIABLE_STATUS.has(answer.status)) continue;
        throw err;
      } catch (err) {
        const retriable = err instanceof PveError && (err.kind === 'network' || err.kind === 'timeout');
        if (attempt >= tries || !retriable) throw err;
      }
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }

  /** One HTTP exchange, without interpreting the status. */
  send(method: HttpMethod, path: string, params: PveParams, headers: Record<string, string>): Promise<RawAnswer> {
    const url = new URL(`/api2/json${path}`, this.endpoint);
    const form = encodeParams(params);
    let body: string | null = null;
    if (method === 'GET' || method === 'DELETE') {
      for (const [k, v] of form) url.searchParams.append(k, v);
    } else {
      body = form.toString();
    }
    const timeoutMs = this.opts.timeoutMs;
    return new Promise<RawAnswer>((resolve, reject) => {
      const req = httpsRequest(url, {
        method,
        agent: this.agent,
        headers: { accept: 'application/json', ...headers, ...(body !== null && { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) }) },
      });
      const timer = setTimeout(() => req.destroy(new PveError('timeout', `${method} ${path}: no answer from ${this.endpoint.host} within ${timeoutMs} ms`)), timeoutMs);
      req.once('error', (err) => {
        clearTimeout(timer);
        reject(err instanceof PveError ? err : new PveError('network', `${method} ${path}: cannot reach ${this.endpoint.host}: ${err.message}`, null, {}, { cause: err }));
      });
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.opts.maxBodyBytes) req.destroy(new PveError('protocol', `${method} ${path}: answer larger than ${this.opts.maxBodyBytes} bytes`));
          else chunks.push(chunk);
        });
        res.once('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.once('error', () => {});
      });
      req.end(body ?? undefined);
    });
  }

  close(): void {
    this.closed = true;
    this.agent.destroy();
  }
}

function parseData(body: string): unknown {
  try {
    return (JSON.parse(body) as { data?: unknown }).data ?? null;
  } catch {
    throw new PveError('protocol', 'Proxmox answered with a body that is not JSON');
  }
}
