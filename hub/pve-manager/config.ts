import { Type, type Static } from '@sinclair/typebox';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w|y)$' });
/** Empty, or an http(s) URL. */
const HTTP_URL = '^(|https?://\\S+)$';

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
    /** Finished tasks kept for GET /api/tasks/{id}, newest first; older ones are removed as others finish (pending and running ones always stay). */
    keepFinishedTasks: Type.Integer({ default: 10_000, minimum: 1, maximum: 1_000_000 }),
    /**
     * /api/vault and the servers' SSH key (vault path secret/ssh) on a
     * HashiCorp Vault / OpenBao KV v2 mount instead of the hub's secrets box.
     * Empty url: the secrets box (docs/proxmox.md, "Vault").
     */
    vault: Type.Object(
      {
        /** `https://vault.example:8200`; empty: the hub's secrets box. */
        url: Type.String({ default: '', pattern: '^(|https?://[^\\s@/]+(/[^\\s@]*)?)$' }),
        /** A file holding the Vault token (first line), read at each call so a renewed token (Vault Agent's file sink) is used; required with url. */
        tokenFile: Type.String({ default: '' }),
        /** The KV v2 mount: a vault path `secret/ssh` is `ssh` on mount `secret`; paths outside it are refused. */
        mount: Type.String({ default: 'secret', pattern: '^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}$' }),
        /** Vault Enterprise / OpenBao namespace (X-Vault-Namespace); empty: none. */
        namespace: Type.String({ default: '', pattern: '^[A-Za-z0-9_./-]{0,200}$' }),
        /** Every Vault call, connection included, must answer within this. */
        timeout: Type.String({ ...Duration, default: '10s' }),
      },
      { default: {} },
    ),
    /** The seed's monitoring routes: the Prometheus and Grafana they report on and the file_sd targets they write (docs/proxmox.md, "Monitoring"). */
    monitoring: Type.Object(
      {
        prometheus: Type.Object(
          {
            /** Base URL (`http://prom:9090`, `user:password@` for Basic auth); empty: not configured. */
            url: Type.String({ default: '', pattern: HTTP_URL }),
            /** Directory of Prometheus' `file_sd_configs` where POST /monitoring/prometheus/update writes `kcloud-agents.json`; empty: the update answers 503. */
            targetsDir: Type.String({ default: '' }),
          },
          { default: {} },
        ),
        grafana: Type.Object(
          {
            /** Base URL (`http://grafana:3000`); empty: not configured. */
            url: Type.String({ default: '', pattern: HTTP_URL }),
            /** File whose first line is a Grafana service-account token (sent as Bearer, never shown or logged). */
            tokenFile: Type.String({ default: '' }),
          },
          { default: {} },
        ),
        /** Port of the kcloud agents' /metrics (the agent's `metrics.listen`) on managed servers and PVE nodes. */
        agentMetricsPort: Type.Integer({ default: 9400, minimum: 1, maximum: 65535 }),
        /** One call to Prometheus or Grafana; past it the status says `unreachable`. */
        timeout: Type.String({ ...Duration, default: '5s' }),
      },
      { default: {} },
    ),
  },
  { default: {} },
);

export type PveManagerConfig = Static<typeof PveManagerConfigSchema>;
export type ServerRole = keyof PveManagerConfig['templates'];
export const SERVER_ROLES: readonly ServerRole[] = ['web', 'was', 'db'];
