import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Calls `send` `rate` times a second for `seconds`, paced by the clock: every
 * `tickMs` it makes up the calls due by then, so a late timer sends a small
 * burst instead of lowering the rate. Returns how many calls it made.
 */
export async function sendPaced(rate: number, seconds: number, tickMs: number, send: () => void): Promise<number> {
  const t0 = performance.now();
  let sent = 0;
  while (performance.now() - t0 < seconds * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    for (; sent < due; sent++) send();
    await sleep(tickMs);
  }
  return sent;
}
