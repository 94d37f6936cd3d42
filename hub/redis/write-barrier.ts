/**
 * Writes to Redis that a response must not overtake: a logout answered
 * before its revocation reached Redis would leave a moment in which another
 * hub still accepts the token. The callers (logout routes) revoke
 * synchronously; the HTTP layer awaits `settled()` before sending any
 * response (hub/api/auth/shared-state.ts). Usually nothing is pending and
 * that costs nothing.
 */
export class WriteBarrier {
  private readonly pending = new Set<Promise<unknown>>();

  track(write: Promise<unknown>): void {
    // Failures are the writer's to log; the barrier only waits.
    const settled = write.catch(() => {}).finally(() => this.pending.delete(settled));
    this.pending.add(settled);
  }

  /** Resolves once every write tracked so far has finished, failed or not. */
  async settled(): Promise<void> {
    if (this.pending.size > 0) await Promise.all(this.pending);
  }
}
