import { readFile } from 'node:fs/promises';
import { withoutCredentials } from '../core/url-credentials.js';
import { BackendError, getJson } from './monitoring-http.js';

/** What GET /monitoring/status says of the configured Grafana. */
export interface GrafanaStatus {
  status: 'running' | 'unreachable' | 'error' | 'not_configured';
  url: string | null;
  /** Dashboards Grafana's search finds (with the token's permissions); null when it could not be asked. */
  dashboards: number | null;
  error?: string;
}

/** Grafana's search answers at most this many hits per call (its own maximum). */
const SEARCH_LIMIT = 5000;

/** The dashboards in a `GET /api/search?type=dash-db` answer (an array of hits, https://grafana.com/docs/grafana/latest/developers/http_api/folder_dashboard_search/); null when it is not that. */
export function countDashboards(body: unknown): number | null {
  if (!Array.isArray(body)) return null;
  return body.filter((hit: { type?: unknown } | null) => hit?.type === 'dash-db').length;
}

/**
 * The token from the first line of `tokenFile`; errors name the config key,
 * never the content. Only printable ASCII without spaces: anything else
 * would make fetch refuse the header with the value in its message.
 */
async function readToken(tokenFile: string): Promise<string> {
  let line: string;
  try {
    line = (await readFile(tokenFile, 'utf8')).split(/\r?\n/)[0]!.trim();
  } catch (err) {
    throw new BackendError('error', `pveManager.monitoring.grafana.tokenFile: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!/^[\x21-\x7e]+$/.test(line)) throw new BackendError('error', 'pveManager.monitoring.grafana.tokenFile: the first line is not a token (empty, or not printable ASCII)');
  return line;
}

/** Asks the Grafana at `url` (empty: not configured) how many dashboards it has; never throws. The token is read at each call, so a rotated file counts at once. */
export async function grafanaStatus(url: string, tokenFile: string, timeoutMs: number): Promise<GrafanaStatus> {
  if (!url) return { status: 'not_configured', url: null, dashboards: null };
  const shown = withoutCredentials(url);
  try {
    const authorization = tokenFile ? `Bearer ${await readToken(tokenFile)}` : undefined;
    const dashboards = countDashboards(await getJson(url, `/api/search?type=dash-db&limit=${SEARCH_LIMIT}`, { timeoutMs, ...(authorization && { authorization }) }));
    if (dashboards === null) return { status: 'error', url: shown, dashboards: null, error: '/api/search: not a Grafana search answer' };
    return { status: 'running', url: shown, dashboards };
  } catch (err) {
    if (!(err instanceof BackendError)) throw err;
    return { status: err.kind, url: shown, dashboards: null, error: err.message };
  }
}
