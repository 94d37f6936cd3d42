import type * as T from './api-types.js';
import { PveAuth, type PveCredentials } from './auth.js';
import { PveError } from './errors.js';
import { lastLines, taskNotVisibleYet, taskOutcome } from './task-result.js';
import type { TlsTrust } from './tls.js';
import { PveTransport, TRANSPORT_DEFAULTS, type HttpMethod, type PveParams } from './transport.js';
import { parseUpid, type Upid } from './upid.js';

export interface PveClientOptions {
  /** `https://host:8006` */
  endpoint: string;
  credentials: PveCredentials;
  trust: TlsTrust;
  timeoutMs?: number;
  readRetries?: number;
  keepAliveMs?: number;
  now?: () => number;
}

export interface WaitOptions {
  /** Between two status polls (the Terraform provider polls every second). */
  intervalMs?: number;
  /** Give up after this long (the task keeps running on PVE). */
  timeoutMs?: number;
  /** How long "no such task" counts as "not visible yet". */
  notVisibleForMs?: number;
  /** Log lines carried by a failure. */
  logLines?: number;
}

export interface TaskDone {
  upid: Upid;
  warnings: number;
}

/** A task that stopped with an error: its exit status and the last lines of its log. */
export class PveTaskError extends PveError {
  override name = 'PveTaskError';
  constructor(
    readonly upid: Upid,
    readonly exitstatus: string,
    readonly log: string[],
  ) {
    super('api', `task ${upid.type} ${upid.id} on ${upid.node} failed: ${exitstatus}${log.length ? `\n${log.join('\n')}` : ''}`);
  }
}

const enc = encodeURIComponent;
const vmPath = (node: string, vmid: number) => `/nodes/${enc(node)}/qemu/${vmid}`;

/**
 * A typed client for the PVE calls the hub makes (types generated from the
 * PVE schema: api-types.ts). One per cluster: it holds the cluster's TLS
 * trust, keep-alive sockets and ticket. Async calls answer a parsed UPID;
 * `waitForTask` follows it to its end. See docs/proxmox.md.
 */
export class PveClient {
  readonly transport: PveTransport;
  readonly auth: PveAuth;

  constructor(opts: PveClientOptions) {
    this.transport = new PveTransport({
      endpoint: opts.endpoint,
      trust: opts.trust,
      timeoutMs: opts.timeoutMs ?? TRANSPORT_DEFAULTS.timeoutMs,
      readRetries: opts.readRetries ?? TRANSPORT_DEFAULTS.readRetries,
      keepAliveMs: opts.keepAliveMs ?? TRANSPORT_DEFAULTS.keepAliveMs,
      maxBodyBytes: TRANSPORT_DEFAULTS.maxBodyBytes,
    });
    this.auth = new PveAuth(this.transport, opts.credentials, opts.now);
  }

  /** Any API call (authenticated; a refused ticket is renewed once). Prefer the typed methods. */
  async call<R>(method: HttpMethod, path: string, params: PveParams = {}): Promise<R> {
    try {
      return (await this.transport.call(method, path, params, await this.auth.headers(method))) as R;
    } catch (err) {
      if (!(err instanceof PveError && err.status === 401 && this.auth.credentials.kind === 'password')) throw err;
      this.auth.invalidate();
      return (await this.transport.call(method, path, params, await this.auth.headers(method))) as R;
    }
  }

  private async task(method: HttpMethod, path: string, params: PveParams): Promise<Upid> {
    const text = await this.call<string>(method, path, params);
    const upid = parseUpid(String(text));
    if (!upid) throw new PveError('protocol', `${method} ${path}: expected a task id (UPID), got ${JSON.stringify(text).slice(0, 80)}`);
    return upid;
  }

  close(): void {
    this.transport.close();
  }

  // --- cluster ---
  version = () => this.call<T.VersionResult>('GET', '/version');
  clusterStatus = () => this.call<T.ClusterStatusResult>('GET', '/cluster/status');
  clusterResources = (params: T.ClusterResourcesParams = {}) => this.call<T.ClusterResourcesResult>('GET', '/cluster/resources', params as PveParams);
  nodes = () => this.call<T.NodesResult>('GET', '/nodes');
  /** The next free VMID, or with `vmid` whether that one is free (400 "VM n already exists" when not). PVE answers a number or a string. */
  nextId = async (vmid?: number) => Number(await this.call<T.NextIdResult | string>('GET', '/cluster/nextid', { vmid }));

