/**
 * Loads one URL for a while and reports what the server answered, with wrk
 * (C, one thread: the load generator of the first measurements) or
 * autocannon (JavaScript). The generator shares the 2-core machine with the
 * server, so its own cost per answer bounds what a bench can show: with
 * autocannon a 4.8 KB gzipped answer cost the client ~60 µs of CPU (its
 * JavaScript HTTP parser), as much as the hub spent answering it, and the
 * hub sat idle half of the run. The client's CPU per request is reported
 * beside the figures either way.
 */
import autocannon from 'autocannon';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { childrenCpuSeconds } from './proc-stat.js';

export type LoadGenerator = 'wrk' | 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  total: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  bytesPerRequest: number;
  /** CPU the load generator spent per answered request, µs. */
  clientMicrosPerRequest: number;
}

export interface LoadOptions {
  generator: LoadGenerator;
  connections: number;
  seconds: number;
  headers: Record<string, string>;
}

/** wrk's `done` hook: its summary as one JSON line (latencies in µs). */
const WRK_REPORT = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"durationUs":%d,"bytes":%d,"errors":%d,"non2xx":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
`;

export async function httpLoad(url: string, options: LoadOptions): Promise<LoadResult> {
  return options.generator === 'wrk' ? wrkLoad(url, options) : autocannonLoad(url, options);
}

async function wrkLoad(url: string, { connections, seconds, headers }: LoadOptions): Promise<LoadResult> {
  const script = join(tmpdir(), `kcloud-bench-wrk-${process.pid}.lua`);
  writeFileSync(script, WRK_REPORT);
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', script, ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url];
  const children0 = childrenCpuSeconds();
  const { stdout } = await promisify(execFile)('wrk', args, { timeout: (seconds + 30) * 1000 })
    .catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? new Error('wrk is not installed: apt-get install wrk (or BENCH_LOADGEN=autocannon)') : err;
    })
    .finally(() => rmSync(script, { force: true }));
  // wrk has exited and been waited for: its CPU is in this process's children's times.
  const clientMicros = (childrenCpuSeconds() - children0) * 1e6;
  const line = stdout.split('\n').find((l) => l.startsWith('{"requests"'));
  if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
  const r = JSON.parse(line) as { requests: number; durationUs: number; bytes: number; errors: number; non2xx: number; p50Us: number; p99Us: number };
  return {
    requestsPerSecond: r.requests / (r.durationUs / 1e6),
    total: r.requests,
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
    non2xx: r.non2xx,
    errors: r.errors,
    bytesPerRequest: r.bytes / Math.max(1, r.requests),
    clientMicrosPerRequest: clientMicros / Math.max(1, r.requests),
  };
}

async function autocannonLoad(url: string, { connections, seconds, headers }: LoadOptions): Promise<LoadResult> {
  const cpu0 = process.cpuUsage();
  const result = await autocannon({ url, connections, duration: seconds, headers });
  const cpu = process.cpuUsage(cpu0);
  return {
    requestsPerSecond: result.requests.average,
    total: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    bytesPerRequest: result.throughput.average / Math.max(1, result.requests.average),
    clientMicrosPerRequest: (cpu.user + cpu.system) / Math.max(1, result.requests.total),
  };
}
