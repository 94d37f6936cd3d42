import { Type } from '@sinclair/typebox';

/** GET /cost-analysis as the seed documents it, plus `estimated` (true when a figure is computed or not final). */
export const CostAnalysisView = Type.Object({
  total_cost: Type.Number(),
  currency: Type.String(),
  period: Type.String(),
  breakdown: Type.Array(Type.Object({ provider: Type.String(), cost: Type.Number(), percentage: Type.Number() })),
  trend: Type.Array(Type.Object({ date: Type.String({ format: 'date' }), cost: Type.Number() })),
  estimated: Type.Boolean(),
});

/** GET /cost-analysis/breakdown; on-prem answers add energy per cluster and GPU energy per Kubernetes namespace (its services are `<cluster>/<node>` and `<cluster>/<node> GPU hours`). */
export const CostBreakdownView = Type.Object({
  provider: Type.String(),
  period: Type.String(),
  currency: Type.String(),
  total_cost: Type.Number(),
  services: Type.Array(Type.Object({ service: Type.String(), cost: Type.Number(), percentage: Type.Number() })),
  clusters: Type.Optional(Type.Array(Type.Object({ cluster: Type.String(), energy_kwh: Type.Number(), cost: Type.Number() }))),
  namespaces: Type.Optional(
    Type.Array(
      Type.Object({
        cluster: Type.String(),
        kind: Type.Union([Type.Literal('pod'), Type.Literal('host'), Type.Literal('idle'), Type.Literal('unattributed')]),
        namespace: Type.Union([Type.String(), Type.Null()]),
        energy_kwh: Type.Number(),
        /** GPU-hours split by the same shares (each GPU-hour by its power split), priced at clouds.onprem.gpuHourCost. */
        gpu_hours: Type.Number(),
        cost: Type.Number(),
      }),
    ),
  ),
});
