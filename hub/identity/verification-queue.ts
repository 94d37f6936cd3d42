/** Refused before any work: the client's source or the whole hub has too many password checks waiting. */
export class VerificationBusy extends Error {
  override name = 'VerificationBusy';
  constructor(readonly by: 'source' | 'account' | 'hub') {
    super(`too many password checks waiting for this ${by}`);
  }
}

export interface VerificationLimits {
  /** Checks running at once (each argon2id check uses 64 MiB and up to 4 threads). */
  concurrency: number;
  /** Checks waiting or running in all; beyond it a check is refused (VerificationBusy 'hub'). */
  queue: number;
  /** Waiting or running per client source address. */
  perSource: number;
  /** Waiting or running per account (a flood for one name must not fill the queue). */
  perAccount: number;
}

/**
 * Bounded, fair queue for password verification: at most `concurrency`
 * checks at once, limits per source and per account, and the next check
 * taken round-robin over accounts, so a flood of guesses for one name waits
 * behind one check of every other account that has one waiting, and a
 * legitimate login for another account starts after at most one round.
 */
export class VerificationQueue {
  private running = 0;
  private queued = 0;
  /** Waiting jobs per account, in arrival order; the Map's order is the round-robin order. */
  private readonly waiting = new Map<string, (() => void)[]>();
  private readonly bySource = new Map<string, number>();
  private readonly byAccount = new Map<string, number>();

  constructor(private readonly limits: VerificationLimits) {}

  /** Runs `check` when its turn comes; throws VerificationBusy at once when a limit is reached. */
  run<T>(account: string, source: string, check: () => Promise<T>): Promise<T> {
    if (this.running + this.queued >= this.limits.queue) throw new VerificationBusy('hub');
    if ((this.bySource.get(source) ?? 0) >= this.limits.perSource) throw new VerificationBusy('source');
    if ((this.byAccount.get(account) ?? 0) >= this.limits.perAccount) throw new VerificationBusy('account');
    bump(this.bySource, source, 1);
    bump(this.byAccount, account, 1);
    return new Promise<T>((resolve, reject) => {
      const job = () => {
        check()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            bump(this.bySource, source, -1);
            bump(this.byAccount, account, -1);
            this.next();
          });
      };
      const line = this.waiting.get(account);
      if (line) line.push(job);
      else this.waiting.set(account, [job]);
      this.queued++;
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.limits.concurrency) {
      const first = this.waiting.entries().next();
      if (first.done) return;
      const [account, line] = first.value;
      const job = line.shift()!;
      // The account goes to the back of the round (or leaves it when it has nothing more waiting).
      this.waiting.delete(account);
      if (line.length > 0) this.waiting.set(account, line);
      this.queued--;
      this.running++;
      job();
    }
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n === 0) counts.delete(key);
  else counts.set(key, n);
}
