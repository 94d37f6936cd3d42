import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Maintenance (sealing, retention, vacuum) is written as generators of
 * bounded steps: each step commits its own transaction and leaves the store
 * consistent (every sample readable exactly once, crash-safe), so writes and
 * reads may run between any two steps. The bounds below are structural (what
 * one step may touch) and were sized so a step takes a few ms on the 2-core
 * CI machine; runSliced groups steps into slices of about SLICE_MS and gives
 * the event loop back between slices.
 */
export type MaintenanceStep =
  /** Head samples of `series` series merged into their chunks (seal) or thrown away (discard, past raw retention). */
  | { task: 'seal' | 'discard'; series: number; samples: number }
  /** Head-log records deleted once their samples were sealed or discarded. */
  | { task: 'log'; records: number; bytes: number }
  /** Series whose expired blocks were deleted, or which were checked for (and dropped when) having no data left. */
  | { task: 'expire' | 'drop-empty'; series: number }
  /** Timestamp columns of windows past raw retention deleted. */
  | { task: 'expire-timestamps'; columns: number }
  /** Free pages handed back to the file system. */
  | { task: 'vacuum'; pages: number };

/** A seal or discard step takes at most this many series (each costs ~0.2 ms besides its samples: chunk and rollup encoding, three block writes)... */
export const STEP_SERIES = 8;
/** ...and at most this many head samples, unless one series alone has more (1 h at 1 Hz is 3 600). */
export const STEP_SAMPLES = 4096;
/** A log step deletes at most this many records... */
export const STEP_LOG_RECORDS = 2048;
/** ...holding at most this many bytes, unless the first record alone is larger (~0.7 ms per MiB measured). */
export const STEP_LOG_BYTES = 4 * 1024 * 1024;
/** Retention's per-series steps (three primary-key range deletes, or three existence checks, per series). */
export const STEP_EXPIRE_SERIES = 128;
/** Timestamp columns one retention step deletes (a few KiB each; one per node and window). */
export const STEP_EXPIRE_COLUMNS = 128;
/**
 * Pages one incremental vacuum step moves or truncates: 5-50 µs a page
 * measured, but up to ~0.35 ms a page where it moves live pages (128 pages
 * made one step of a full-size hourly seal take 43-55 ms on a quiet
 * machine, bench/seal-stall.ts; 32 pages: 12.6 ms).
 */
export const STEP_VACUUM_PAGES = 32;

/** Steps run back to back until a slice has taken this long; the last step of a slice may overrun it by its own length. */
export const SLICE_MS = 5;

/** Runs every step at once, holding the thread (a flush before shutdown, tests, benches). */
export function drain<R>(steps: Generator<MaintenanceStep, R>): R {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * Runs the steps in slices of about SLICE_MS, yielding to the event loop
 * (setImmediate: after pending I/O, so MQTT acknowledgements, API requests
 * and ingest commits go first) between slices. Rejects with the signal's
 * reason, between steps, once it is aborted; every step before that stays done.
 */
export async function runSliced<R>(steps: Generator<MaintenanceStep, R>, signal?: AbortSignal): Promise<R> {
  try {
    for (;;) {
      signal?.throwIfAborted();
      const start = performance.now();
      do {
        const next = steps.next();
        if (next.done) return next.value;
      } while (performance.now() - start < SLICE_MS);
      await nextTurn();
    }
  } finally {
    // An aborted or failed run still runs the generator's cleanup (the store's "maintenance is running" flag).
    steps.return(undefined as R);
  }
}
