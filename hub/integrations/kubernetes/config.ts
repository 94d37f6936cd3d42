import { Type, type Static } from '@sinclair/typebox';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w|y)$' });

/** `kubernetes:` in hub.yaml: the clusters the hub may apply to (docs/ecp.md, "Real tenants"). */
export const KubernetesConfigSchema = Type.Object(
  {
    /**
     * One connection per cluster (its current context): a kubeconfig file readable only by the hub, or
     * `kubeconfigSecret`, the secrets-box row `kcloud-hub kubeconfig set <cluster>` wrote; exactly one of
     * them (checked at start, kubeconfig-source.ts).
     */
    clusters: Type.Array(
      Type.Object({
        name: Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }),
        kubeconfig: Type.Optional(Type.String({ minLength: 1 })),
        kubeconfigSecret: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
      }),
      { default: [], maxItems: 64 },
    ),
    /**
     * Watches on each cluster's pods, nodes and ReplicaSets (docs/kubernetes.md): bounds on what is held
     * per cluster (a larger collection is not held at all: its facts are null with a reason) and the
     * delays between reconnection attempts (doubling from retryMin up to retryMax).
     */
    watch: Type.Object(
      {
        maxPods: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 20_000 }),
        maxNodes: Type.Integer({ minimum: 1, maximum: 100_000, default: 5_000 }),
        retryMin: Type.String({ ...Duration, default: '1s' }),
        retryMax: Type.String({ ...Duration, default: '60s' }),
      },
      { default: {} },
    ),
    /** Time between two steps of a real deployment task (one object applied, or a namespace deletion checked). */
    stepInterval: Type.String({ ...Duration, default: '1s' }),
  },
  { default: {} },
);

/** `kubernetes:` as hub.yaml gives it. */
export type KubernetesSettings = Static<typeof KubernetesConfigSchema>;

