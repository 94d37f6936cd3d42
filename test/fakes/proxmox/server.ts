import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { selfSignedCertificate, type Certificate } from './certificate.js';

/**
 * A fake Proxmox VE API (pveproxy) for tests, written from the PVE schema
 * (../shared/reference/pve-apidata.js) and the notes in
 * ../shared/notes/integrations.md: HTTPS with a self-signed certificate,
 * ticket + CSRF and API-token auth, PVE 7 and PVE 8 error bodies, several
 * nodes (one offline by default), qemu clones as tasks that run for a few
 * polls. python3-proxmoxer checks its fidelity (fake-fidelity.test.ts).
 */

export interface FakeNode {
  name: string;
  online: boolean;
}

export interface FakeVm {
  vmid: number;
  node: string;
  name: string;
  status: 'running' | 'stopped';
  template: 0 | 1;
  lock?: string;
  config: Record<string, string | number>;
}

interface FakeTask {
  upid: string;
  node: string;
  type: string;
  id: string;
  user: string;
  starttime: number;
  pollsLeft: number;
  exitstatus: string;
  log: string[];
  onDone?: () => void;
}

export interface FakePveOptions {
  /** `7.4-3` (PVE 7) or `8.2.10` / `9.1.19`; the error style follows the major version unless given. */
  version?: string;
  errorStyle?: 'pve7' | 'pve8';
  /** userid -> password */
  users?: Record<string, string>;
  nodes?: FakeNode[];
  /** null: a standalone node (no cluster entry in /cluster/status). */
  clusterName?: string | null;
  /** pveproxy waits 3 s before answering a failed login; tests set 0. */
  loginDelayMs?: number;
  /** Status polls a clone task answers `running` before it stops. */
  cloneTaskPolls?: number;
  /** Status polls a new task answers "no such task" (not visible yet). */
  taskInvisiblePolls?: number;
  /** pveproxy closes idle keep-alive connections after 5 s. */
  keepAliveTimeoutMs?: number;
  vms?: FakeVm[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  auth: 'token' | 'ticket' | 'none';
  params: Record<string, string>;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly errors?: Record<string, string>,
  ) {
    super(reason);
  }
}

const DEFAULT_NODES: FakeNode[] = [
  { name: 'pve1', online: true },
  { name: 'pve2', online: true },
  { name: 'pve3', online: false },
];

export class FakePve {
  readonly users: Map<string, string>;
  nodes: FakeNode[];
  version: string;
  errorStyle: 'pve7' | 'pve8';
  clusterName: string | null;
  quorate = true;
  /** False: creating tokens answers 403 (a user without User.Modify), so the hub must fall back to tickets. */
  tokenCreation = true;
  loginDelayMs: number;
  cloneTaskPolls: number;
  taskInvisiblePolls: number;
  /** "userid!tokenid" -> secret and privsep */
  readonly tokens = new Map<string, { secret: string; privsep: number }>();
  readonly vms = new Map<number, FakeVm>();
  /** Backups per storage: what vzdump made (`storage content`). */
  readonly backups: { volid: string; storage: string; node: string; vmid: number; size: number; ctime: number }[] = [];
  readonly requests: RecordedRequest[] = [];
  private readonly tickets = new Map<string, { user: string; csrf: string }>();
  private readonly tasks = new Map<string, FakeTask>();
  private readonly statusPolls = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  /** TLS connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  connections = 0;
  private readonly closeWaiters: (() => void)[] = [];
  private paused = false;
  /** While stalled, requests are read and never answered (a hung pveproxy). */
  stalled = false;
  private readonly stallWaiters: (() => void)[] = [];
  private pid = 0x1000;
  url = '';

