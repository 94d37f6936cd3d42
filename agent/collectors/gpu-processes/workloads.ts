import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../../shared/log.js';
import { parseCgroup, type Workload } from './cgroup.js';

const NO_CONTAINER: Workload = { containerId: '', podUid: '', runtime: 'none' };

/**
 * pid -> workload, read from `<procRoot>/<pid>/cgroup` once per process
 * lifetime: an entry lives while its pid stays on a GPU, so a reused pid is
 * read afresh.
 */
export class WorkloadCache {
  private readonly byPid = new Map<number, Workload>();
  private warned = false;

  constructor(
    private readonly procRoot: string,
    private readonly log: Logger,
  ) {}

  /** Reads the workloads of these pids (cached ones are not re-read) and forgets every other pid. */
  async refresh(pids: ReadonlySet<number>): Promise<void> {
    for (const pid of this.byPid.keys()) if (!pids.has(pid)) this.byPid.delete(pid);
    await Promise.all([...pids].filter((pid) => !this.byPid.has(pid)).map(async (pid) => this.byPid.set(pid, await this.read(pid))));
  }

  /** The workload of a pid read by the last refresh; no container when it could not be read. */
  get(pid: number): Workload {
    return this.byPid.get(pid) ?? NO_CONTAINER;
  }

  private async read(pid: number): Promise<Workload> {
    try {
      return parseCgroup(await readFile(join(this.procRoot, String(pid), 'cgroup'), 'utf8'));
    } catch (err) {
      // An agent in its own pid namespace sees no GPU process; say so once, not every second.
      if (!this.warned) this.log.warn({ pid, procRoot: this.procRoot, err: (err as Error).message }, 'cannot read the cgroup of a GPU process; its container labels stay empty');
      this.warned = true;
      return NO_CONTAINER;
    }
  }
}
