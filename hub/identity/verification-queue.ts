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
 * checks at once and one per account, limits per source and per account,
 * and the next check taken from the account served longest ago, so a flood
 * of guesses for one name holds one slot at most and a legitimate login for
 * another account starts at once or after one check.
 */
export class VerificationQueue {
  private running = 0;
  private queued = 0;
  /** Waiting jobs per account, in arrival order. */
  private readonly waiting = new Map<string, (() => void)[]>();
  private readonly bySource = new Map<string, number>();
  private readonly byAccount = new Map<string, number>();
  /** When each account with checks waiting or running last had a turn (a counter, not a clock). */
  private readonly lastTurn = new Map<string, number>();
  private turns = 0;
  /** Accounts with a check running now. */
  private readonly runningFor = new Set<string>();

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
            this.runningFor.delete(account);
            bump(this.bySource, source, -1);
            bump(this.byAccount, account, -1);
            if (!this.byAccount.has(account)) this.lastTurn.delete(account);
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
    while (this.running < this.limits.concurrency && this.waiting.size > 0) {
      // One running check per account at most, so a flood for one name leaves the other slots to other
      // accounts; among the rest, the account served longest ago (or never) goes first, ties in arrival order.
      let pick: string | null = null;
      for (const account of this.waiting.keys()) {
        if (this.runningFor.has(account)) continue;
        if (pick === null || (this.lastTurn.get(account) ?? -1) < (this.lastTurn.get(pick) ?? -1)) pick = account;
      }
      if (pick === null) return;
      const line = this.waiting.get(pick)!;
      const job = line.shift()!;
      if (line.length === 0) this.waiting.delete(pick);
      this.lastTurn.set(pick, ++this.turns);
      this.runningFor.add(pick);
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
