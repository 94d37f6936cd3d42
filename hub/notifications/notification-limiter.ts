import type { NotificationDraft } from './notification-store.js';

export interface NotificationLimits {
  /** The same (node, category, subject) is notified at most once in this long. */
  repeatAfterMs: number;
  /** Notifications per (node, category) in `windowMs`; the first beyond is a summary, the rest are dropped. */
  perNodeAndKind: number;
  windowMs: number;
}

/** Keys held at most, per map: they come from node-supplied names (sensors, collectors). */
const MAX_KEYS = 10_000;

/**
 * Deduplicates and rate-limits drafts before they are stored once per
 * admin. One telemetry batch with 5 000 sensor-state rows made 2 500
 * notifications for every admin (issue 14, item 8). A draft passes when its
 * (node, category, subject) was not notified within `repeatAfterMs` and its
 * (node, category) has not had `perNodeAndKind` notifications in the
 * current window; the first draft over that budget becomes one
 * `notifications_suppressed` notification saying so, the rest of the window
 * is dropped and counted in `suppressed`. Fleet and cluster drafts are keyed
 * by their cluster (or none), VM drafts by their `scope` (the VM).
 */
export class NotificationLimiter {
  private readonly lastSent = new Map<string, number>();
  private readonly windows = new Map<string, { start: number; sent: number }>();
  /** Drafts dropped by either rule since the start. */
  suppressed = 0;

  constructor(
    private readonly limits: NotificationLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** The drafts to deliver out of `drafts`, in order. */
  filter(drafts: readonly NotificationDraft[]): NotificationDraft[] {
    const out: NotificationDraft[] = [];
    const t = this.now();
    for (const d of drafts) {
      const scope = d.node ?? d.cluster ?? d.scope ?? '';
      const key = `${scope}\0${d.category}\0${d.subject ?? ''}`;
      const last = this.lastSent.get(key);
      if (last !== undefined && t - last < this.limits.repeatAfterMs) {
        this.suppressed++;
        continue;
      }
      const kind = `${scope}\0${d.category}`;
      let w = this.windows.get(kind);
      if (!w || t - w.start >= this.limits.windowMs) {
        if (!w) bound(this.windows);
        this.windows.set(kind, (w = { start: t, sent: 0 }));
      }
      w.sent++;
      if (w.sent > this.limits.perNodeAndKind) {
        this.suppressed++;
        if (w.sent === this.limits.perNodeAndKind + 1) out.push(summary(d, new Date(w.start + this.limits.windowMs)));
        continue;
      }
      if (last === undefined) bound(this.lastSent);
      this.lastSent.set(key, t);
      out.push(d);
    }
    return out;
  }
}

/** Makes room for one more key: the oldest goes (a Map iterates in insertion order). */
function bound(map: Map<string, unknown>): void {
  if (map.size >= MAX_KEYS) map.delete(map.keys().next().value!);
}

function summary(d: NotificationDraft, until: Date): NotificationDraft {
  const about = d.node ? `node ${d.node}` : d.cluster ? `cluster ${d.cluster}` : (d.scope ?? 'the fleet');
  return {
    type: 'warning',
    priority: 'medium',
    category: 'notifications_suppressed',
    title: `More ${d.category} notifications for ${about} suppressed`,
    message: `${about} produced more ${d.category} notifications than notifications.perNodeAndKind allows; further ones are dropped until ${until.toISOString()}.`,
    node: d.node,
    cluster: d.cluster,
    scope: d.scope,
    data: { category: d.category, until: until.toISOString() },
  };
}
