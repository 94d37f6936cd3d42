import type { SourceState, StatusMessage } from '../../shared/schema/message.js';
import type { HubBus } from '../bus.js';
import type { HubDb } from '../core/db.js';

export type NodeState = 'unknown' | 'online' | 'offline';

/** A node as the API sees it: registration, agent status and its latest inventory. */
export interface NodeView {
  id: number;
  name: string;
  cluster: string;
  state: NodeState;
  /** When the state last changed (ms), null before the first status. */
  stateTs: number | null;
  lastSeen: number | null;
  agentVersion: string | null;
  /** Collector states from the agent's status (`gpu`, `ipmi`, ...). */
  sources: Record<string, SourceState>;
  /** Merged facts of the agent's collectors (`host`, `gpus`, `bmc`, `rapl`, `dcgm`); {} before the first inventory. */
  inventory: Record<string, unknown>;
  inventoryTs: number | null;
}

interface Row {
  id: number;
  name: string;
  cluster: string;
  state: NodeState;
  state_ts: number | null;
  last_seen: number | null;
  agent_version: string | null;
  status_json: string | null;
  inv_ts: number | null;
  inv_body: string | null;
}

const SELECT = `
  SELECT n.id, n.name, n.cluster, n.state, n.state_ts, n.last_seen, n.agent_version, n.status_json,
         i.ts AS inv_ts, i.body AS inv_body
  FROM nodes n
  LEFT JOIN inventory i ON i.id = (SELECT max(id) FROM inventory WHERE node_id = n.id)
  WHERE n.disabled = 0
  ORDER BY n.cluster, n.name`;

function toView(r: Row): NodeView {
  const status = r.status_json ? (JSON.parse(r.status_json) as StatusMessage) : null;
  return {
    id: r.id,
    name: r.name,
    cluster: r.cluster,
    state: r.state,
    stateTs: r.state_ts,
    lastSeen: r.last_seen,
    agentVersion: r.agent_version,
    sources: status?.sources ?? {},
    inventory: r.inv_body ? (JSON.parse(r.inv_body) as Record<string, unknown>) : {},
    inventoryTs: r.inv_ts,
  };
}

/**
 * Registered nodes with their state and latest inventory, held in memory:
 * kept current from the ingest bus, and re-read from hub.db every
 * `refreshMs` so nodes added or removed by the CLI (another process) appear
 * and disappear without a restart.
 */
export class NodeDirectory {
  private nodes = new Map<string, NodeView>();
  private readonly timer: NodeJS.Timeout;
  private readonly removedListeners: ((name: string) => void)[] = [];

  constructor(
    private readonly db: HubDb,
    bus: HubBus,
    refreshMs = 5000,
  ) {
    this.reload();
    bus.on('node-status', ({ node, status, receivedAt }) => {
      const view = this.nodes.get(node.name);
      if (!view) return this.reload();
      view.state = status.state;
      view.stateTs = receivedAt;
      view.lastSeen = Math.max(view.lastSeen ?? 0, receivedAt);
      view.agentVersion = status.agentVersion ?? view.agentVersion;
      view.sources = status.sources ?? view.sources;
    });
    bus.on('inventory', ({ node, inventory, ts }) => {
      const view = this.nodes.get(node.name);
      if (!view) return this.reload();
      view.inventory = inventory;
      view.inventoryTs = ts;
    });
    bus.on('samples', ({ node, rows }) => {
      const view = this.nodes.get(node.name);
      // A node added by the CLI since the last reload: ingest accepted it, so hub.db has it.
      if (!view) return this.reload();
      if (rows.length > 0) view.lastSeen = Math.max(view.lastSeen ?? 0, Date.now());
    });
    this.timer = setInterval(() => this.reload(), refreshMs);
    this.timer.unref();
  }

  /** Called with the name of each node that disappears from hub.db. */
  onRemoved(listener: (name: string) => void): void {
    this.removedListeners.push(listener);
  }

  list(filter: { cluster?: string } = {}): NodeView[] {
    const all = [...this.nodes.values()];
    return filter.cluster === undefined ? all : all.filter((n) => n.cluster === filter.cluster);
  }

  get(name: string): NodeView | null {
    return this.nodes.get(name) ?? null;
  }

  clusters(): string[] {
    return [...new Set([...this.nodes.values()].map((n) => n.cluster))].sort();
  }

  reload(): void {
    const next = new Map<string, NodeView>();
    for (const row of this.db.prepare(SELECT).all() as Row[]) next.set(row.name, toView(row));
    const removed = [...this.nodes.keys()].filter((name) => !next.has(name));
    this.nodes = next;
    for (const name of removed) for (const l of this.removedListeners) l(name);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
