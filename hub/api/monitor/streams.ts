import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { revocationsOf } from '../../identity/revocations.js';
import { textFrameEncoder } from '../../streams/frame-encoder.js';
import { closeReason, LiveAuthorization, wsCloseCode } from '../../streams/live-authorization.js';
import { PowerStreams } from '../../streams/power-streams.js';
import { SseConnection } from '../../streams/sse-connection.js';
import { wsFrameWriter } from '../../streams/ws-frame-writer.js';
import { EventStreamResponse } from './schemas/files.js';
import { authenticate } from '../auth/plugin.js';
import type { ApiError } from '../errors.js';
import type { RouteModule } from '../types.js';

/** Seconds between updates (seed 4.4: default 5); 0 is the live mode, a snapshot as soon as telemetry is stored. */
const Interval = Type.Integer({
  minimum: 0,
  maximum: 3600,
  default: 5,
  description: 'Seconds between snapshots (1..3600), or 0 for live: one snapshot after each event-loop turn in which the hub stored telemetry',
});
const EventId = Type.String({ pattern: '^[0-9]{1,15}$' });

const StreamQuery = Type.Object({ interval: Type.Optional(Interval) });
const EventsQuery = Type.Object({
  interval: Type.Optional(Interval),
  /** For clients that cannot set Last-Event-ID (a browser's first EventSource connect). */
  last_event_id: Type.Optional(EventId),
});
const EventsHeaders = Type.Object({ 'last-event-id': Type.Optional(EventId) });

/** A WebSocket client holding more unsent bytes than this skips snapshots until it catches up (each is the full state). */
const WS_MAX_BUFFERED_BYTES = 256 * 1024;
const SSE_OPTIONS = { heartbeatMs: 15_000, retryMs: 3000, maxBufferedBytes: 256 * 1024 };

const WS_DESCRIPTION = [
  'Power snapshots over a WebSocket (docs/api-streams.md): the current one on connect, then one every `interval` seconds from a timer shared by all clients of that interval.',
  '`interval=0` is the live mode: pushed from the ingest bus, one snapshot computed after each event-loop turn in which telemetry was stored (batches stored in the same turn make one snapshot) and sent to every live client.',
  'Frames: {timestamp, total_power_watts, gpu_power_watts, cpu_power_watts, memory_power_watts, other_power_watts, breakdown, latest_sample_timestamp}.',
  'A client with more than 256 KiB unsent skips snapshots until it catches up (kcloud_hub_stream_frames_dropped_total).',
  'The credential is checked again on every revocation: revoked (logout, revoked key, removed or disabled user) the socket closes with 4001, without metrics:read any more with 4003.',
].join(' ');
const SSE_DESCRIPTION =
  'Server-sent events (docs/api-streams.md): `power_update` every `interval` seconds (0: live, after each event-loop turn that stored telemetry) and `threshold_exceeded`; resumable with Last-Event-ID or `last_event_id`. A revoked credential (or one that lost metrics:read) ends the stream with an `error` event carrying the error body `{error: {code, message, details}, timestamp}`.';

/** WS /monitoring/stream/power and SSE GET /monitoring/events/power (seed 4.4, 4.5; docs/api-streams.md). */
export const streamsRoutes: RouteModule = (app, deps) => {
  /** Keeps a stream's request authorised as a new one would be (hub/streams/live-authorization.ts). */
  const liveAuthorization = (request: FastifyRequest, end: (err: ApiError) => void) =>
    new LiveAuthorization({
      revocations: revocationsOf(deps.db),
      principal: request.principal!,
      reauthenticate: () => authenticate(request, app.credentials.resolvers),
      permission: 'metrics:read',
      end,
    });
  const streams = new PowerStreams({ bus: deps.bus, fleet: deps.fleet, log: deps.log, thresholds: deps.config.thresholds, firstEventId: deps.startedAt });
  const sse = new Set<SseConnection>();
  let wsClients = 0;
  // Every client of a tick gets the same snapshot object: encoded and framed once for all of them.
  const frame = textFrameEncoder();
  const dropped = new Counter({ name: 'kcloud_hub_stream_frames_dropped_total', help: 'WebSocket power snapshots skipped for clients that could not keep up', registers: [deps.registry] });
  new Gauge({
    name: 'kcloud_hub_stream_clients',
    help: 'Open power stream connections',
    labelNames: ['transport'],
    registers: [deps.registry],
    collect() {
      this.set({ transport: 'websocket' }, wsClients);
      this.set({ transport: 'sse' }, sse.size);
    },
  });
  streams.start();
  // Before the server closes: open streams would otherwise keep it waiting.
  app.addHook('preClose', async () => {
    streams.stop();
    for (const c of [...sse]) c.close();
  });

  app.get('/monitoring/stream/power', { websocket: true, config: { access: 'metrics:read' }, schema: { tags: ['monitoring'], description: WS_DESCRIPTION, querystring: StreamQuery } }, (socket, request) => {
    const intervalMs = (request.query.interval ?? 5) * 1000;
    wsClients++;
    // The upgraded request's socket is the one ws reads and writes.
    const write = wsFrameWriter(socket, request.raw.socket, WS_MAX_BUFFERED_BYTES, () => dropped.inc());
    const push = (snapshot: object) => write(frame(snapshot));
    const live = liveAuthorization(request, (err) => socket.close(wsCloseCode(err), closeReason(err.message)));
    // The current state at once, so a dashboard need not wait a whole interval for its first numbers.
    push(streams.snapshot(Date.now()));
    const unsubscribe = streams.subscribeSnapshots(intervalMs, (snapshot) => live.deliver(() => push(snapshot)));
    socket.on('close', () => {
      wsClients--;
      live.close();
      unsubscribe();
    });
  });

  app.get(
    '/monitoring/events/power',
    // No HEAD twin: the stream hijacks the reply, and a HEAD response drops its writes, headers included (the client would hang).
    { exposeHeadRoute: false, config: { access: 'metrics:read' }, schema: { tags: ['monitoring'], description: SSE_DESCRIPTION, querystring: EventsQuery, headers: EventsHeaders, response: EventStreamResponse } },
    (request, reply) => {
      const intervalMs = (request.query.interval ?? 5) * 1000;
      const last = request.headers['last-event-id'] ?? request.query.last_event_id;
      reply.hijack();
      const conn = new SseConnection(reply.raw, SSE_OPTIONS);
      sse.add(conn);
      // The monitor API's error body, as the request would get it now.
      const live = liveAuthorization(request, (err) => conn.fail({ error: { code: err.code, message: err.message, details: err.details ?? {} }, timestamp: new Date().toISOString() }));
      const unsubscribe = streams.subscribeEvents(intervalMs, last === undefined ? null : Number(last), (e) => live.deliver(() => conn.send(e)));
      conn.onClose(() => {
        live.close();
        unsubscribe();
        sse.delete(conn);
      });
    },
  );
};
