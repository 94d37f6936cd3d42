import { parseDuration } from '../../shared/duration.js';
import type { Aggregation, Matcher, SeriesSource } from '../../shared/query/types.js';
import type { HubConfig } from '../config.js';
import { tsdbOptions } from '../core/store-options.js';
import type { SecretStore } from '../identity/secrets.js';
import { PrometheusClient } from '../prometheus/client.js';
import { resolveOptions, type Tier } from '../tsdb/options.js';
import type { RemoteReadConfig } from './config.js';
import { evaluationRanges, FIELDS_FOR, overTime, selectorText, type RemoteField } from './promql.js';
import { addField, type RemoteSeries } from './remote-buckets.js';
import { SplitSource } from './source.js';
import { splitPoint } from './split.js';

/** Which store served an answer, oldest part first (`metadata.sources` of the monitoring API). */
export type StoreName = 'remote' | 'local';

/** The series a handler will ask the engine for: one metric, its matchers, and the aggregation it runs. */
export interface SeriesRequest {
  metric: string;
  matchers: readonly Matcher[];
  agg: Aggregation;
}

export interface ReadPlan {
  /** Run the engine on this: the remote steps before the cut, the local ones after. */
  source: SeriesSource;
  sources: StoreName[];
  /** Set when the remote store was needed and failed: the answer holds what the local store has. */
  warning?: string;
  /** Why the remote store was not read (the warning's reason); `tooLarge` when it answered more than a request may make the hub hold. */
  failure?: { reason: string; tooLarge: boolean };
}

/** A remote answer over MAX_REMOTE_SERIES or MAX_REMOTE_POINTS: the remote store works, the request asks too much of the hub. */
export class RemoteTooLargeError extends Error {}

/** The warning of an answer whose remote part was not read: what is missing, from when. */
export function remoteWarning(reason: string, cut: number): string {
  return `remote store not read (${reason}): steps before ${new Date(cut).toISOString()} hold only what the local store still has`;
}

/** The client's errors start `Prometheus of cluster "<name>": `; the warning keeps what follows. */
const CLIENT_NAME = 'remote store';
const CLIENT_PREFIX = `Prometheus of cluster "${CLIENT_NAME}": `;

/** More series than this in one remote answer is refused (the answer is the local part and a warning), as MAX_QUERY_SERIES is for local ones. */
export const MAX_REMOTE_SERIES = 5_000;
/** More points than this in one plan's remote answers is refused the same way: what a request may make the hub hold (about 100 bytes a point). */
export const MAX_REMOTE_POINTS = 2_000_000;

/** The Authorization header from the secrets the config names; a clear error naming the key when one is missing. */
export function remoteReadAuthorization(config: RemoteReadConfig, secrets: Pick<SecretStore, 'get'>): string | null {
  const secret = (key: string, name: string) => {
    const value = secrets.get(name);
    if (value === null) throw new Error(`storage.remoteRead.${key}: no secret named "${name}" in hub.db`);
    return value;
  };
  if (config.basicAuth && config.bearerTokenSecret) throw new Error('storage.remoteRead: basicAuth and bearerTokenSecret exclude each other');
  if (config.bearerTokenSecret) return `Bearer ${secret('bearerTokenSecret', config.bearerTokenSecret)}`;
  if (config.basicAuth) return `Basic ${Buffer.from(`${config.basicAuth.username}:${secret('basicAuth.passwordSecret', config.basicAuth.passwordSecret)}`).toString('base64')}`;
  return null;
}

/**
 * Range reads over the local store and the remote one (docs/scale-out.md):
 * plan() asks the remote store, through its Prometheus HTTP API, for the
 * steps the local store no longer keeps (or for all of them in `always`
 * mode) and hands back a source the shared engine runs on as on the local
 * store alone. A remote failure is no error: the answer is then the local
 * store's, with a warning saying what is missing.
 */
export class RemoteReader {
  private readonly client: PrometheusClient;

