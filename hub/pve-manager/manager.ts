import type { Logger } from '../../shared/log.js';
import { parseDuration } from '../../shared/duration.js';
import { ApiError, invalidParameter } from '../api/errors.js';
import type { HubDb } from '../core/db.js';
import type { SecretStore } from '../identity/secrets.js';
import type { PveClient } from '../integrations/proxmox/client.js';
import type { ProxmoxRegistry } from '../integrations/proxmox/registry.js';
import { SERVER_ROLES, type PveManagerConfig, type ServerRole } from './config.js';
import { createPlan } from './create-plan.js';
import { HOSTNAME, isPlainIpv4, prefixLength, sameSubnet } from './network.js';
import { KeyedSerial } from './serial.js';
import { ServerStore, type ManagedServer, type NewServer } from './server-store.js';
import { TaskRunner, type TaskPlan } from './task-runner.js';
import { TaskStore, type ManagerTask } from './task-store.js';
import { SSH_KEY_PATH, vaultSecretName } from './vault-names.js';

export interface ServerRequest {
  name: string;
  role: string;
  cpu: number;
  memory: number;
  disk_size: number;
  network_config?: { ip_address?: string; subnet?: string | number; gateway?: string };
}

export interface PveManagerDeps {
  db: HubDb;
  registry: ProxmoxRegistry;
  secrets: SecretStore;
  config: PveManagerConfig;
  log: Logger;
}

/** A server as listed: the stored row and its live PVE status. */
export interface ServerView extends ManagedServer {
  status: string;
}

/**
 * The Proxmox server manager (terraform-proxmox-manager-api): servers the
 * hub creates on the configured registered cluster, as persisted tasks.
 * Routes validate and shape; this validates meaning, reserves names, IPs
 * and VMIDs in hub.db, and runs the steps (task-runner.ts).
 */
export class PveManager {
  readonly servers: ServerStore;
  readonly tasks: TaskStore;
  private readonly runner: TaskRunner;
  private readonly serial = new KeyedSerial();

  constructor(private readonly deps: PveManagerDeps) {
    this.servers = new ServerStore(deps.db);
    this.tasks = new TaskStore(deps.db);
    this.runner = new TaskRunner(this.tasks, deps.log, parseDuration(deps.config.taskPollInterval));
  }

  /** The configured cluster's id and client; 503 while it is not configured or not registered. */
  private cluster(): { id: string; client: PveClient } {
    const name = this.deps.config.cluster;
    if (!name) throw new ApiError('SERVICE_UNAVAILABLE', 'the server manager is not configured: set pveManager.cluster to a registered cluster', { setting: 'pveManager.cluster' });
    const c = this.deps.registry.byName(name);
    const client = c && this.deps.registry.client(c.id);
    if (!c || !client) throw new ApiError('SERVICE_UNAVAILABLE', `cluster '${name}' (pveManager.cluster) is not registered`, { setting: 'pveManager.cluster' });
    return { id: c.id, client };
  }

  private clientFor(clusterId: string): PveClient {
    const client = this.deps.registry.client(clusterId);
    if (!client) throw new Error(`cluster ${clusterId} is no longer registered`);
    return client;
  }

  /** Managed servers with their status read live from `cluster/resources` (`unknown` when PVE does not answer). */
  async list(): Promise<ServerView[]> {
    const rows = this.servers.list();
    const live = new Map<string, string>();
    let reachable = true;
    const clusterIds = [...new Set(rows.map((r) => r.clusterId))];
    for (const id of clusterIds) {
      try {
        for (const r of await this.clientFor(id).clusterResources({ type: 'vm' })) if (r.vmid !== undefined) live.set(`${id}/${r.vmid}`, r.status ?? 'unknown');
      } catch (err) {
        reachable = false;
        this.deps.log.warn({ cluster: id, err: (err as Error).message }, 'server list: cluster resources not readable');
      }
    }
    return rows.map((s) => ({ ...s, status: statusOf(s, live, reachable) }));
  }

  getTask(id: string): ManagerTask | null {
    return this.tasks.get(id);
  }

