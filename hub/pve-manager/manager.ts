import type { Logger } from '../../shared/log.js';
import { parseDuration } from '../../shared/duration.js';
import { ApiError, invalidParameter } from '../api/errors.js';
import type { HubDb } from '../core/db.js';
import type { NotificationService } from '../notifications/service.js';
import type { ClusterResourcesResult } from '../integrations/proxmox/api-types.js';
import type { PveClient } from '../integrations/proxmox/client.js';
import type { ProxmoxRegistry } from '../integrations/proxmox/registry.js';
import { SERVER_ROLES, type PveManagerConfig, type ServerRole } from './config.js';
import { BACKUP_ID, backupPlan, listBackups, restorePlan, type Backup } from './backups.js';
import { createPlan } from './create-plan.js';
import { deletePlan, powerPlan, type PowerState } from './lifecycle-plans.js';
import { expandRange, HOSTNAME, isHostAddress, isPlainIpv4, prefixLength, sameSubnet } from './network.js';
import { forEachLimited, KeyedSerial } from './serial.js';
import { adoptionCandidates, staticAddress } from './adoption.js';
import { ServerStore, type ManagedServer, type NewServer } from './server-store.js';
import { TaskRunner, type TaskPlan } from './task-runner.js';
import { TaskStore, type ManagerTask } from './task-store.js';
import { metricsFromRrd, type VmMetrics } from './vm-metrics.js';
import { readSshPublicKey, type SecretsBackend } from './vault.js';

export interface ServerRequest {
  name: string;
  role: string;
  cpu: number;
  memory: number;
  disk_size: number;
  network_config?: { ip_address?: string; subnet?: string | number; gateway?: string };
}

export type BulkServerRequest = Omit<ServerRequest, 'network_config'>;

export interface BulkCreateRequest {
  servers: BulkServerRequest[];
  network_config: { ip_range: string; subnet: string | number; gateway: string };
}

/** Addresses an ip_range may span. */
const MAX_RANGE = 4096;
/** Bound on the adoption refusals remembered (adoptionRefusals); past it they are logged again. */
const MAX_REMEMBERED_REFUSALS = 1000;

export interface PveManagerDeps {
  db: HubDb;
  registry: ProxmoxRegistry;
  /** Where vault path secret/ssh (the servers' SSH key) is read: the secrets box or Vault (vault.ts). */
  vault: SecretsBackend;
  config: PveManagerConfig;
  log: Logger;
  /** The hub's notifications: server lifecycle events (created, failed, deleted, backup done) go there. */
  notifications?: NotificationService;
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
  /** Archives (volid) a DELETE /backups/{id} is removing now: a restore of one is refused meanwhile. */
  private readonly backupsDeleting = new Set<string>();
  /** Adoption refusals already logged, so a list does not log them again. */
  private readonly adoptionRefusals = new Set<string>();

