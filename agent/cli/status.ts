import type { Command } from 'commander';
import { parseFormat } from '../../shared/format/output-format.js';
import { renderTable } from '../../shared/format/table.js';
import { readStateFile, type AgentState } from '../state-file.js';
import { configOrExit, usageError } from './options.js';

/** The agent rewrites status.json every 2 s; five missed writes mean it is gone or hung. */
export const STALE_MS = 10_000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user (the agent runs as its own user).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why the agent counts as running or not: its pid must be alive and its status fresh. */
export function agentLiveness(state: AgentState, now: number, alive: (pid: number) => boolean = pidAlive): { running: boolean; why: string } {
  const age = now - state.updatedAt;
  if (!alive(state.pid)) return { running: false, why: `pid ${state.pid} is not running` };
  if (age > STALE_MS) return { running: false, why: `status not updated for ${Math.round(age / 1000)} s` };
  return { running: true, why: `pid ${state.pid}, status updated ${Math.round(age / 1000)} s ago` };
}

const iso = (ts: number | null | undefined) => (ts ? new Date(ts).toISOString() : null);

function ago(ts: number | null, now: number): string | null {
  if (!ts) return null;
  const s = Math.max(0, Math.round((now - ts) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

/** Renders `kcloud-agent status`: JSON is the state file plus `running` and `why`. */
export function renderStatus(state: AgentState, now: number, format: 'table' | 'json', alive?: (pid: number) => boolean): string {
  const live = agentLiveness(state, now, alive);
  if (format === 'json') return JSON.stringify({ running: live.running, why: live.why, ...state }, null, 2) + '\n';
  const { broker, outbox } = state;
  const lines = [
    `agent:   ${live.running ? 'running' : 'NOT running'} (${live.why}); node ${state.node}, cluster ${state.cluster}, version ${state.version}, started ${iso(state.startedAt)}`,
    `broker:  ${broker.url} ${broker.connected ? 'connected' : 'disconnected'}` +
      (broker.lastConnectedAt ? `, last connected ${iso(broker.lastConnectedAt)}` : '') +
      (broker.lastError ? `, last error: ${broker.lastError}` : ''),
    `outbox:  ${outbox.depth} batches (${outbox.bytes} bytes) waiting, ${outbox.dropped} dropped` + (outbox.oldestTs ? `, oldest ${iso(outbox.oldestTs)}` : ''),
    '',
  ];
  const rows = Object.entries(state.sources).map(([name, s]) => [
    name,
    s.enabled ? 'yes' : 'no',
    s.lastSampleTs ? `${iso(s.lastSampleTs)} (${ago(s.lastSampleTs, now)})` : null,
    s.errors,
    s.lastError ?? s.reason,
  ]);
  return lines.join('\n') + '\n' + renderTable(['source', 'enabled', 'last sample', 'errors', 'reason / last error'], rows);
}

/** `kcloud-agent status`: whether the local agent runs, its sources, outbox depth and broker connection. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('show whether the local agent runs, its sources, outbox depth and broker connection (from <dataDir>/status.json); exits 3 when it is not running')
    .option('-c, --config <file>', 'agent config file (to find dataDir)')
    .option('--format <format>', 'table or json', 'table')
    .action((flags: { config?: string; format: string }) => {
      const config = configOrExit(flags.config);
      let format: 'table' | 'json';
      try {
        format = parseFormat(flags.format, ['table', 'json'] as const);
      } catch (err) {
        usageError((err as Error).message);
      }
      const state = readStateFile(config.dataDir);
      if (!state) {
        console.error(`kcloud-agent: no status file in ${config.dataDir} (the agent has not run with this dataDir)`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(renderStatus(state, Date.now(), format));
      // Scripts can test `kcloud-agent status` like systemctl is-active.
      if (!agentLiveness(state, Date.now()).running) process.exitCode = 3;
    });
}
