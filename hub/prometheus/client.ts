import { ApiError } from '../api/errors.js';

/** One series of an instant query (`resultType: vector`): labels and the value at the query time. */
export interface VectorSample {
  labels: Record<string, string>;
  /** Unix ms of the evaluation. */
  ts: number;
  value: number;
}

/** One series of a range query (`resultType: matrix`). */
export interface MatrixSeries {
  labels: Record<string, string>;
  points: { ts: number; value: number }[];
}

export interface PrometheusClientOptions {
  /** Base URL, e.g. `http://prom:9090` or `https://host/prometheus`. */
  url: string;
  timeoutMs: number;
  /** Sent as `Authorization` on every call (`Basic ...` or `Bearer ...`), or null. */
  authorization: string | null;
  /** Called with every call's duration in seconds, failed ones included (prometheus_query_duration_seconds). */
  observe?: (seconds: number) => void;
  /** Names the cluster in error details. */
  cluster: string;
}

/** The body of every Prometheus HTTP API answer (https://prometheus.io/docs/prometheus/latest/querying/api/#format-overview). */
interface ApiBody {
  status: 'success' | 'error';
  data?: { resultType: string; result: unknown };
  errorType?: string;
  error?: string;
}

type RawValue = [number, string];

/** Prometheus encodes sample values as strings: "NaN", "+Inf" and "-Inf" included. */
function toNumber(v: string): number {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}

/**
 * A small client of the Prometheus HTTP API (instant and range queries):
 * every call has a time limit, and every failure (unreachable, timeout, HTTP
 * error, `status: error`, an unexpected body) becomes ApiError
 * PROMETHEUS_ERROR (502) naming the cluster; not the URL, which is internal
 * (admins read it at /clusters) and never has credentials here (catalog.ts).
 */
export class PrometheusClient {
  constructor(readonly opts: PrometheusClientOptions) {}

  get url(): string {
    return this.opts.url;
  }

  /** `GET /api/v1/query`: the value of every series of `promql` at `time` (default: now). */
  async query(promql: string, time?: number): Promise<VectorSample[]> {
    const params = new URLSearchParams({ query: promql });
    if (time !== undefined) params.set('time', String(time / 1000));
    const data = await this.call('/api/v1/query', params);
    if (data.resultType === 'scalar') {
      const [ts, v] = data.result as RawValue;
      return [{ labels: {}, ts: ts * 1000, value: toNumber(v) }];
    }
    if (data.resultType !== 'vector' || !Array.isArray(data.result)) throw this.error(`unexpected resultType "${data.resultType}" for an instant query`);
    return (data.result as { metric: Record<string, string>; value: RawValue }[]).map((r) => ({ labels: r.metric, ts: r.value[0] * 1000, value: toNumber(r.value[1]) }));
  }

  /** `GET /api/v1/query_range`: every series of `promql` from `start` to `end` (ms) every `stepMs`. */
  async queryRange(promql: string, start: number, end: number, stepMs: number): Promise<MatrixSeries[]> {
    const params = new URLSearchParams({ query: promql, start: String(start / 1000), end: String(end / 1000), step: String(stepMs / 1000) });
    const data = await this.call('/api/v1/query_range', params);
    if (data.resultType !== 'matrix' || !Array.isArray(data.result)) throw this.error(`unexpected resultType "${data.resultType}" for a range query`);
    return (data.result as { metric: Record<string, string>; values: RawValue[] }[]).map((r) => ({
      labels: r.metric,
      points: r.values.map(([ts, v]) => ({ ts: ts * 1000, value: toNumber(v) })),
    }));
  }

  private error(message: string, extra: Record<string, unknown> = {}): ApiError {
    return new ApiError('PROMETHEUS_ERROR', `Prometheus of cluster "${this.opts.cluster}": ${message}`, { cluster: this.opts.cluster, ...extra });
  }

  private async call(path: string, params: URLSearchParams): Promise<NonNullable<ApiBody['data']>> {
    const started = performance.now();
    try {
      const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
      if (this.opts.authorization) headers.authorization = this.opts.authorization;
      let res: Response;
      try {
        // POST keeps long PromQL out of URLs and proxy logs; the API takes both.
        res = await fetch(`${this.opts.url.replace(/\/+$/, '')}${path}`, { method: 'POST', headers, body: params, signal: AbortSignal.timeout(this.opts.timeoutMs) });
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        if (e.name === 'TimeoutError') throw this.error(`no answer within ${this.opts.timeoutMs} ms`);
        throw this.error(`unreachable (${e.cause?.code ?? e.message})`);
      }
      const text = await res.text();
      let body: ApiBody | null = null;
      try {
        body = JSON.parse(text) as ApiBody;
      } catch {
        // not JSON: a proxy's error page, reported by status below
      }
      if (body?.status === 'error') throw this.error(`${body.errorType ?? 'error'}: ${body.error ?? ''}`, { status: res.status });
      if (!res.ok || !body?.data) throw this.error(`HTTP ${res.status}`, { status: res.status });
      return body.data;
    } finally {
      this.opts.observe?.((performance.now() - started) / 1000);
    }
  }
}
