import { readFileSync } from 'node:fs';
import type { QueryOutput } from '../../shared/format/query-output.js';
import type { RangeQuery } from '../../shared/query/types.js';
import type { StoreName } from '../remote-read/remote-read.js';
import { storeNote } from '../remote-read/report.js';
import type { QueryFlags } from './query.js';
import { usageError } from './usage.js';

/** A hub that does not answer within this long fails the call (exit 1) rather than hang a script. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The URL of GET /api/v1/monitoring/query for a command line. The range goes
 * as the epoch-ms bounds this process resolved, so `--since 1h` means the
 * same steps as a local read at the same moment; selector and label filters
 * go as typed, for the hub's copy of the same parser.
 */
export function serverQueryUrl(server: string, selector: string, flags: QueryFlags, query: RangeQuery): URL {
  let url: URL;
  try {
    url = new URL('api/v1/monitoring/query', server.endsWith('/') ? server : `${server}/`);
  } catch {
    usageError(`invalid --server "${server}": a URL such as http://hub:8001`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') usageError(`invalid --server "${server}": http or https`);
  const p = url.searchParams;
  p.set('selector', selector);
  for (const l of flags.label) p.append('label', l);
  if (flags.node !== undefined) p.append('label', `node=${flags.node}`);
  if (flags.cluster !== undefined) p.append('label', `cluster=${flags.cluster}`);
  // With align end the hub resolves the stamps again: the first is one step after the first step's start.
  p.set('start', String(query.align === 'end' ? query.start + query.step : query.start));
  p.set('end', String(query.end));
  p.set('step', flags.step);
  p.set('agg', query.agg);
  if (query.groupBy) p.set('group_by', query.groupBy.join(','));
  if (query.sumBy) p.set('sum_by', query.sumBy.join(','));
  if (query.align) p.set('align', query.align);
  return url;
}

function firstLine(file: string, flag: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    usageError(`cannot read ${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line === '') usageError(`${flag} ${file} is empty`);
  return line;
}

/** The Authorization / X-API-Key header for the flags; secrets only from files or $KCLOUD_PASSWORD, never from argv. */
export function credentialHeaders(flags: Pick<QueryFlags, 'user' | 'passwordFile' | 'apiKeyFile'>, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (flags.apiKeyFile !== undefined) {
    if (flags.user !== undefined) usageError('give --user or --api-key-file, not both');
    return { 'x-api-key': firstLine(flags.apiKeyFile, '--api-key-file') };
  }
  if (flags.user === undefined) {
    if (flags.passwordFile !== undefined) usageError('--password-file needs --user');
    return {};
  }
  const password = flags.passwordFile !== undefined ? firstLine(flags.passwordFile, '--password-file') : env.KCLOUD_PASSWORD;
  if (!password) usageError('--user needs --password-file or $KCLOUD_PASSWORD');
  return { authorization: `Basic ${Buffer.from(`${flags.user}:${password}`).toString('base64')}` };
}

/** Runs the query on a hub through its API; an error answer or no answer exits 1 with the hub's message. */
export async function queryServer(server: string, selector: string, flags: QueryFlags, query: RangeQuery): Promise<QueryOutput> {
  const url = serverQueryUrl(server, selector, flags, query);
  const headers = { accept: 'application/json', ...credentialHeaders(flags) };
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    console.error(`kcloud-hub: no answer from ${url.origin}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
    process.exit(1);
  }
  const text = await res.text();
  let body: { data?: QueryOutput; metadata?: { sources?: StoreName[]; warnings?: string[] }; error?: { message?: string } } | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok || !body?.data) {
    console.error(`kcloud-hub: ${url.origin} answered ${res.status}: ${body?.error?.message ?? text.slice(0, 200)}`);
    process.exit(1);
  }
  // Named only when a remote store took part, as the local read does.
  if (body.metadata?.sources?.includes('remote') || body.metadata?.warnings) process.stderr.write(storeNote(body.metadata));
  return body.data;
}
