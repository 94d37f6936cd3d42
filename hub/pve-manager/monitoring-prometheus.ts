import { withoutCredentials } from '../core/url-credentials.js';
import { BackendError, callBackend, getJson } from './monitoring-http.js';

/** What GET /monitoring/status says of the configured Prometheus. */
export interface PrometheusStatus {
  status: 'running' | 'unreachable' | 'error' | 'not_configured';
  /** The configured URL without credentials; null when none. */
  url: string | null;
  /** Prometheus' active scrape targets (all jobs); null when it could not be asked. */
  targets: number | null;
  /** Those whose last scrape succeeded (`health: up`). */
  healthy_targets: number | null;
  /** Why the status is not `running`. */
  error?: string;
}

/** Active targets and the healthy ones from a `GET /api/v1/targets` body (https://prometheus.io/docs/prometheus/latest/querying/api/#targets); null when it is not that. */
export function countTargets(body: unknown): { targets: number; healthy: number } | null {
  const b = body as { status?: unknown; data?: { activeTargets?: unknown } } | null;
  if (b?.status !== 'success' || !Array.isArray(b.data?.activeTargets)) return null;
  const active = b.data.activeTargets as { health?: unknown }[];
  return { targets: active.length, healthy: active.filter((t) => t?.health === 'up').length };
}

/** Asks the Prometheus at `url` (empty: not configured) for its targets; never throws. */
export async function prometheusStatus(url: string, timeoutMs: number): Promise<PrometheusStatus> {
  if (!url) return { status: 'not_configured', url: null, targets: null, healthy_targets: null };
  const shown = withoutCredentials(url);
  try {
    const counted = countTargets(await getJson(url, '/api/v1/targets?state=active', { timeoutMs }));
    if (!counted) return { status: 'error', url: shown, targets: null, healthy_targets: null, error: '/api/v1/targets: not a Prometheus targets answer' };
    return { status: 'running', url: shown, targets: counted.targets, healthy_targets: counted.healthy };
  } catch (err) {
    if (!(err instanceof BackendError)) throw err;
    return { status: err.kind, url: shown, targets: null, healthy_targets: null, error: err.message };
  }
}

/**
 * `POST /-/reload` (needs Prometheus started with `--web.enable-lifecycle`):
 * null when it reloaded, else why not. Prometheus also re-reads file_sd
 * files by itself; the reload makes the new targets count at once.
 */
export async function reloadPrometheus(url: string, timeoutMs: number): Promise<string | null> {
  try {
    const { status, text } = await callBackend(url, '/-/reload', { method: 'POST', timeoutMs, maxBytes: 64 * 1024 });
    return status >= 200 && status <= 299 ? null : `/-/reload: HTTP ${status}${text.trim() ? ` (${text.trim().slice(0, 200)})` : ''}`;
  } catch (err) {
    if (!(err instanceof BackendError)) throw err;
    return err.message;
  }
}
