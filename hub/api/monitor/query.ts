import { Type } from '@sinclair/typebox';
import { runQuery } from '../../../shared/query/engine.js';
import { queryFromFlags } from '../../../shared/query/flags.js';
import { ALIGNMENTS } from '../../../shared/query/range.js';
import { AGGREGATIONS, type RangeQuery } from '../../../shared/query/types.js';
import { localPlan, planMetadata } from '../../remote-read/remote-read.js';
import { StoreMetadata } from '../../remote-read/schema.js';
import { invalidParameter } from '../errors.js';
import type { RouteModule } from '../types.js';
import { envelope } from './envelope.js';
import { MAX_POINTS } from './params.js';
import { Envelope, StringEnum, withErrors } from './schemas/common.js';

/** Most series one answer may hold (before group_by): beyond this the client must narrow the selector. */
export const MAX_QUERY_SERIES = 5_000;

const Time = Type.String({ pattern: '^[0-9]{11,15}$|^[0-9]{4}-[0-9]{2}-[0-9]{2}T', maxLength: 40 });
const QueryString = Type.Object({
  selector: Type.String({ minLength: 1, maxLength: 2_000 }),
  label: Type.Optional(Type.Array(Type.String({ maxLength: 500 }), { maxItems: 50 })),
  since: Type.Optional(Type.String({ maxLength: 20 })),
  start: Type.Optional(Time),
  end: Type.Optional(Time),
  step: Type.Optional(Type.String({ maxLength: 20 })),
  agg: Type.Optional(Type.Union(AGGREGATIONS.map((a) => Type.Literal(a)))),
  group_by: Type.Optional(Type.String({ maxLength: 500 })),
  sum_by: Type.Optional(Type.String({ maxLength: 500 })),
  align: Type.Optional(Type.Union(ALIGNMENTS.map((a) => Type.Literal(a)))),
});

/** The CLI's JSON output in the common envelope; times and step in ms, each point [ts ms, value] (steps without samples are left out, so no null). */
const QueryResponse = withErrors(
  Envelope(
    'query',
    Type.Object({
      metric: Type.String(),
      start: Type.Number(),
      end: Type.Number(),
      step: Type.Number(),
      agg: StringEnum(AGGREGATIONS),
      align: Type.Optional(Type.Literal('end', { description: 'present when the points are stamped with their step\'s end (align=end, PromQL\'s)' })),
      series: Type.Array(Type.Object({ labels: Type.Record(Type.String(), Type.String()), points: Type.Array(Type.Array(Type.Number(), { minItems: 2, maxItems: 2, description: '[timestamp ms, value]' })) })),
    }),
    {},
    StoreMetadata,
  ),
);

/**
 * GET /monitoring/query: the shared query engine (the one `kcloud-hub query`
 * runs on the store file) over the hub's own store, for `kcloud-hub query
 * --server`. `data` is the CLI's JSON output: {metric, start, end, step, agg,
 * series: [{labels, points: [[ts, value]]}]}.
 */
export const queryRoutes: RouteModule = (app, deps) => {
  app.get('/monitoring/query', { config: { access: 'metrics:read' }, schema: { tags: ['monitoring'], querystring: QueryString, response: QueryResponse } }, async (request) => {
    const q = request.query;
    let query: RangeQuery;
    try {
      query = queryFromFlags(q.selector, { since: q.since ?? '1h', start: q.start, end: q.end, step: q.step ?? '1m', agg: q.agg ?? 'avg', label: q.label ?? [], groupBy: q.group_by, sumBy: q.sum_by, align: q.align });
    } catch (err) {
      const message = (err as Error).message;
      // The shared parser names CLI flags (`--start`, `--label`); the API names its parameters the same but for the dashes.
      const field = /--?(start|end|step|since|label|agg|align)\b|--(group-by|sum-by)\b|\b(start|end|step)\b/.exec(message);
      throw invalidParameter(field?.[1] ?? field?.[2]?.replace('-', '_') ?? field?.[3] ?? 'selector', message);
    }
    if ((query.end - query.start) / query.step > MAX_POINTS) throw invalidParameter('step', `too fine for the range: at most ${MAX_POINTS} points per series`);
    const matched = deps.tsdb.findSeries(query.metric, query.matchers).length;
    if (matched > MAX_QUERY_SERIES) throw invalidParameter('selector', `matches ${matched} series, at most ${MAX_QUERY_SERIES}: narrow it with label matchers`);
    // Steps beyond local retention (or all, per storage.remoteRead.mode) come from the remote store.
    const plan = deps.remoteRead ? await deps.remoteRead.plan(deps.tsdb, [query], query) : localPlan(deps.tsdb);
    const series = runQuery(plan.source, query).map((s) => ({ labels: s.labels, points: s.points }));
    const data = { metric: query.metric, start: query.start, end: query.end, step: query.step, agg: query.agg, ...(query.align ? { align: query.align } : {}), series };
    return envelope(request, 'query', data, { metadata: planMetadata(plan) });
  });
};
