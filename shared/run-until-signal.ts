import type { Logger } from './log.js';

export interface RunUntilSignalOptions<S extends { stop(): Promise<void> }> {
  /** What runs, for the log lines: 'agent', 'hub'. */
  what: string;
  log: Logger;
  start: () => Promise<S>;
  /**
   * The most a stop may take before the process exits 1 anyway, and what
   * that exit leaves behind (for the log line); none: wait for the stop.
   */
  stopBound?: { ms: number; leaves: string };
}

/**
 * `run` of a long-running service (what a systemd unit starts): starts it,
 * and on SIGTERM or SIGINT stops it and exits 0, or 1 after an unclean
 * stop; a second signal while stopping exits 1 at once. The handlers are
 * set before the start: a service may be visible before start() returns
 * (the agent publishes its online status), and a signal in that window is
 * served as soon as the start is done, a clean stop instead of the default
 * action's kill. The log is flushed before every exit.
 */
export async function runUntilSignal<S extends { stop(): Promise<void> }>(opts: RunUntilSignalOptions<S>): Promise<void> {
  const { what, log } = opts;
  const exit = (code: number) => log.flush(() => process.exit(code));
  let service: S | undefined;
  let stopping = false;
  const stop = (running: S) =>
    running.stop().then(
      () => exit(0),
      (err: Error) => {
        log.error({ err: err.message }, 'unclean stop');
        exit(1);
      },
    );
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, `second signal while stopping: the ${what} exits now`);
      exit(1);
      return;
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    const bound = opts.stopBound;
    if (bound) {
      setTimeout(() => {
        log.error({ afterMs: bound.ms }, `stop did not finish in time; exiting (${bound.leaves})`);
        exit(1);
      }, bound.ms).unref();
    }
    if (service) void stop(service);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  try {
    service = await opts.start();
  } catch (err) {
    log.fatal({ err: (err as Error).message }, `${what} failed to start`);
    exit(1);
    return;
  }
  if (stopping) void stop(service);
}
