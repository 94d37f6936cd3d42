import type { PveClient } from '../integrations/proxmox/client.js';
import type { PveManagerConfig } from './config.js';
import { bootDisk, findTemplate, pickNode } from './placement.js';
import type { KeyedSerial } from './serial.js';
import type { ManagedServer, ServerStore } from './server-store.js';
import type { Step } from './task-runner.js';

export interface CreateContext {
  client: PveClient;
  config: PveManagerConfig;
  servers: ServerStore;
  serial: KeyedSerial;
  /** The SSH public key for cloud-init (vault path secret/ssh, `public_key`, in the secrets box or Vault); null: none. */
  sshPublicKey(): Promise<string | null>;
  serverId: number;
}

const MAX_VMID_TRIES = 1000;

/**
 * Allocates a VMID: serialised per cluster, PVE's `nextid`, then past any
 * VMID the hub has reserved for a VM not cloned yet, each candidate checked
 * with `nextid?vmid=` (PVE refuses one in use). The reservation is written
 * before the lock is released.
 */
async function allocateVmid(ctx: CreateContext, server: ManagedServer, node: string): Promise<void> {
  await ctx.serial.run(`vmid:${server.clusterId}`, async () => {
    let candidate = await ctx.client.nextId();
    for (let tries = 0; ; tries++) {
      if (tries >= MAX_VMID_TRIES) throw new Error(`no free VMID found from ${candidate - tries}`);
      if (!ctx.servers.vmidReserved(server.clusterId, candidate)) {
        const free = await ctx.client.nextId(candidate).then(
          () => true,
          (err: Error) => {
            if (/already exists/i.test(err.message)) return false;
            throw err;
          },
        );
        if (free) break;
      }
      candidate++;
    }
    ctx.servers.place(server.id, node, candidate);
  });
}

const current = (ctx: CreateContext): ManagedServer & { node: string; vmid: number } => {
  const s = ctx.servers.get(ctx.serverId);
  if (!s) throw new Error('the server was deleted meanwhile');
  if (s.node === null || s.vmid === null) throw new Error('the server has no VMID yet');
  return s as ManagedServer & { node: string; vmid: number };
};

/** A server's creation: VMID and node, clone of the role's template, cloud-init config, disk size, start. */
export function createPlan(ctx: CreateContext): Step[] {
  const { client, config } = ctx;
  return [
    {
      name: 'allocate',
      message: 'VMID와 노드 할당 중 (allocating VMID and node)',
      progress: 10,
      async run() {
        const server = ctx.servers.get(ctx.serverId);
        if (!server) throw new Error('the server was deleted meanwhile');
        if (server.vmid !== null) return;
        const node = pickNode(await client.clusterResources(), config.nodes);
        if (!node) throw new Error(`no online node${config.nodes.length ? ` among ${config.nodes.join(', ')}` : ''}`);
        await allocateVmid(ctx, server, node);
      },
    },
    {
      name: 'clone',
      message: '템플릿 복제 중 (cloning the template)',
      progress: 60,
      async run(io) {
        const s = current(ctx);
        const setting = config.templates[s.role];
        const template = findTemplate(await client.clusterResources({ type: 'vm' }), setting);
        if (!template) throw new Error(`template '${setting}' of role ${s.role} not found on the cluster`);
        // PVE locks a template while cloning it: one clone per template at a time, waited for inside the lock.
        await ctx.serial.run(`template:${s.clusterId}:${template.vmid}`, () =>
          io.pveTask(() =>
            client.qemuClone(template.node, template.vmid, {
              newid: s.vmid,
              name: s.name,
              full: config.fullClone ? 1 : 0,
              ...(s.node !== template.node && { target: s.node }),
              ...(config.fullClone && config.storage && { storage: config.storage }),
            }),
          ),
        );
      },
    },
    {
      name: 'configure',
      message: 'VM 설정 중 (cores, memory, cloud-init)',
      progress: 75,
      async run(io) {
        const s = current(ctx);
        const key = await ctx.sshPublicKey();
        await io.pveTask(() =>
          client.qemuConfigUpdate(s.node, s.vmid, {
            cores: s.cpu,
            memory: String(s.memory),
            net0: `virtio,bridge=${config.bridge}`,
            ipconfig0: `ip=${s.ipAddress}/${s.subnet},gw=${s.gateway}`,
            ciuser: config.ciUser,
            tags: `kcloud;role-${s.role}`,
            ...(key && { sshkeys: encodeURIComponent(key) }),
            ...(config.nameserver && { nameserver: config.nameserver }),
          }),
        );
      },
    },
    {
      name: 'resize',
      message: '디스크 크기 조정 중 (resizing the disk)',
      progress: 85,
      async run(io) {
        const s = current(ctx);
        const disk = bootDisk(await client.qemuConfig(s.node, s.vmid));
        if (!disk) throw new Error('the clone has no disk (scsi0, virtio0, sata0 or ide0)');
        // PVE never shrinks a disk: a template disk larger than asked stays as it is.
        if (disk.sizeGb >= s.diskSize) return;
        await io.pveTask(() => client.qemuResize(s.node, s.vmid, { disk: disk.key as 'scsi0', size: `${s.diskSize}G` }));
      },
    },
    {
      name: 'start',
      message: 'VM 시작 중 (starting)',
      progress: 100,
      async run(io) {
        const s = current(ctx);
        if ((await client.qemuStatus(s.node, s.vmid)).status === 'running') return;
        await io.pveTask(() => client.qemuAction(s.node, s.vmid, 'start'));
      },
    },
  ];
}
