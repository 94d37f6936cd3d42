import { Type } from '@sinclair/typebox';
import { VERSION } from '../../../shared/version.js';
import type { Api } from '../types.js';

/** proxmoxer-cluster-api's `GET /health` at the root (no /api/v1): public, answers while the hub serves. */
export function rootHealthRoute(app: Api): void {
  app.get(
    '/health',
    {
      config: { access: 'public' },
      schema: { tags: ['health'], summary: 'Liveness of the hub (the cluster registry\'s health check)', response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String(), timestamp: Type.String({ format: 'date-time' }) }) } },
    },
    async () => ({ status: 'ok' as const, version: VERSION, timestamp: new Date().toISOString() }),
  );
}