  private constructor(
    private server: Server,
    public certificate: Certificate,
    opts: FakePveOptions,
  ) {
    this.version = opts.version ?? '8.2.10';
    this.errorStyle = opts.errorStyle ?? (this.version.startsWith('7.') ? 'pve7' : 'pve8');
    this.users = new Map(Object.entries(opts.users ?? { 'root@pam': 'pve-root-password' }));
    this.nodes = (opts.nodes ?? DEFAULT_NODES).map((n) => ({ ...n }));
    this.clusterName = opts.clusterName === undefined ? 'kcloud-lab' : opts.clusterName;
    this.loginDelayMs = opts.loginDelayMs ?? 3000;
    this.cloneTaskPolls = opts.cloneTaskPolls ?? 3;
    this.taskInvisiblePolls = opts.taskInvisiblePolls ?? 0;
    for (const vm of opts.vms ?? [{ vmid: 9000, node: 'pve1', name: 'ubuntu-template', status: 'stopped', template: 1, config: { cores: 2, memory: 2048, scsi0: 'local-lvm:base-9000-disk-0,size=10G' } }]) {
      this.vms.set(vm.vmid, { ...vm, config: { ...vm.config } });
    }
  }

  static async start(opts: FakePveOptions = {}): Promise<FakePve> {
    const certificate = await selfSignedCertificate();
    const server = createServer({ cert: certificate.cert, key: certificate.key, keepAliveTimeout: opts.keepAliveTimeoutMs ?? 5000 });
    const fake = new FakePve(server, certificate, opts);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    // Paused: connections are closed before the TLS handshake (an unreachable node).
    server.on('connection', (s: Socket) => {
      if (fake.paused) s.destroy();
    });
    server.on('secureConnection', (s: Socket) => {
      fake.connections++;
      fake.sockets.add(s);
      s.once('close', () => {
        fake.sockets.delete(s);
        for (const w of fake.closeWaiters.splice(0)) w();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  /** A new certificate on the same port (what a reinstalled or attacked node would show). */
  async rotateCertificate(): Promise<Certificate> {
    this.certificate = await selfSignedCertificate();
    this.server.setSecureContext({ cert: this.certificate.cert, key: this.certificate.key });
    this.dropConnections();
    return this.certificate;
  }

  /** While paused every connection is closed at once (an unreachable node). */
  pause(on: boolean): void {
    this.paused = on;
    if (on) this.dropConnections();
  }

  setNodeOnline(name: string, online: boolean): void {
    this.nodes.find((n) => n.name === name)!.online = online;
  }

  private readonly gates: { match: (r: RecordedRequest) => boolean; arrive: () => void; released: Promise<void> }[] = [];

  /** Requests matching `match` wait, from now on, until `release()` (then answer as usual): a slow PVE at one call, to open a race. */
  hold(match: (r: RecordedRequest) => boolean): { arrived: Promise<void>; release(): void } {
    let arrive!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((r) => (arrive = r));
    const released = new Promise<void>((r) => (release = r));
    const gate = { match, arrive, released };
    this.gates.push(gate);
    return {
      arrived,
      release: () => {
        this.gates.splice(this.gates.indexOf(gate), 1);
        release();
      },
    };
  }

  /** Resolves when the next request arrives while stalled. */
  nextStalledRequest(): Promise<void> {
    return new Promise((resolve) => this.stallWaiters.push(resolve));
  }

  /** Resolves when the next client connection closes. */
  nextConnectionClose(): Promise<void> {
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  /** Requests carrying this credential kind; `path` without /api2/json. */
  calls(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise((r) => this.server.close(r));
  }

  private dropConnections(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A request already read when the pause began is dropped unanswered and unexecuted, as by a node that went away.
    if (this.paused) {
      req.socket.destroy();
      return;
    }
    if (this.stalled) {
      for (const w of this.stallWaiters.splice(0)) w();
      return;
    }
    try {
      const url = new URL(req.url ?? '/', 'https://fake');
      if (!url.pathname.startsWith('/api2/json/')) throw new Refusal(501, 'Not Implemented');
      const path = url.pathname.slice('/api2/json'.length);
      const params = { ...Object.fromEntries(url.searchParams), ...(await readBody(req)) };
      const method = req.method ?? 'GET';
      const principal = path === '/access/ticket' && method === 'POST' ? null : this.authenticate(req, method);
      const recorded: RecordedRequest = { method, path, auth: principal?.via ?? 'none', params };
      this.requests.push(recorded);
      for (const gate of this.gates.filter((g) => g.match(recorded))) {
        gate.arrive();
        await gate.released;
      }
      const data = await this.route(method, path, params, principal?.user ?? null);
      send(res, 200, 'OK', { data });
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      const body: Record<string, unknown> = { data: null };
      if (err.errors) body.errors = err.errors;
      // libpve-http-server-perl >= 5.2 (PVE 8) repeats the reason phrase and the parameter messages in `message`.
      if (this.errorStyle === 'pve8') body.message = `${err.reason}\n${Object.entries(err.errors ?? {}).map(([k, v]) => `${k}: ${v}\n`).join('')}`;
      send(res, err.status, err.reason, body);
    }
  }

  private authenticate(req: IncomingMessage, method: string): { user: string; via: 'token' | 'ticket' } {
    const header = req.headers.authorization;
    if (header?.startsWith('PVEAPIToken')) {
      const m = /^PVEAPIToken[= ]([^!]+)!([^=]+)=(.+)$/.exec(header);
      const token = m && this.tokens.get(`${m[1]}!${m[2]}`);
      if (!m || !token || token.secret !== m[3]) throw new Refusal(401, 'invalid token value!');
      return { user: m[1]!, via: 'token' };
    }
    const cookie = /(?:^|;\s*)PVEAuthCookie=([^;]+)/.exec(req.headers.cookie ?? '');
    const ticket = cookie && this.tickets.get(decodeURIComponent(cookie[1]!));
    if (!ticket) throw new Refusal(401, 'No ticket');
    if (method !== 'GET' && req.headers.csrfpreventiontoken !== ticket.csrf) throw new Refusal(401, 'Permission denied - invalid csrf token');
    return { user: ticket.user, via: 'ticket' };
  }

  private async route(method: string, path: string, p: Record<string, string>, user: string | null): Promise<unknown> {
    const seg = path.split('/').slice(1).map(decodeURIComponent);
    const key = `${method} /${seg.map((s, i) => (i > 0 && ['nodes', 'qemu', 'tasks', 'users', 'token', 'storage', 'content'].includes(seg[i - 1]!) ? '*' : s)).join('/')}`;
    const node = seg[0] === 'nodes' && seg[1] ? this.node(seg[1]) : null;
    const vm = seg[2] === 'qemu' && seg[3] ? this.vm(node!.name, Number(seg[3])) : null;
    switch (key) {
      case 'POST /access/ticket':
        return this.login(p);
      case 'GET /version':
        return { version: this.version, release: this.version.split(/[.-]/).slice(0, 2).join('.'), repoid: 'a1b2c3d4e5f60718' };
      case 'GET /cluster/status':
        return this.clusterStatus();
      case 'GET /cluster/resources':
        return this.resources(p.type);
      case 'GET /cluster/nextid':
        return this.nextId(p.vmid);
      case 'GET /nodes':
        return this.nodes.map((n) => ({ node: n.name, id: `node/${n.name}`, type: 'node', status: n.online ? 'online' : 'offline', level: '', ...(n.online && { cpu: 0.05, maxcpu: 16, mem: 4 * 2 ** 30, maxmem: 64 * 2 ** 30, uptime: 86_400 }) }));
      case 'GET /nodes/*/qemu':
        return [...this.vms.values()].filter((v) => v.node === node!.name).map((v) => ({ vmid: v.vmid, name: v.name, status: v.status, template: v.template, ...(v.lock && { lock: v.lock }), cpus: Number(v.config.cores ?? 1), maxmem: Number(v.config.memory ?? 512) * 2 ** 20 }));
      case 'GET /nodes/*/qemu/*/config':
        return { name: vm!.name, digest: 'f'.repeat(40), ...vm!.config, ...(vm!.template && { template: 1 }), ...(vm!.lock && { lock: vm!.lock }) };
      case 'GET /nodes/*/qemu/*/status/current':
        return { vmid: vm!.vmid, name: vm!.name, status: vm!.status, qmpstatus: vm!.status, ...(vm!.lock && { lock: vm!.lock }), cpus: Number(vm!.config.cores ?? 1), maxmem: Number(vm!.config.memory ?? 512) * 2 ** 20 };
      case 'POST /nodes/*/qemu/*/clone':
        return this.clone(vm!, p, user!);
      case 'POST /nodes/*/qemu/*/status/start':
      case 'POST /nodes/*/qemu/*/status/stop':
      case 'POST /nodes/*/qemu/*/status/shutdown':
      case 'POST /nodes/*/qemu/*/status/reboot':
        return this.power(vm!, seg[5]!, user!);
      case 'DELETE /nodes/*/qemu/*':
        return this.task(node!.name, 'qmdestroy', String(vm!.vmid), user!, 1, () => this.vms.delete(vm!.vmid));
      case 'POST /nodes/*/qemu/*/config':
        return this.task(node!.name, 'qmconfig', String(vm!.vmid), user!, 0, () => this.configure(vm!, p));
      case 'PUT /nodes/*/qemu/*/resize':
        return this.resize(vm!, p, user!);
      case 'GET /nodes/*/qemu/*/rrddata':
        return this.rrd(p.timeframe);
      case 'POST /nodes/*/qemu':
        return this.restore(node!.name, p, user!);
      case 'POST /nodes/*/vzdump':
        return this.vzdump(node!.name, p, user!);
      case 'GET /nodes/*/storage/*/content':
        return this.backups.filter((b) => b.node === node!.name && b.storage === seg[3] && (!p.content || p.content === 'backup') && (!p.vmid || Number(p.vmid) === b.vmid)).map((b) => ({ volid: b.volid, vmid: b.vmid, size: b.size, ctime: b.ctime, format: 'vma.zst', content: 'backup' }));
      case 'DELETE /nodes/*/storage/*/content/*': {
        const i = this.backups.findIndex((b) => b.volid === seg[5]);
        if (i < 0) throw new Refusal(500, `volume '${seg[5]}' does not exist`);
        this.backups.splice(i, 1);
        return null;
      }
      case 'GET /nodes/*/tasks/*/status':
        return this.taskStatus(seg[3]!);
      case 'GET /nodes/*/tasks/*/log':
        return this.taskLog(seg[3]!);
      case 'POST /access/users/*/token/*':
        return this.createToken(seg[2]!, seg[4]!, p, user!);
      case 'DELETE /access/users/*/token/*':
        if (!this.tokens.delete(`${seg[2]}!${seg[4]}`)) throw new Refusal(500, `no such token '${seg[4]}' for user '${seg[2]}'`);
        return null;
      default:
        throw new Refusal(501, `Method '${method} ${path}' not implemented`);
    }
  }

  private async login(p: Record<string, string>) {
    const password = this.users.get(p.username ?? '');
    if (!p.username || password === undefined || password !== p.password) {
      // pveproxy's deliberate delay before a failed login answers.
      await new Promise((r) => setTimeout(r, this.loginDelayMs));
      throw new Refusal(401, 'authentication failure');
    }
    const ticket = `PVE:${p.username}:${Math.floor(Date.now() / 1000).toString(16).toUpperCase()}::${randomBytes(96).toString('base64')}`;
    const csrf = `${Math.floor(Date.now() / 1000).toString(16).toUpperCase()}:${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
    this.tickets.set(ticket, { user: p.username, csrf });
    return { username: p.username, ticket, CSRFPreventionToken: csrf, ...(this.clusterName && { clustername: this.clusterName }) };
  }

  private clusterStatus() {
    const entries: Record<string, unknown>[] = [];
    if (this.clusterName) entries.push({ type: 'cluster', id: 'cluster', name: this.clusterName, nodes: this.nodes.length, quorate: this.quorate ? 1 : 0, version: 3 });
    this.nodes.forEach((n, i) => entries.push({ type: 'node', id: `node/${n.name}`, name: n.name, nodeid: i + 1, online: n.online ? 1 : 0, local: i === 0 ? 1 : 0, ip: `10.0.0.${i + 11}`, level: '' }));
    return entries;
  }

  private resources(type: string | undefined) {
    const nodes = this.nodes.map((n) => ({ id: `node/${n.name}`, type: 'node', node: n.name, status: n.online ? 'online' : 'offline', maxcpu: 16, maxmem: 64 * 2 ** 30 }));
    const vms = [...this.vms.values()].map((v) => ({
      id: `qemu/${v.vmid}`,
      type: 'qemu',
      vmid: v.vmid,
      node: v.node,
      name: v.name,
      status: v.status,
      template: v.template,
      maxcpu: Number(v.config.cores ?? 1),
      maxmem: Number(v.config.memory ?? 512) * 2 ** 20,
      maxdisk: diskBytes(String(v.config.scsi0 ?? '')),
      // PVE 7.3+ lists a guest's tags here, `;`-separated.
      ...(v.config.tags !== undefined && { tags: String(v.config.tags) }),
    }));
    if (type === 'node') return nodes;
    if (type === 'vm') return vms;
    return [...nodes, ...vms];
  }

  private nextId(wanted: string | undefined): string {
    if (wanted !== undefined) {
      if (!/^\d+$/.test(wanted) || Number(wanted) < 100) throw new Refusal(400, 'Parameter verification failed.', { vmid: 'invalid format - value must be >= 100' });
      if (this.vms.has(Number(wanted))) throw new Refusal(400, 'Parameter verification failed.', { vmid: `VM ${wanted} already exists` });
      return wanted;
    }
    let id = 100;
    while (this.vms.has(id)) id++;
    // PVE answers the id as a JSON string.
    return String(id);
  }

  private clone(source: FakeVm, p: Record<string, string>, user: string): string {
    const newid = Number(p.newid);
    if (!p.newid || !Number.isInteger(newid) || newid < 100) throw new Refusal(400, 'Parameter verification failed.', { newid: 'property is missing or invalid' });
    // PVE locks the source for the clone's duration: a second clone of it meanwhile is refused (check_lock).
    if (source.lock) throw new Refusal(500, `VM is locked (${source.lock})`);
    if (this.vms.has(newid)) throw new Refusal(500, `unable to create VM ${newid}: config file already exists`);
    const target = p.target ? this.node(p.target).name : source.node;
    const vm: FakeVm = { vmid: newid, node: target, name: p.name ?? `Copy-of-VM-${source.name}`, status: 'stopped', template: 0, lock: 'clone', config: { ...source.config } };
    this.vms.set(newid, vm);
    source.lock = 'clone';
    return this.task(source.node, 'qmclone', String(source.vmid), user, this.cloneTaskPolls, () => {
      delete vm.lock;
      delete source.lock;
    }, [`create full clone of drive scsi0 (${String(source.config.scsi0 ?? 'local-lvm')})`, 'transferred 10.0 GiB of 10.0 GiB (100.00%)']);
  }

  private power(vm: FakeVm, action: string, user: string): string {
    if (vm.lock) throw new Refusal(500, `VM is locked (${vm.lock})`);
    return this.task(vm.node, `qm${action}`, String(vm.vmid), user, 1, () => {
      vm.status = action === 'start' || action === 'reboot' ? 'running' : 'stopped';
    });
  }

  private configure(vm: FakeVm, p: Record<string, string>): void {
    for (const [k, v] of Object.entries(p)) if (k !== 'digest') vm.config[k] = /^\d+$/.test(v) ? Number(v) : v;
  }

  /** `size`: `+10G` grows, `20G` sets; shrinking is refused as PVE does. PVE 7 answers null, 8 a task. */
  private resize(vm: FakeVm, p: Record<string, string>, user: string): string | null {
    const disk = vm.config[p.disk ?? ''];
    const m = /^(\+)?(\d+)G$/.exec(p.size ?? '');
    if (disk === undefined || !m) throw new Refusal(400, 'Parameter verification failed.', { [disk === undefined ? 'disk' : 'size']: 'invalid value' });
    const current = diskBytes(String(disk)) / 2 ** 30;
    const next = m[1] ? current + Number(m[2]) : Number(m[2]);
    if (next < current) throw new Refusal(500, `shrinking disks is not supported`);
    vm.config[p.disk!] = String(disk).replace(/size=\d+G/, `size=${next}G`);
    return this.version.startsWith('7.') ? null : this.task(vm.node, 'qmresize', String(vm.vmid), user, 0);
  }

  private rrd(timeframe = 'hour') {
    const step = { hour: 60, day: 1800, week: 10_800, month: 43_200, year: 604_800 }[timeframe] ?? 60;
    const now = Math.floor(Date.now() / 1000 / step) * step;
    return Array.from({ length: 3 }, (_, i) => ({ time: now - (2 - i) * step, cpu: 0.1 * (i + 1), mem: 2 ** 30, maxmem: 2 ** 31, netin: 1000 * i, netout: 500 * i, diskread: 0, diskwrite: 4096 * i }));
  }

  private vzdump(node: string, p: Record<string, string>, user: string): string {
    const vm = this.vm(node, Number(p.vmid));
    const ctime = Math.floor(Date.now() / 1000);
    const storage = p.storage ?? 'local';
    const stamp = new Date(ctime * 1000).toISOString().replace(/[-:]/g, '_').replace('T', '-').slice(0, 19);
    return this.task(node, 'vzdump', String(vm.vmid), user, 1, () => {
      this.backups.push({ volid: `${storage}:backup/vzdump-qemu-${vm.vmid}-${stamp}.vma.zst`, storage, node, vmid: vm.vmid, size: 123_456_789, ctime });
    });
  }

  private restore(node: string, p: Record<string, string>, user: string): string {
    const vmid = Number(p.vmid);
    const backup = this.backups.find((b) => b.volid === p.archive);
    if (!backup) throw new Refusal(500, `unable to restore VM ${vmid} - volume '${p.archive}' does not exist`);
    if (this.vms.has(vmid) && p.force !== '1') throw new Refusal(500, `unable to restore VM ${vmid} - VM ${vmid} already exists on node '${node}'`);
    const source = this.vms.get(backup.vmid);
    return this.task(node, 'qmrestore', String(vmid), user, 1, () => {
      this.vms.set(vmid, { vmid, node, name: source?.name ?? `restored-${vmid}`, status: 'stopped', template: 0, config: { ...(source?.config ?? {}) } });
    });
  }

  private task(node: string, type: string, id: string, user: string, polls: number, onDone?: () => void, log: string[] = []): string {
    const starttime = Math.floor(Date.now() / 1000);
    const hex = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, '0');
    const upid = `UPID:${node}:${hex(++this.pid, 8)}:${hex(starttime * 100, 8).slice(-8)}:${hex(starttime, 8)}:${type}:${id}:${user}:`;
    this.tasks.set(upid, { upid, node, type, id, user, starttime, pollsLeft: this.holdTasks ? Infinity : polls, exitstatus: 'OK', log: [...log, 'TASK OK'], onDone });
    const failure = this.failingTaskTypes.get(type);
    if (failure) this.failTask(upid, failure, [`${type} ${id}: ${failure}`]);
    return upid;
  }

  /** Tasks of this type (`qmstart`, `qmclone`...) started from now on fail with the given exit status and log line. */
  readonly failingTaskTypes = new Map<string, string>();

  /** Tasks started from now on stay `running` until `releaseTasks()` (a hub restarted while PVE works). */
  holdTasks = false;

  /** Lets every held task stop at its next status poll. */
  releaseTasks(): void {
    this.holdTasks = false;
    for (const t of this.tasks.values()) if (t.pollsLeft === Infinity) t.pollsLeft = 0;
  }

  /** Makes the task with this UPID fail with `exitstatus` when it stops (error text, or `WARNINGS: n`). */
  failTask(upid: string, exitstatus: string, log: string[]): void {
    const t = this.tasks.get(upid)!;
    t.exitstatus = exitstatus;
    t.log = [...log, exitstatus.startsWith('WARNINGS') ? `TASK ${exitstatus}` : `TASK ERROR: ${exitstatus}`];
  }

  private taskStatus(upid: string) {
    const seen = (this.statusPolls.get(upid) ?? 0) + 1;
    this.statusPolls.set(upid, seen);
    const t = this.tasks.get(upid);
    if (!t || seen <= this.taskInvisiblePolls) throw new Refusal(400, `no such task '${upid}'`);
    const base = { upid, node: t.node, pid: Number.parseInt(upid.split(':')[2]!, 16), pstart: 1, starttime: t.starttime, type: t.type, id: t.id, user: t.user };
    if (t.pollsLeft > 0) {
      t.pollsLeft--;
      return { ...base, status: 'running' };
    }
    if (t.onDone) {
      t.onDone();
      t.onDone = undefined;
    }
    return { ...base, status: 'stopped', exitstatus: t.exitstatus };
  }

  private taskLog(upid: string) {
    const t = this.tasks.get(upid);
    if (!t) throw new Refusal(400, `no such task '${upid}'`);
    return t.log.map((line, i) => ({ n: i + 1, t: line }));
  }

  private createToken(userid: string, tokenid: string, p: Record<string, string>, user: string) {
    if (!this.tokenCreation || (user !== userid && user !== 'root@pam')) throw new Refusal(403, `Permission check failed (/access/users/${userid}, User.Modify)`);
    if (!/^[A-Za-z][A-Za-z0-9.\-_]+$/.test(tokenid)) throw new Refusal(400, 'Parameter verification failed.', { tokenid: 'invalid format - value does not match the regex' });
    const full = `${userid}!${tokenid}`;
    if (this.tokens.has(full)) throw new Refusal(500, `Token already exists.`);
    const privsep = p.privsep === undefined ? 1 : Number(p.privsep);
    const secret = randomUUID();
    this.tokens.set(full, { secret, privsep });
    return { 'full-tokenid': full, info: { privsep, ...(p.comment && { comment: p.comment }), expire: Number(p.expire ?? 0) }, value: secret };
  }

  private node(name: string): FakeNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Refusal(500, `hostname lookup '${name}' failed - failed to get address info for: ${name}: Name or service not known`);
    if (!n.online) throw new Refusal(595, `no route to host`);
    return n;
  }

  private vm(node: string, vmid: number): FakeVm {
    const vm = this.vms.get(vmid);
    if (!vm || vm.node !== node) throw new Refusal(500, `Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
    return vm;
  }
}

async function readBody(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  // PVE takes form bodies (proxmoxer, the hub) and JSON (pvesh, newer clients).
  if ((req.headers['content-type'] ?? '').includes('json')) return Object.fromEntries(Object.entries(JSON.parse(text) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v)]));
  return Object.fromEntries(new URLSearchParams(text));
}

/** Bytes of a disk config value (`local-lvm:vm-101-disk-0,size=50G`); 0 without a size. */
function diskBytes(disk: string): number {
  return Number(/size=(\d+)G/.exec(disk)?.[1] ?? 0) * 2 ** 30;
}

function send(res: ServerResponse, status: number, reason: string, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, reason, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'max-age=0', pragma: 'no-cache' });
  res.end(text);
}
