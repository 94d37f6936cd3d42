import type { Registry } from 'prom-client';
import type { Logger } from '../../shared/log.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { HubBus } from '../bus.js';
import type { HubConfig } from '../config.js';
import type { HubDb } from '../core/db.js';
import type { HubState } from '../core/status-file.js';
import type { Fleet } from '../fleet/fleet.js';
import type { Authenticator } from '../identity/authenticator.js';
import type { Logins } from '../identity/logins.js';
import type { NodeStore } from '../identity/nodes.js';
import type { KubernetesDirectory } from '../integrations/kubernetes/kube-directory.js';
import type { NotificationService } from '../notifications/service.js';
import type { RemoteReader } from '../remote-read/remote-read.js';
import type { UserStore } from '../identity/users.js';
import type { IngestCounters } from '../ingest/counters.js';
import type { Tsdb } from '../tsdb/store.js';
import type { WorkspaceStore } from '../workspaces/workspace-store.js';

/** What the HTTP areas read and act on; built once by the hub runtime (or a test). */
export interface ApiDeps {
  config: HubConfig;
  log: Logger;
  db: HubDb;
  tsdb: Tsdb;
  bus: HubBus;
  fleet: Fleet;
  /** The hub's prom-client registry (ingest, broker); /metrics adds the fleet's series to it. */
  registry: Registry;
  counters: IngestCounters;
  audit: AuditLog;
  authenticator: Authenticator;
  /** The login throttle, guard and store write health, shared with the broker. */
  logins: Logins;
  users: UserStore;
  nodes: NodeStore;
  workspaces: WorkspaceStore;
  /** Notifications made from bus events; emits `notification` for /ws. */
  notifications: NotificationService;
  /** The hub's state as status.json reports it (broker, ingest, store). */
  hubState(): Promise<HubState>;
  startedAt: number;
  /** Watched pods and nodes of `kubernetes.clusters` (names pods by UID, node roles); absent when none is configured. */
  kubernetes?: KubernetesDirectory;
  /** Range reads beyond local retention from the remote store (storage.remoteRead); absent when none is configured. */
  remoteRead?: RemoteReader;
}
