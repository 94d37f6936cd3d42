import { Type, type Static } from '@sinclair/typebox';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w|y)$' });

/** `pveManager:` in hub.yaml: where and how the Proxmox server manager creates servers (docs/proxmox.md, "Server manager"). */
export const PveManagerConfigSchema = Type.Object(
  {
    /** A registered cluster's name (POST /api/v1/clusters); empty: the server manager answers 503 not configured. */
    cluster: Type.String({ default: '', maxLength: 100 }),
    /** PVE nodes new servers are placed on; empty: every online node, least loaded first. */
    nodes: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { default: [], maxItems: 64 }),
    /** The template (VMID or name) each role is cloned from; a role with none cannot be created. */
    templates: Type.Object(
      {
        web: Type.String({ default: '' }),
        was: Type.String({ default: '' }),
        db: Type.String({ default: '' }),
      },
      { default: {} },
    ),
    /** Storage of the clones' disks (full clones); empty: the template's. */
    storage: Type.String({ default: '' }),
    /** Storage vzdump writes backups to. */
    backupStorage: Type.String({ default: 'local' }),
    /** Bridge of the servers' first NIC (net0). */
    bridge: Type.String({ default: 'vmbr0', pattern: '^[A-Za-z0-9_.-]{1,32}$' }),
    /** cloud-init nameserver; empty: the template's. */
    nameserver: Type.String({ default: '' }),
    /** cloud-init user. */
    ciUser: Type.String({ default: 'ubuntu', pattern: '^[a-z_][a-z0-9_-]{0,31}$' }),
    /** false: linked clones (the template's storage must support them). */
    fullClone: Type.Boolean({ default: true }),
    /** What a request may ask for, per server. */
    limits: Type.Object(
      {
        maxCpu: Type.Integer({ default: 32, minimum: 1, maximum: 512 }),
        minMemoryMb: Type.Integer({ default: 512, minimum: 16 }),
        maxMemoryMb: Type.Integer({ default: 131_072, minimum: 16 }),
        minDiskGb: Type.Integer({ default: 10, minimum: 1 }),
        maxDiskGb: Type.Integer({ default: 2048, minimum: 1 }),
      },
      { default: {} },
    ),
    /** How often a running PVE task is polled. */
    taskPollInterval: Type.String({ ...Duration, default: '1s' }),
    /** Creates of one bulk request running at once. */
    bulkParallelism: Type.Integer({ default: 3, minimum: 1, maximum: 32 }),
  },
  { default: {} },
);

export type PveManagerConfig = Static<typeof PveManagerConfigSchema>;
export type ServerRole = keyof PveManagerConfig['templates'];
export const SERVER_ROLES: readonly ServerRole[] = ['web', 'was', 'db'];