  /** Checks a create request against the settings and what is reserved; throws a 400 naming the field. `prefix` names the field in a bulk request. */
  validate(req: ServerRequest, prefix = '', taken: { names: Set<string>; ips: Set<string> } = { names: new Set(), ips: new Set() }): Omit<NewServer, 'clusterId'> {
    const f = (name: string) => `${prefix}${name}`;
    const { limits, templates } = this.deps.config;
    if (!HOSTNAME.test(req.name)) throw invalidParameter(f('name'), 'must be a valid hostname (letters, digits, inner hyphens; dots between labels; at most 63 characters)');
    if (this.servers.nameTaken(req.name) || taken.names.has(req.name.toLowerCase())) throw invalidParameter(f('name'), `a server named '${req.name}' exists already`);
    if (!(SERVER_ROLES as readonly string[]).includes(req.role)) throw invalidParameter(f('role'), `must be one of ${SERVER_ROLES.join(', ')}`);
    if (!templates[req.role as ServerRole]) throw invalidParameter(f('role'), `no template is configured for role ${req.role} (pveManager.templates.${req.role})`);
    if (req.cpu < 1 || req.cpu > limits.maxCpu) throw invalidParameter(f('cpu'), `must be between 1 and ${limits.maxCpu}`);
    if (req.memory < limits.minMemoryMb || req.memory > limits.maxMemoryMb) throw invalidParameter(f('memory'), `must be between ${limits.minMemoryMb} and ${limits.maxMemoryMb} MB`);
    if (req.disk_size < limits.minDiskGb || req.disk_size > limits.maxDiskGb) throw invalidParameter(f('disk_size'), `must be between ${limits.minDiskGb} and ${limits.maxDiskGb} GB`);
    const net = req.network_config;
    if (!net) throw invalidParameter(f('network_config'), 'is required (ip_address, subnet, gateway)');
    const ip = net.ip_address;
    if (!isPlainIpv4(ip)) throw invalidParameter(f('network_config.ip_address'), 'must be an IPv4 address');
    const prefixLen = prefixLength(net.subnet);
    if (prefixLen === null || prefixLen > 30) throw invalidParameter(f('network_config.subnet'), 'must be a prefix length (8-30) or a netmask');
    if (!isPlainIpv4(net.gateway)) throw invalidParameter(f('network_config.gateway'), 'must be an IPv4 address');
    if (!sameSubnet(ip, net.gateway, prefixLen)) throw invalidParameter(f('network_config.gateway'), `is not in ${ip}/${prefixLen}`);
    if (ip === net.gateway) throw invalidParameter(f('network_config.ip_address'), 'is the gateway');
    if (this.servers.ipsInUse().has(ip) || taken.ips.has(ip)) throw invalidParameter(f('network_config.ip_address'), `${ip} is in use by a managed server`);
    return { name: req.name, role: req.role as ServerRole, ipAddress: ip, subnet: prefixLen, gateway: net.gateway, cpu: req.cpu, memory: req.memory, diskSize: req.disk_size };
  }

  /** Validates, reserves the server (name, IP) and starts its creation task; answers the task at once. */
  create(req: ServerRequest): ManagerTask {
    const { id: clusterId, client } = this.cluster();
    const valid = this.validate(req);
    const task = this.deps.db.transaction(() => {
      // The checks ran outside; the UNIQUE constraints catch a concurrent request with the same name or IP.
      const server = this.reserve({ ...valid, clusterId });
      return this.tasks.create('create', 'pending', { serverId: server.id });
    })();
    void this.runner.start(task, client, this.createTaskPlan(task));
    return task;
  }

  private reserve(s: NewServer): ManagedServer {
    try {
      return this.servers.add(s);
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw err;
      const field = /ip_address/.test((err as Error).message) ? 'network_config.ip_address' : 'name';
      throw invalidParameter(field, 'was just taken by another request');
    }
  }

  private createTaskPlan(task: ManagerTask): TaskPlan {
    const serverId = task.serverId!;
    const server = this.servers.get(serverId);
    return {
      steps: createPlan({
        client: this.clientFor(server?.clusterId ?? ''),
        config: this.deps.config,
        servers: this.servers,
        serial: this.serial,
        serverId,
        sshPublicKey: () => this.sshPublicKey(),
      }),
      completedMessage: `서버 ${server?.name}이 성공적으로 생성되었습니다 (server created)`,
      onCompleted: () => this.servers.setState(serverId, 'active'),
      onFailed: () => this.servers.setState(serverId, 'failed'),
    };
  }

  private sshPublicKey(): string | null {
    const stored = this.deps.secrets.get(vaultSecretName(SSH_KEY_PATH));
    if (!stored) return null;
    const key = (JSON.parse(stored) as { public_key?: unknown }).public_key;
    return typeof key === 'string' && key.trim() ? key.trim() : null;
  }

  /** Resumes the tasks a stopped hub left running; each re-attaches to its PVE task by UPID. */
  resume(): void {
    for (const task of this.tasks.unfinished()) {
      const server = task.serverId === null ? null : this.servers.get(task.serverId);
      if (task.kind === 'create' && server) {
        this.deps.log.info({ task: task.id, step: task.step, upid: task.upid }, 'server manager: resuming task');
        void this.runner.start(task, this.clientFor(server.clusterId), this.createTaskPlan(task));
      } else {
        this.tasks.update(task.id, { status: 'failed', message: 'the hub restarted and this task cannot be resumed', error: `unresumable ${task.kind} task` });
      }
    }
  }

  /** The hub is stopping: tasks keep their state (running) for the next start. */
  stop(): void {
    this.runner.stop();
  }

  idle(): Promise<void> {
    return this.runner.idle();
  }
}

function statusOf(s: ManagedServer, live: Map<string, string>, reachable: boolean): string {
  if (s.state !== 'active') return s.state === 'failed' ? 'error' : s.state;
  const status = live.get(`${s.clusterId}/${s.vmid}`);
  if (status) return status;
  return reachable ? 'missing' : 'unknown';
}
