import { Type } from '@sinclair/typebox';

/** Clusters known by name, optionally read from an existing Prometheus (kcloud-monitor-api `url`). */
export const ClustersConfigSchema = Type.Array(Type.Object({ name: Type.String() }), { default: [] });