  // --- qemu ---
  qemuList = (node: string) => this.call<T.QemuListResult>('GET', `/nodes/${enc(node)}/qemu`);
  qemuConfig = (node: string, vmid: number) => this.call<T.QemuConfigResult>('GET', `${vmPath(node, vmid)}/config`);
  /** Config change (async form: a task). `sshkeys` must already be URL-encoded with %20 (PVE decodes it once more). */
  qemuConfigUpdate = (node: string, vmid: number, params: T.QemuConfigUpdateParams) => this.task('POST', `${vmPath(node, vmid)}/config`, params as PveParams);
  qemuClone = (node: string, vmid: number, params: T.QemuCloneParams) => this.task('POST', `${vmPath(node, vmid)}/clone`, params as PveParams);
  /** Grows a disk (`size` `+10G` or absolute; PVE never shrinks). */
  qemuResize = async (node: string, vmid: number, params: T.QemuResizeParams) => {
    const out = await this.call<T.QemuResizeResult>('PUT', `${vmPath(node, vmid)}/resize`, params as PveParams);
    // PVE 7 answers null (done), PVE 8 a UPID.
    return typeof out === 'string' ? parseUpid(out) : null;
  };
  qemuStatus = (node: string, vmid: number) => this.call<T.QemuStatusCurrentResult>('GET', `${vmPath(node, vmid)}/status/current`);
  qemuAction = (node: string, vmid: number, action: 'start' | 'stop' | 'shutdown' | 'reboot', params: T.QemuStartParams | T.QemuStopParams | T.QemuShutdownParams | T.QemuRebootParams = {}) => this.task('POST', `${vmPath(node, vmid)}/status/${action}`, params as PveParams);
  qemuDelete = (node: string, vmid: number, params: T.QemuDeleteParams = { purge: 1, 'destroy-unreferenced-disks': 1 }) => this.task('DELETE', vmPath(node, vmid), params as PveParams);
  /** Restore: create a VM from a backup (`archive` = volid, `force` to overwrite). */
  qemuCreate = (node: string, params: T.QemuCreateParams) => this.task('POST', `/nodes/${enc(node)}/qemu`, params as PveParams);
  qemuRrdData = (node: string, vmid: number, timeframe: 'hour' | 'day' | 'week' | 'month' | 'year' = 'hour') => this.call<T.QemuRrdDataResult>('GET', `${vmPath(node, vmid)}/rrddata`, { timeframe });

  // --- backups ---
  vzdump = (node: string, params: T.VzdumpParams) => this.task('POST', `/nodes/${enc(node)}/vzdump`, params as PveParams);
  storageContent = (node: string, storage: string, params: T.StorageContentParams = {}) => this.call<T.StorageContentResult>('GET', `/nodes/${enc(node)}/storage/${enc(storage)}/content`, params as PveParams);
  storageContentDelete = async (node: string, storage: string, volume: string) => {
    const out = await this.call<T.StorageContentDeleteResult>('DELETE', `/nodes/${enc(node)}/storage/${enc(storage)}/content/${enc(volume)}`);
    return typeof out === 'string' ? parseUpid(out) : null;
  };

  // --- tasks ---
  taskStatus = (upid: Upid) => this.call<T.TaskStatusResult>('GET', `/nodes/${enc(upid.node)}/tasks/${enc(upid.upid)}/status`);
  taskLog = (upid: Upid, limit = 500) => this.call<T.TaskLogResult>('GET', `/nodes/${enc(upid.node)}/tasks/${enc(upid.upid)}/log`, { limit });

  /** Polls a task until it stops: resolves on OK / WARNINGS, throws PveTaskError with the log's last lines otherwise. */
  async waitForTask(upid: Upid, opts: WaitOptions = {}): Promise<TaskDone> {
    const { intervalMs = 1000, timeoutMs = 30 * 60_000, notVisibleForMs = 10_000, logLines = 10 } = opts;
    const started = Date.now();
    for (;;) {
      let status: T.TaskStatusResult | null = null;
      try {
        status = await this.taskStatus(upid);
      } catch (err) {
        const early = Date.now() - started < notVisibleForMs;
        if (!(early && err instanceof PveError && err.kind === 'api' && taskNotVisibleYet(err.message))) throw err;
      }
      if (status?.status === 'stopped') {
        const outcome = taskOutcome(status);
        if (outcome.ok) return { upid, warnings: outcome.warnings };
        throw new PveTaskError(upid, outcome.error, lastLines(await this.taskLog(upid).catch(() => [] /* the exit status alone still says why */), logLines));
      }
      if (Date.now() - started > timeoutMs) throw new PveError('timeout', `task ${upid.upid} still running after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  // --- access ---
  /** Creates an API token for `userid`; its secret (`value`) is only in this answer. */
  createToken = (userid: string, tokenid: string, params: T.TokenCreateParams = {}) => this.call<T.TokenCreateResult>('POST', `/access/users/${enc(userid)}/token/${enc(tokenid)}`, params as PveParams);
  deleteToken = (userid: string, tokenid: string) => this.call<T.TokenDeleteResult>('DELETE', `/access/users/${enc(userid)}/token/${enc(tokenid)}`);
}