  constructor(
    readonly config: RemoteReadConfig,
    authorization: string | null,
    private readonly retention: Record<Tier, number>,
    private readonly now: () => number = Date.now,
  ) {
    const url = new URL(config.url);
    // fetch() refuses them, quoting the url in its error, which would put the password in answers' warnings.
    if (url.username || url.password) throw new Error('storage.remoteRead.url: no credentials in the url; name a secret in basicAuth.passwordSecret or bearerTokenSecret');
    this.client = new PrometheusClient({ url: config.url, timeoutMs: parseDuration(config.timeout), authorization, cluster: CLIENT_NAME });
  }

  /** Where `range` passes from the remote store to the local one now (split.ts); `range.start` when nothing is remote. */
  cut(range: { start: number; end: number; step: number }): number {
    return splitPoint(range, this.retention, this.now(), this.config.mode);
  }

  async plan(local: SeriesSource, requests: readonly SeriesRequest[], range: { start: number; end: number; step: number }): Promise<ReadPlan> {
    const cut = this.cut(range);
    if (cut <= range.start) return localPlan(local);
    const remote = new Map<string, Map<string, RemoteSeries>>();
    const pieces = evaluationRanges(range.start, cut, range.step);
    try {
      // Each distinct (selector, function) once: power asks rapl_power_watts twice with other matchers, and the same fields.
      const queries = new Map<string, { metric: string; field: RemoteField }>();
      for (const r of requests) for (const field of FIELDS_FOR[r.agg]) queries.set(overTime(field, selectorText(r.metric, r.matchers), range.step), { metric: r.metric, field });
      let points = 0;
      let failed = false;
      // The queries in parallel, the pieces of a long range one after the other (a bounded load on the remote store and on the hub's memory).
      await Promise.all(
        [...queries].map(async ([promql, { metric, field }]) => {
          for (const { first, last } of pieces) {
            // Once one query failed the answer is the local one: the others stop asking.
            if (failed) return;
            const answer = await this.client.queryRange(promql, first, last, range.step);
            if (answer.length > MAX_REMOTE_SERIES) throw new RemoteTooLargeError(`${answer.length} series for ${metric}, at most ${MAX_REMOTE_SERIES}: narrow the selector`);
            points += answer.reduce((n, s) => n + s.points.length, 0);
            if (points > MAX_REMOTE_POINTS) throw new RemoteTooLargeError(`over ${MAX_REMOTE_POINTS} points: narrow the selector or use a larger step`);
            let series = remote.get(metric);
            if (!series) remote.set(metric, (series = new Map()));
            addField(series, field, answer, range.step);
          }
        }).map((p) =>
          p.catch((err: unknown) => {
            failed = true;
            throw err;
          }),
        ),
      );
    } catch (err) {
      const reason = (err as Error).message.replace(CLIENT_PREFIX, '');
      return { source: local, sources: ['local'], warning: remoteWarning(reason, cut), failure: { reason, tooLarge: err instanceof RemoteTooLargeError } };
    }
    return { source: new SplitSource(local, remote, cut), sources: cut < range.end ? ['remote', 'local'] : ['remote'] };
  }
}

/** The reader `storage.remoteRead` configures, with the local store's retention; null when there is none. Throws when a named secret is missing. */
export function remoteReaderFor(config: HubConfig, secrets: Pick<SecretStore, 'get'>): RemoteReader | null {
  const rr = config.storage.remoteRead;
  if (!rr) return null;
  return new RemoteReader(rr, remoteReadAuthorization(rr, secrets), resolveOptions(tsdbOptions(config)).retention);
}

/** The local store alone: what a hub without storage.remoteRead reads. */
export function localPlan(local: SeriesSource): ReadPlan {
  return { source: local, sources: ['local'] };
}

/** The plan's `metadata` fields (schema.ts StoreMetadata). */
export function planMetadata(plan: ReadPlan): { sources: StoreName[]; warnings?: string[] } {
  return plan.warning ? { sources: plan.sources, warnings: [plan.warning] } : { sources: plan.sources };
}
