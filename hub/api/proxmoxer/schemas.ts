import { Type } from '@sinclair/typebox';

const Nullable = <T extends ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()]);

/** The seed's error body. */
export const RegistryErrorBody = Type.Object(
  { code: Type.String(), message: Type.String(), details: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]) },
  { description: 'proxmoxer-cluster-api error body' },
);
export const RegistryErrors = { '4xx': RegistryErrorBody, '5xx': RegistryErrorBody };

export const RegisterBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\x00-\\x1f/]+$', description: 'Unique; no control characters or "/"' }),
    api_endpoint: Type.String({ maxLength: 2048, pattern: '^https://[^\\s/?#]+(:\\d+)?/?$', description: 'https://host:8006 (https only)' }),
    username: Type.String({ minLength: 3, maxLength: 128, description: 'user@realm, e.g. root@pam' }),
    password: Type.String({ minLength: 1, maxLength: 1024, description: 'Exchanged for an API token at once; never stored when PVE grants one' }),
    tls_fingerprint: Type.Optional(Type.String({ maxLength: 128, description: 'SHA-256 of the PVE certificate to pin (AB:CD:...); default: verify, else trust on first use' })),
  },
  { additionalProperties: false },
);

/** The seed's Cluster object, plus what an operator needs to trust it. */
export const Cluster = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  api_endpoint: Type.String(),
  status: Type.Unsafe<'healthy' | 'degraded' | 'unhealthy' | 'unknown'>({ type: 'string', enum: ['healthy', 'degraded', 'unhealthy', 'unknown'] }),
  proxmox_version: Type.String(),
  node_count: Type.Integer({ minimum: 0 }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  status_reason: Nullable(Type.String({ description: 'Why the cluster is not healthy' })),
  nodes: Type.Array(Type.String(), { description: 'PVE node names (an agent node of the same name is linked)' }),
  auth_method: Type.Unsafe<'api_token' | 'ticket'>({ type: 'string', enum: ['api_token', 'ticket'], description: 'api_token: the hub made and keeps a PVE token; ticket: PVE refused one, the password is kept encrypted' }),
  tls_fingerprint: Nullable(Type.String({ description: 'The pinned certificate (SHA-256); null when it verifies against the CAs' })),
});

export const Registered = Type.Composite([Cluster, Type.Object({ warnings: Type.Array(Type.String()) })]);
