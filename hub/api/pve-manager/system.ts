import { Type } from '@sinclair/typebox';
import { LOG_RING_LEVELS, levelName, logRingOf, type LogRingLevel, type LogRingLine } from '../../../shared/log-ring.js';
import { maskSecrets } from '../../../shared/secret-mask.js';
import { VERSION } from '../../../shared/version.js';
import { MachineUsageMeter } from '../../pve-manager/machine-usage.js';
import type { PveMonitoring } from '../../pve-manager/monitoring-service.js';
import type { SecretsBackend } from '../../pve-manager/vault.js';
import { ApiError } from '../errors.js';
import type { RouteModule } from '../types.js';
import { PveErrors } from './schemas.js';

const State = Type.Union([Type.Literal('running'), Type.Literal('stopped'), Type.Literal('not_configured')]);
const StatusAnswer = Type.Object({
  system: Type.Object({ status: Type.String(), uptime: Type.String(), version: Type.String(), last_updated: Type.String({ format: 'date-time' }) }),
  services: Type.Object({ api: State, broker: State, store: State, proxmox: State, prometheus: State, grafana: State, vault: State }),
  resources: Type.Object({ cpu_usage: Type.Number(), memory_usage: Type.Number(), disk_usage: Type.Number() }),
});

const LogsQuery = Type.Object(
  {
    level: Type.Optional(Type.Union((Object.keys(LOG_RING_LEVELS) as LogRingLevel[]).map((l) => Type.Literal(l)), { description: 'the lowest level answered (debug: every line)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
  },
  { additionalProperties: false },
);
const LogLine = Type.Object({
  timestamp: Type.String({ format: 'date-time' }),
  level: Type.String({ description: 'debug, info, warning or error (pino trace counts as debug, fatal as error)' }),
  message: Type.String(),
  source: Type.String({ description: "the hub's part that logged it (api, broker, ingest, pve-manager...), or the hub's name" }),
  fields: Type.Object({}, { additionalProperties: true, description: 'the rest of the structured line, secrets masked' }),
});
const LogsAnswer = Type.Object({
  logs: Type.Array(LogLine, { description: 'newest first' }),
  total: Type.Integer({ description: 'lines in the ring at this level or above' }),
  limit: Type.Integer(),
  offset: Type.Integer(),
});
const ConfigAnswer = Type.Object({
  config: Type.Object({}, { additionalProperties: true, description: "the hub's effective configuration (YAML, environment overrides, command-line flags, defaults); see docs/hub.md" }),
  masked: Type.Array(Type.String(), { description: 'dotted paths of the values masked because of their key (passwords, tokens, keys, secrets, kubeconfigs)' }),
});

/** pino's line keys that are the answer's own fields, or the same on every line (pid, hostname). */
const LINE_KEYS = new Set(['level', 'time', 'msg', 'name', 'part', 'pid', 'hostname']);

function logLineView({ level, time, line }: LogRingLine) {
  const fields = Object.fromEntries(Object.entries(line).filter(([k]) => !LINE_KEYS.has(k)));
  const source = typeof line.part === 'string' ? line.part : typeof line.name === 'string' ? line.name : 'hub';
  return { timestamp: new Date(time).toISOString(), level: levelName(level), message: typeof line.msg === 'string' ? line.msg : '', source, fields };
}

function uptimeText(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${d} days, ${h} hours, ${m} minutes`;
}

/** A backend's own status word as the seed's service state: what answers is running, what is set up but does not answer (sealed, unreachable, erring) is stopped. */
export function serviceState(status: string): 'running' | 'stopped' | 'not_configured' {
  if (status === 'not_configured') return 'not_configured';
  return status === 'running' || status === 'standby' ? 'running' : 'stopped';
}

/**
 * GET /api/system/status: the hub's parts and configured integrations (each asked now), and this machine's resources.
 * GET /api/system/logs: the hub's newest log lines from its in-memory ring (shared/log-ring.ts), admins only.
 * GET /api/system/config: the effective configuration with every secret masked (shared/secret-mask.ts), admins only.
 */
export const pveSystemRoutes =
  (backends: { vault: SecretsBackend; monitoring: PveMonitoring }): RouteModule =>
  (app, deps) => {
    const meter = new MachineUsageMeter(deps.config.dataDir);
    app.get('/system/status', { config: { access: 'system:read' }, schema: { tags: ['pve-manager: system'], response: { 200: StatusAnswer, ...PveErrors } } }, async () => {
      const [state, monitoring, vault] = await Promise.all([deps.hubState(), backends.monitoring.backends(), backends.vault.status()]);
      const brokerUp = state.broker.mode === 'embedded' || state.broker.connected;
      const cluster = deps.config.pveManager.cluster;
      const registered = cluster ? app.proxmox.byName(cluster) : null;
      const proxmox = !cluster ? 'not_configured' : registered && registered.status !== 'unhealthy' ? 'running' : 'stopped';
      const services = {
        api: 'running',
        broker: brokerUp ? 'running' : 'stopped',
        store: 'running',
        proxmox,
        prometheus: serviceState(monitoring.prometheus.status),
        grafana: serviceState(monitoring.grafana.status),
        vault: serviceState(vault.status),
      } as const;
      const healthy = Object.values(services).every((s) => s !== 'stopped');
      return {
        system: { status: healthy ? 'healthy' : 'degraded', uptime: uptimeText(Date.now() - deps.startedAt), version: VERSION, last_updated: new Date(state.updatedAt).toISOString() },
        services,
        resources: await meter.read(),
      };
    });

    app.get(
      '/system/logs',
      { config: { access: 'system:manage' }, schema: { tags: ['pve-manager: system'], querystring: LogsQuery, response: { 200: LogsAnswer, ...PveErrors } } },
      async (request) => {
        const ring = logRingOf(deps.log);
        if (!ring) throw new ApiError('SERVICE_UNAVAILABLE', "this hub's logger keeps no log ring (log.ring)", { setting: 'log.ring' });
        const { level = 'debug', limit = 50, offset = 0 } = request.query;
        const { lines, total } = ring.read({ minLevel: LOG_RING_LEVELS[level], limit, offset });
        return { logs: lines.map(logLineView), total, limit, offset };
      },
    );

    app.get('/system/config', { config: { access: 'system:manage' }, schema: { tags: ['pve-manager: system'], response: { 200: ConfigAnswer, ...PveErrors } } }, async () => {
      const masked: string[] = [];
      const config = maskSecrets(deps.config, (path) => masked.push(path));
      return { config, masked };
    });
  };
