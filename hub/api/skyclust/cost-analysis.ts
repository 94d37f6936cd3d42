import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { storeHeaders, type ExportStoreNote } from '../../export/export-stores.js';
import { COST_PERIODS, COST_PROVIDERS, costSummary, periodRange, serviceBreakdown, type CostPeriod, type CostProvider } from '../../integrations/clouds/cost-analysis.js';
import { MixedCurrencyError, type CloudCosts } from '../../integrations/clouds/costs.js';
import type { WorkspaceStore } from '../../workspaces/workspace-store.js';
import type { ApiPrincipal } from '../auth/principal.js';
import { invalidParameter, notFound } from '../errors.js';
import { multiValue } from '../list-query.js';
import type { Api } from '../types.js';
import { cloudApiError } from './cloud-errors.js';
import { viewerOf } from './credentials.js';
import { ok } from './envelope.js';
import { CostAnalysisView, CostBreakdownView } from './schemas/cost-analysis.js';
import { Ok, oneOf, SkyErrors, Uuid } from './schemas/common.js';

const tags = ['skyclust: cost analysis'];
const principal = (request: FastifyRequest): ApiPrincipal => request.principal!;

async function costsOrError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof MixedCurrencyError) throw invalidParameter('provider', err.message);
    throw cloudApiError(err, 'provider');
  }
}

/** Names the stores the on-prem figures were read from in X-Kcloud-Sources / X-Kcloud-Warnings, as the exports do (docs/api.md); nothing when none was read. */
function noteStores(reply: FastifyReply, notes: readonly (ExportStoreNote | undefined)[]): void {
  const read = notes.filter((n): n is ExportStoreNote => n !== undefined);
  if (!read.length) return;
  const sources = (['remote', 'local'] as const).filter((s) => read.some((n) => n.sources.includes(s)));
  reply.headers(storeHeaders({ sources, warnings: [...new Set(read.flatMap((n) => n.warnings))] }));
}

/** skyclust-api's cost analysis: AWS from Cost Explorer with the caller's credentials, the on-prem fleet from its measured energy. */
export function costAnalysisRoutes(app: Api, costs: CloudCosts, workspaces: WorkspaceStore): void {
  app.get(
    '/cost-analysis',
    {
      config: { access: 'metrics:read' },
      schema: {
        tags,
        summary: 'Total, per-provider breakdown and daily trend over the period',
        querystring: Type.Object({ period: Type.Optional(oneOf(COST_PERIODS)), workspace_id: Type.Optional(Uuid), provider: multiValue(oneOf(COST_PROVIDERS)) }),
        response: { 200: Ok(CostAnalysisView), ...SkyErrors },
      },
    },
    async (request, reply) => {
      const who = principal(request);
      const q = request.query;
      const workspaceId = q.workspace_id ?? null;
      if (workspaceId && (!workspaces.get(workspaceId) || (who.role !== 'admin' && workspaces.roleOf(workspaceId, who.userId) === null))) throw notFound('workspace');
      const period = (q.period ?? '30d') as CostPeriod;
      const now = Date.now();
      const range = periodRange(period, now);
      const { items, currency, stores } = await costsOrError(() => costs.items(viewerOf(who), { providers: (q.provider as CostProvider[] | undefined) ?? null, workspaceId, range, now }));
      noteStores(reply, [stores]);
      return ok(request, { ...costSummary(items, range.days), currency, period });
    },
  );

  app.get(
    '/cost-analysis/breakdown',
    {
      config: { access: 'metrics:read' },
      schema: {
        tags,
        summary: 'One provider\'s cost per service (on-prem: per node, with energy per cluster and GPU energy per Kubernetes namespace)',
        querystring: Type.Object({ provider: oneOf(COST_PROVIDERS), service: multiValue(Type.String({ minLength: 1, maxLength: 200 })), period: Type.Optional(oneOf(COST_PERIODS)) }),
        response: { 200: Ok(CostBreakdownView), ...SkyErrors },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const provider = q.provider as CostProvider;
      const period = (q.period ?? '30d') as CostPeriod;
      const now = Date.now();
      const range = periodRange(period, now);
      const { items, currency, stores } = await costsOrError(() => costs.items(viewerOf(principal(request)), { providers: [provider], workspaceId: null, range, now }));
      const wanted = q.service ? items.filter((i) => q.service!.includes(i.service)) : items;
      const split = provider === 'onprem' ? await costs.onpremSplit(range, now) : null;
      const clusters = split ? { clusters: split.clusters, namespaces: split.namespaces } : {};
      noteStores(reply, [stores, split?.stores]);
      return ok(request, { provider, period, currency, ...serviceBreakdown(wanted), ...clusters });
    },
  );
}
