import { Type, type Static } from '@sinclair/typebox';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w|y)$' });

/** `proxmox:` in hub.yaml: the registered Proxmox clusters (docs/proxmox.md). */
export const ProxmoxConfigSchema = Type.Object(
  {
    /** How often each registered cluster is checked (healthy / degraded / unhealthy). */
    healthInterval: Type.String({ ...Duration, default: '30s' }),
    /** Every PVE call, connection included, must answer within this. */
    timeout: Type.String({ ...Duration, default: '10s' }),
    /** CA certificates (PEM file) trusted for PVE endpoints besides the system ones; empty: the system CAs only. */
    caFile: Type.String({ default: '' }),
    /**
     * When a cluster's certificate does not verify at registration, pin the
     * one seen (trust on first use) and say so in the answer. false: such a
     * registration is refused unless it gives `tls_fingerprint`.
     */
    trustOnFirstUse: Type.Boolean({ default: true }),
  },
  { default: {} },
);

export type ProxmoxConfig = Static<typeof ProxmoxConfigSchema>;
