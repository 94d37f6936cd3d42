import { Type } from '@sinclair/typebox';
import { VERSION } from '../../../shared/version.js';
import { MachineUsageMeter } from '../../pve-manager/machine-usage.js';
import type { RouteModule } from '../types.js';
import { PveErrors } from './schemas.js';

const State = Type.Union([Type.Literal('running'), Type.Literal('stopped'), Type.Literal('not_configured')]);
const StatusAnswer = Type.Object({
  system: Type.Object({ status: Type.String(), uptime: Type.String(), version: Type.String(), last_updated: Type.String({ format: 'date-time' }) }),
  services: Type.Object({ api: State, broker: State, store: State, proxmox: State, prometheus: State, grafana: State, vault: State }),
  resources: Type.Object({ cpu_usage: Type.Number(), memory_usage: Type.Number(), disk_usage: Type.Number() }),
});

function uptimeText(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${d} days, ${h} hours, ${m} minutes`;
}

/** GET /api/system/status: the hub's parts and configured integrations, and this machine's resources. */
export const pveSystemRoutes: RouteModule = (app, deps) => {
  const meter = new MachineUsageMeter(deps.config.dataDir);
  app.get('/system/status', { config: { access: 'system:read' }, schema: { tags: ['pve-manager: system'], response: { 200: StatusAnswer, ...PveErrors } } }, async () => {
    const state = await deps.hubState();
    const brokerUp = state.broker.mode === 'embedded' || state.broker.connected;
    const cluster = deps.config.pveManager.cluster;
    const registered = cluster ? app.proxmox.byName(cluster) : null;
    const proxmox = !cluster ? 'not_configured' : registered && registered.status !== 'unhealthy' ? 'running' : 'stopped';
    const services = { api: 'running', broker: brokerUp ? 'running' : 'stopped', store: 'running', proxmox, prometheus: 'not_configured', grafana: 'not_configured', vault: 'running' } as const;
    const healthy = Object.values(services).every((s) => s !== 'stopped');
    return {
      system: { status: healthy ? 'healthy' : 'degraded', uptime: uptimeText(Date.now() - deps.startedAt), version: VERSION, last_updated: new Date(state.updatedAt).toISOString() },
      services,
      resources: await meter.read(),
    };
  });
};