  constructor(private readonly deps: PveManagerDeps) {
    this.servers = new ServerStore(deps.db);
    this.tasks = new TaskStore(deps.db, deps.config.keepFinishedTasks);
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

  /**
   * Managed servers with their status read live from `cluster/resources`
   * (`unknown` when PVE does not answer). The configured cluster's VMs
   * tagged for adoption (adoption.ts) join the managed servers first.
   */
  async list(): Promise<ServerView[]> {
    const live = new Map<string, string>();
    let reachable = true;
    const configured = this.deps.config.cluster ? this.deps.registry.byName(this.deps.config.cluster)?.id : undefined;
    const clusterIds = new Set(this.servers.list().map((r) => r.clusterId));
    if (configured) clusterIds.add(configured);
    for (const id of clusterIds) {
      try {
        const client = this.clientFor(id);
        const resources = await client.clusterResources({ type: 'vm' });
        for (const r of resources) if (r.vmid !== undefined) live.set(`${id}/${r.vmid}`, r.status ?? 'unknown');
        if (id === configured) await this.adopt(id, client, resources);
      } catch (err) {
        reachable = false;
        this.deps.log.warn({ cluster: id, err: (err as Error).message }, 'server list: cluster resources not readable');
      }
    }
    return this.servers.list().map((s) => ({ ...s, status: statusOf(s, live, reachable) }));
  }

  /** Adopts the tagged VMs that are not managed yet; one that cannot be is logged once with the reason and left alone. */
  private async adopt(clusterId: string, client: PveClient, resources: ClusterResourcesResult): Promise<void> {
    const { candidates, skipped } = adoptionCandidates(resources, (vmid) => this.servers.vmidReserved(clusterId, vmid));
    const skip = (vmid: number, reason: string) => {
      const key = `${clusterId}/${vmid}/${reason}`;
      if (this.adoptionRefusals.has(key)) return;
      if (this.adoptionRefusals.size >= MAX_REMEMBERED_REFUSALS) this.adoptionRefusals.clear();
      this.adoptionRefusals.add(key);
      this.deps.log.warn({ cluster: clusterId, vmid, reason }, 'a VM tagged kcloud is not adopted');
    };
    for (const s of skipped) skip(s.vmid, s.reason);
    for (const c of candidates) {
      const address = staticAddress((await client.qemuConfig(c.node, c.vmid)).ipconfig0);
      // Another list may have adopted it while this one waited for PVE.
      if (this.servers.vmidReserved(clusterId, c.vmid)) continue;
      if (!address) {
        skip(c.vmid, 'no static IPv4 address in ipconfig0 (ip=a.b.c.d/n,gw=...)');
        continue;
      }
      if (this.servers.nameTaken(c.name)) {
        skip(c.vmid, `a managed server is named '${c.name}' already`);
        continue;
      }
      if (this.servers.ipsInUse().has(address.ip)) {
        skip(c.vmid, `${address.ip} is in use by a managed server`);
        continue;
      }
      const server = this.servers.adopt({ name: c.name, role: c.role, clusterId, node: c.node, vmid: c.vmid, ipAddress: address.ip, subnet: address.prefix, gateway: address.gateway, cpu: c.cpu, memory: c.memoryMb, diskSize: c.diskGb });
      this.deps.log.info({ cluster: clusterId, vmid: c.vmid, server: server.id, name: c.name }, 'adopted a VM tagged kcloud');
    }
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
    if (!isHostAddress(net.gateway, prefixLen)) throw invalidParameter(f('network_config.gateway'), `is the network or broadcast address of ${ip}/${prefixLen}`);
    if (ip === net.gateway) throw invalidParameter(f('network_config.ip_address'), 'is the gateway');
    if (!isHostAddress(ip, prefixLen)) throw invalidParameter(f('network_config.ip_address'), `is the network or broadcast address of ${ip}/${prefixLen}`);
    if (this.servers.ipsInUse().has(ip) || taken.ips.has(ip)) throw invalidParameter(f('network_config.ip_address'), `${ip} is in use by a managed server`);
    return { name: req.name, role: req.role as ServerRole, ipAddress: ip, subnet: prefixLen, gateway: net.gateway, cpu: req.cpu, memory: req.memory, diskSize: req.disk_size };
  }

  /** Validates, reserves the server (name, IP) and starts its creation task; answers the task at once. */
  create(req: ServerRequest): ManagerTask {
    const { id: clusterId } = this.cluster();
    const valid = this.validate(req);
    const task = this.deps.db.transaction(() => {
      // The checks ran outside; the UNIQUE constraints catch a concurrent request with the same name or IP.
      const server = this.reserve({ ...valid, clusterId });
      return this.tasks.create('create', 'pending', { serverId: server.id });
    })();
    this.launch(task);
    return task;
  }

  /**
   * Bulk create: one free IP of `ip_range` per server (never one a managed
   * server holds), all validated and reserved in one synchronous
   * transaction (two bulk requests cannot interleave), then the creates run
   * `bulkParallelism` at a time under one parent task.
   */
  bulkCreate(req: BulkCreateRequest): { parent: ManagerTask; children: { task: ManagerTask; server: ManagedServer }[] } {
    const { id: clusterId } = this.cluster();
    const net = req.network_config;
    const range = expandRange(net.ip_range, MAX_RANGE);
    if (!range) throw invalidParameter('network_config.ip_range', `must be "a.b.c.d-a.b.c.e", first to last, at most ${MAX_RANGE} addresses`);
    const prefix = prefixLength(net.subnet);
    if (prefix !== null && isPlainIpv4(net.gateway) && !range.every((ip) => sameSubnet(ip, net.gateway, prefix))) {
      throw invalidParameter('network_config.ip_range', `must lie in the gateway's subnet ${net.gateway}/${prefix}`);
    }
    const inUse = this.servers.ipsInUse();
    // A bad subnet or gateway is named by validate() below; the network and broadcast addresses are nobody's.
    const free = range.filter((ip) => !inUse.has(ip) && ip !== net.gateway && (prefix === null || isHostAddress(ip, prefix)));
    if (free.length < req.servers.length) throw invalidParameter('network_config.ip_range', `has ${free.length} free addresses for ${req.servers.length} servers`);
    const taken = { names: new Set<string>(), ips: new Set<string>() };
    const valid = req.servers.map((s, i) => {
      const v = this.validate({ ...s, network_config: { ip_address: free[i], subnet: net.subnet, gateway: net.gateway } }, `servers[${i}].`, taken);
      taken.names.add(v.name.toLowerCase());
      taken.ips.add(v.ipAddress);
      return v;
    });
    const made = this.deps.db.transaction(() => {
      const parent = this.tasks.create('bulk-create', `${valid.length}대 서버 생성 대기 중 (pending)`, { input: { count: valid.length } });
      const children = valid.map((v) => {
        const server = this.reserve({ ...v, clusterId });
        return { server, task: this.tasks.create('create', 'pending', { serverId: server.id, parentId: parent.id }) };
      });
      return { parent, children };
    })();
    this.launch(made.parent);
    return made;
  }

  /** DELETE /servers/{id}: stop and destroy as a task; the row goes when the VM is gone. */
  remove(id: number): ManagerTask {
    const server = this.idle(id);
    const task = this.deps.db.transaction(() => {
      this.servers.setState(id, 'deleting');
      return this.tasks.create('delete', 'pending', { serverId: server.id });
    })();
    this.launch(task);
    return task;
  }

  bulkRemove(ids: number[]): { parent: ManagerTask; children: ManagerTask[] } {
    ids.forEach((id, i) => this.idle(id, `server_ids[${i}]`));
    if (new Set(ids).size !== ids.length) throw invalidParameter('server_ids', 'lists a server twice');
    const made = this.deps.db.transaction(() => {
      const parent = this.tasks.create('bulk-delete', `${ids.length}대 서버 삭제 대기 중 (pending)`, { input: { count: ids.length } });
      const children = ids.map((id) => {
        this.servers.setState(id, 'deleting');
        return this.tasks.create('delete', 'pending', { serverId: id, parentId: parent.id });
      });
      return { parent, children };
    })();
    this.launch(made.parent);
    return made;
  }

  /** PUT /servers/{id}/status as a task. */
  setPower(id: number, status: PowerState): ManagerTask {
    const server = this.idle(id);
    if (server.state !== 'active') throw new ApiError('CONFLICT', `server ${id} is ${server.state}`);
    const task = this.tasks.create('power', 'pending', { serverId: id, input: { status } });
    this.launch(task);
    return task;
  }

  /** Backups of managed servers on `pveManager.backupStorage`, newest first, with the server they belong to. */
  async backups(): Promise<{ backup: Backup; server: ManagedServer }[]> {
    const { client } = this.cluster();
    const byVmid = new Map(this.servers.list().map((s) => [s.vmid, s]));
    return (await listBackups(client, this.deps.config.backupStorage)).flatMap((backup) => {
      const server = byVmid.get(backup.vmid);
      return server ? [{ backup, server }] : [];
    });
  }

  private async backup(backupId: string): Promise<{ backup: Backup; server: ManagedServer }> {
    if (!BACKUP_ID.test(backupId)) throw invalidParameter('backup_id', 'must be a vzdump archive name (vzdump-qemu-<vmid>-<date>.vma.zst)');
    const hit = (await this.backups()).find((b) => b.backup.backupId === backupId);
    if (!hit) throw new ApiError('NOT_FOUND', `backup ${backupId} not found`);
    return hit;
  }

  /** POST /backups/create: vzdump (snapshot, zstd) as a task. */
  createBackup(serverId: number): ManagerTask {
    this.cluster();
    const server = this.idle(serverId, 'server_id');
    if (server.state !== 'active') throw new ApiError('CONFLICT', `server ${serverId} is ${server.state}`, { field: 'server_id' });
    const task = this.tasks.create('backup', 'pending', { serverId });
    this.launch(task);
    return task;
  }

  /** POST /backups/{id}/restore: onto the target server's VM; 409 when that VM exists and overwrite is not true. */
  async restoreBackup(backupId: string, targetId: number, overwrite: boolean): Promise<ManagerTask> {
    const { client } = this.cluster();
    const { backup } = await this.backup(backupId);
    const target = this.idle(targetId, 'target_server_id');
    // The restore writes the archive to the target's VMID: a server whose create failed before allocating one has none to restore onto.
    if (target.vmid === null) throw new ApiError('CONFLICT', `server ${targetId} has no VMID (its creation failed before one was allocated): delete it and create it again`, { field: 'target_server_id' });
    const exists = (await client.clusterResources({ type: 'vm' })).some((r) => r.vmid === target.vmid);
    if (exists && !overwrite) throw new ApiError('CONFLICT', `server ${targetId} has a VM (${target.vmid}): restoring over it needs "overwrite": true`, { field: 'overwrite' });
    // While PVE answered, another request may have started a task on the target (a delete) or a delete of the archive: checked again with nothing awaited before the task is written.
    this.idle(targetId, 'target_server_id');
    if (this.backupsDeleting.has(backup.volid)) throw new ApiError('CONFLICT', `backup ${backupId} is being deleted`, { field: 'backup_id' });
    const task = this.tasks.create('restore', 'pending', { serverId: targetId, input: { volid: backup.volid, node: backup.node, overwrite } });
    this.launch(task);
    return task;
  }

  /** DELETE /backups/{id}: removes the archive from its storage; 409 while a restore of it runs or another delete of it does. */
  async deleteBackup(backupId: string): Promise<void> {
    const { client } = this.cluster();
    const { backup } = await this.backup(backupId);
    const restoring = this.tasks.unfinished().some((t) => t.kind === 'restore' && t.input.volid === backup.volid);
    if (restoring || this.backupsDeleting.has(backup.volid)) throw new ApiError('CONFLICT', `backup ${backupId} is being ${restoring ? 'restored' : 'deleted'}`, { field: 'backup_id' });
    this.backupsDeleting.add(backup.volid);
    try {
      const upid = await client.storageContentDelete(backup.node, this.deps.config.backupStorage, backup.volid);
      if (upid) await client.waitForTask(upid, { intervalMs: parseDuration(this.deps.config.taskPollInterval) });
    } finally {
      this.backupsDeleting.delete(backup.volid);
    }
  }

  /** The configured cluster's nodes from `cluster/status`, with their cluster IP when PVE gives one (monitoring targets). */
  async clusterNodes(): Promise<{ name: string; ip: string | null }[]> {
    const { client } = this.cluster();
    return (await client.clusterStatus()).filter((e) => e.type === 'node').map((e) => ({ name: e.name, ip: e.ip || null }));
  }

  /** A server's current metrics from PVE's `rrddata` (monitoring-service.ts asks the server's kcloud agent first). */
  async metrics(serverId: number): Promise<{ server: ManagedServer; metrics: VmMetrics }> {
    const server = this.servers.get(serverId);
    if (!server) throw new ApiError('NOT_FOUND', `server ${serverId} not found`);
    const client = this.clientFor(server.clusterId);
    const vm = server.vmid === null ? undefined : (await client.clusterResources({ type: 'vm' })).find((r) => r.vmid === server.vmid);
    if (!vm?.node) throw new ApiError('NOT_FOUND', `server ${serverId} has no VM on the cluster`);
    const metrics = metricsFromRrd(await client.qemuRrdData(vm.node, server.vmid!, 'hour'));
    if (!metrics) throw new ApiError('SERVICE_UNAVAILABLE', `PVE has no metrics for VM ${server.vmid} yet`);
    return { server, metrics };
  }

  /** The server, when no task works on it; 404 / 409 otherwise. */
  private idle(id: number, field?: string): ManagedServer {
    const server = this.servers.get(id);
    if (!server) throw field ? invalidParameter(field, `no server ${id}`) : new ApiError('NOT_FOUND', `server ${id} not found`);
    if (this.tasks.busy(id)) throw new ApiError('CONFLICT', `server ${id} has a task running`, field ? { field } : undefined);
    return server;
  }

  /** Starts a task in the background; what cannot even start (its cluster gone) fails the task. */
  private launch(task: ManagerTask): void {
    this.startTask(task).catch((err: Error) => {
      this.deps.log.error({ task: task.id, kind: task.kind, err: err.message }, 'server manager: task could not run');
      if (!this.runner.isStopped) this.tasks.update(task.id, { status: 'failed', message: `could not run: ${err.message}`, error: err.message });
    });
  }

  /** Runs (or resumes) a task by its kind. */
  private async startTask(task: ManagerTask, onChange?: () => void): Promise<void> {
    if (task.kind === 'bulk-create' || task.kind === 'bulk-delete') return this.runBulk(task);
    const server = task.serverId === null ? null : this.servers.get(task.serverId);
    if (!server) {
      this.tasks.update(task.id, { status: 'failed', message: 'its server no longer exists', error: `server ${task.serverId} not found` });
      onChange?.();
      return;
    }
    const client = this.clientFor(server.clusterId);
    const current = () => this.servers.get(server.id) ?? server;
    const plans: Record<string, () => TaskPlan> = {
      create: () => ({ ...this.createTaskPlan(task), onChange }),
      delete: () => ({
        steps: deletePlan(client, current),
        completedMessage: '서버가 성공적으로 삭제되었습니다',
        onCompleted: () => {
          this.servers.remove(server.id);
          this.notify(task, server, 'info', `서버 ${server.name}이 삭제되었습니다`);
        },
        onFailed: (step, error) => {
          this.servers.setState(server.id, 'failed');
          this.notify(task, server, 'error', `서버 ${server.name} 삭제 실패 (${step}): ${error.split('\n')[0]}`);
        },
        onChange,
      }),
      backup: () => ({
        steps: backupPlan(client, current, this.deps.config.backupStorage),
        completedMessage: `서버 ${server.name} 백업이 완료되었습니다 (backup done)`,
        onCompleted: () => this.notify(task, server, 'success', `서버 ${server.name} 백업이 완료되었습니다`),
        onFailed: (step, error) => this.notify(task, server, 'error', `서버 ${server.name} 백업 실패: ${error.split('\n')[0]}`),
        onChange,
      }),
      restore: () => ({
        steps: restorePlan(client, current, { volid: String(task.input.volid), node: String(task.input.node) }, task.input.overwrite === true),
        completedMessage: `서버 ${server.name}에 백업이 복원되었습니다 (restored)`,
        onChange,
      }),
      power: () => ({ steps: powerPlan(client, current, task.input.status as PowerState), completedMessage: `server ${server.name} is ${String(task.input.status)}`, onChange }),
    };
    const plan = plans[task.kind];
    if (!plan) {
      this.tasks.update(task.id, { status: 'failed', message: `unknown task kind ${task.kind}`, error: `unknown task kind ${task.kind}` });
      return;
    }
    return this.runner.start(task, client, plan());
  }

  private async runBulk(parent: ManagerTask): Promise<void> {
    const children = this.tasks.children(parent.id);
    const refresh = () => {
      if (this.runner.isStopped) return;
      const now = this.tasks.children(parent.id);
      const done = now.filter((c) => c.status === 'completed' || c.status === 'failed').length;
      const progress = Math.floor(now.reduce((sum, c) => sum + c.progress, 0) / Math.max(1, now.length));
      this.tasks.update(parent.id, { status: 'running', progress, message: `${done}/${now.length} done` });
    };
    refresh();
    const open = children.filter((c) => c.status === 'pending' || c.status === 'running');
    await forEachLimited(open, this.deps.config.bulkParallelism, (child) => this.startTask(this.tasks.get(child.id)!, refresh));
    if (this.runner.isStopped) return;
    const failed = this.tasks.children(parent.id).filter((c) => c.status !== 'completed');
    if (failed.length === 0) this.tasks.update(parent.id, { status: 'completed', progress: 100, message: `${children.length}/${children.length} completed` });
    else this.tasks.update(parent.id, { status: 'failed', message: `${failed.length} of ${children.length} failed`, error: failed.map((c) => `${c.id} (server ${c.serverId}): ${c.message}`).join('\n') });
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
        sshPublicKey: () => readSshPublicKey(this.deps.vault),
      }),
      completedMessage: `서버 ${server?.name}이 성공적으로 생성되었습니다 (server created)`,
      onCompleted: () => {
        this.servers.setState(serverId, 'active');
        if (server) this.notify(task, server, 'success', `서버 ${server.name}이 성공적으로 생성되었습니다`);
      },
      onFailed: (step, error) => {
        this.servers.setState(serverId, 'failed');
        if (server) this.notify(task, server, 'error', `서버 ${server.name} 생성 실패 (${step}): ${error.split('\n')[0]}`);
      },
    };
  }

  /** A lifecycle event as a notification for the admins (`server_lifecycle`). */
  private notify(task: ManagerTask, server: ManagedServer, type: 'success' | 'error' | 'info', message: string): void {
    if (this.runner.isStopped) return;
    this.deps.notifications?.notify({
      type,
      priority: type === 'error' ? 'high' : 'low',
      category: 'server_lifecycle',
      title: `${server.name}: ${task.kind} ${type === 'error' ? 'failed' : 'done'}`,
      message,
      node: server.node,
      cluster: null,
      data: { server_id: server.id, task_id: task.id, kind: task.kind },
      subject: task.id,
    });
  }

  /** Resumes the tasks a stopped hub left running (a bulk parent resumes its children); each re-attaches to its PVE task by UPID. */
  resume(): void {
    for (const task of this.tasks.unfinished()) {
      if (task.parentId !== null) continue;
      this.deps.log.info({ task: task.id, kind: task.kind, step: task.step, upid: task.upid }, 'server manager: resuming task');
      this.launch(task);
    }
  }

  /** The hub is stopping: tasks keep their state (running) for the next start. */
  stop(): void {
    this.runner.stop();
  }
}

function statusOf(s: ManagedServer, live: Map<string, string>, reachable: boolean): string {
  if (s.state !== 'active') return s.state === 'failed' ? 'error' : s.state;
  const status = live.get(`${s.clusterId}/${s.vmid}`);
  if (status) return status;
  return reachable ? 'missing' : 'unknown';
}
