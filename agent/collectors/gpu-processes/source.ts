import type { Logger } from '../../../shared/log.js';
import { LineProcess } from '../line-process.js';
import { computeAppRow, type ComputeApp } from './parse-compute-apps.js';
import { PmonParser, type PmonRow } from './parse-pmon.js';

/** What the agent asks for; `used_memory` is the short alias of `used_gpu_memory`. */
export const COMPUTE_APPS_FIELDS = ['pid', 'gpu_uuid', 'used_memory'] as const;

/**
 * The one long-running `nvidia-smi --query-compute-apps=... -lms N` stream.
 * Each loop prints one row per (GPU, process) and nothing at all when no
 * process runs, so a set is closed by a repeated (GPU, pid) or a short pause;
 * the caller treats a set older than a few intervals as "no processes".
 */
export function computeAppsStream(opts: { nvidiaSmi: string; intervalMs: number; log: Logger; onSet: (apps: ComputeApp[]) => void }): LineProcess {
  let pending: ComputeApp[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const apps = pending;
    pending = [];
    opts.onSet(apps);
  };
  return new LineProcess({
    file: opts.nvidiaSmi,
    args: [`--query-compute-apps=${COMPUTE_APPS_FIELDS.join(',')}`, '--format=csv,noheader,nounits', '-lms', String(opts.intervalMs)],
    log: opts.log,
    what: 'nvidia-smi --query-compute-apps',
    onExit: flush,
    onLine(line) {
      let app;
      try {
        app = computeAppRow(COMPUTE_APPS_FIELDS, line);
      } catch (err) {
        opts.log.warn({ err: (err as Error).message }, 'unparseable compute-apps row skipped');
        return;
      }
      if (!app) return;
      if (pending.some((a) => a.pid === app.pid && a.gpuUuid === app.gpuUuid)) flush();
      pending.push(app);
      if (timer) clearTimeout(timer);
      timer = setTimeout(flush, Math.min(100, opts.intervalMs / 4));
    },
  });
}

/** `nvidia-smi pmon -s u -d S`: SM% per process, at most once a second (pmon's delay is whole seconds, 1..10). */
export function pmonStream(opts: { nvidiaSmi: string; delayS: number; log: Logger; onRow: (row: PmonRow) => void }): LineProcess {
  const parser = new PmonParser();
  return new LineProcess({
    file: opts.nvidiaSmi,
    args: ['pmon', '-s', 'u', '-d', String(opts.delayS)],
    log: opts.log,
    what: 'nvidia-smi pmon',
    onLine(line) {
      const row = parser.line(line);
      if (row) opts.onRow(row);
    },
  });
}
