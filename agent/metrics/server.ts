import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LatestValues } from '../latest-values.js';
import type { RenderOptions, SelfMetrics } from './render.js';

export interface MetricsDeps {
  latest: LatestValues;
  inventory: () => Record<string, unknown>;
  node: string;
  cluster: string;
  self: () => SelfMetrics;
  /** `metrics.legacyHostnameLabel` / `metrics.nodeExporterNames`; unset ones default as in the config. */
  options?: Partial<RenderOptions>;
}

/**
 * Splits `host:port` (`[::1]:9400` for IPv6). An empty host (`:9400`) means
 * every interface, as in dcgm-exporter's and node_exporter's listen
 * addresses; `host` is then undefined, which Node reads the same way.
 */
export function parseListen(listen: string): { host: string | undefined; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new Error(`metrics.listen "${listen}" must be host:port`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1') || undefined, port };
}

/** Serves the node's Prometheus `GET /metrics` on `listen` (port 0 picks a free one); anything else is 404. */
export async function startMetricsServer(listen: string, deps: MetricsDeps): Promise<{ close(): Promise<void>; port: number }> {
  const { host, port } = parseListen(listen);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try GET /metrics\n');
      return;
    }
    const snapshot = { samples: deps.latest.all(), inventory: deps.inventory(), node: deps.node, cluster: deps.cluster, self: deps.self(), now: Date.now(), options: deps.options };
    // prom-client (~1 MB of heap, more at load) is loaded on the first scrape: an agent nobody scrapes never pays for it.
    import('./render.js').then(({ renderMetrics }) => renderMetrics(snapshot)).then(
      ({ text, contentType }) => res.writeHead(200, { 'content-type': contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Prometheus keeps connections alive; close() alone would wait for its idle timeout.
        server.closeAllConnections();
      }),
  };
}
