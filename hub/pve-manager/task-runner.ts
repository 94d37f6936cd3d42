import type { Logger } from '../../shared/log.js';
import type { PveClient } from '../integrations/proxmox/client.js';
import { parseUpid, type Upid } from '../integrations/proxmox/upid.js';
import type { ManagerTask, TaskStore } from './task-store.js';

/** What a step may do besides plain calls: start a PVE task and wait for it (re-attached by UPID after a restart). */
export interface StepIo {
  pveTask(start: () => Promise<Upid | null>): Promise<void>;
}

export interface Step {
  name: string;
  /** Shown as the task's message while the step runs. */
  message: string;
  /** The task's progress once this step is done (0-100, increasing). */
  progress: number;
  run(io: StepIo): Promise<void>;
}

export interface TaskPlan {
  steps: Step[];
  completedMessage: string;
  onCompleted?(): void;
  onFailed?(step: string, error: string): void;
  /** After each step and at the end (a bulk parent's progress follows its children). */
  onChange?(): void;
}

/**
 * Runs a persisted task's steps in order from the one it stopped at. Each
 * step's start, the UPID of the PVE task it waits for and its end are
 * written to pve_tasks before anything else happens, so a hub stopped at
 * any point resumes: a step with a stored UPID waits for that PVE task
 * instead of starting another. A hub stopping leaves its tasks as they
 * are (running), never failed.
 */
export class TaskRunner {
  private stopped = false;

  constructor(
    private readonly tasks: TaskStore,
    private readonly log: Logger,
    private readonly pollIntervalMs: number,
  ) {}

  /** No more writes from here on: the hub is stopping and will resume these tasks. */
  stop(): void {
    this.stopped = true;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  async start(task: ManagerTask, client: PveClient, plan: TaskPlan): Promise<void> {
    let resumedUpid = task.upid;
    let current = plan.steps[task.stepIndex]?.name ?? null;
    try {
      for (let i = task.stepIndex; i < plan.steps.length; i++) {
        const step = plan.steps[i]!;
        current = step.name;
        if (this.stopped) return;
        this.tasks.update(task.id, { status: 'running', step: step.name, stepIndex: i, message: step.message });
        await step.run({
          pveTask: async (begin) => {
            const stored = resumedUpid ? parseUpid(resumedUpid) : null;
            resumedUpid = null;
            const upid = stored ?? (await begin());
            if (!upid) return;
            if (!stored && !this.stopped) this.tasks.update(task.id, { upid: upid.upid });
            await client.waitForTask(upid, { intervalMs: this.pollIntervalMs });
          },
        });
        if (this.stopped) return;
        this.tasks.update(task.id, { stepIndex: i + 1, progress: step.progress, upid: null });
        plan.onChange?.();
      }
      if (this.stopped) return;
      this.tasks.update(task.id, { status: 'completed', progress: 100, message: plan.completedMessage, step: null });
      plan.onCompleted?.();
      plan.onChange?.();
    } catch (err) {
      if (this.stopped) return;
      const error = (err as Error).message;
      this.log.warn({ task: task.id, kind: task.kind, step: current, err: error }, 'server manager task failed');
      this.tasks.update(task.id, { status: 'failed', message: `${current ?? 'task'} failed: ${error.split('\n')[0]}`, error, upid: null });
      plan.onFailed?.(current ?? 'task', error);
      plan.onChange?.();
    }
  }
}
