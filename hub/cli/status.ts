import type { Command } from 'commander';
import { renderTable } from '../../shared/format/table.js';
import { readHubState, type HubState } from '../core/status-file.js';
import { NodeStore } from '../identity/nodes.js';
import { configOrExit, CONFIG_HELP, formatOrExit, iso, withHubDb } from './options.js';

/** The hub writes status.json every 2 s; older than this means it is not running. */
const STALE_MS = 10_000;

function isRunning(state: HubState, now: number): boolean {
  if (now - state.updatedAt > STALE_MS) return false;
  try {
    process.kill(state.pid, 0);
    return true;
  } catch {
    return false;
  }
}

function brokerLine(b: HubState['broker']): string {
  if (b.mode === 'embedded') {
    const ports = [`mqtt ${b.ports.mqtt}`, b.ports.mqtts !== null ? `mqtts ${b.ports.mqtts}` : null, b.ports.ws !== null ? `ws ${b.ports.ws}` : null].filter(Boolean);
    return `embedded, ${ports.join(', ')}, ${b.clients} clients`;
  }
  const adopted = b.adopted?.length ? `, adopting ${b.adopted.join(', ')}` : '';
  return `external ${b.url} ${b.connected ? 'connected' : 'disconnected'}${adopted}${b.lastError ? ` (last error: ${b.lastError})` : ''}`;
}

function remoteWriteLine(q: NonNullable<HubState['remoteWrite']>[number]): string {
  const dropped = Object.entries(q.dropped).map(([cause, n]) => `${cause} ${n}`).join(', ') || 'none';
  const error = q.lastError ? ` (last error: ${q.lastError})` : '';
  return `remote:   ${q.name}: ${q.pendingSamples} pending, lag ${q.lagSeconds.toFixed(1)} s, ${q.sent} sent, ${q.failed} failed requests, dropped ${dropped}${error}`;
}

/** `kcloud-hub status`: whether the hub runs, its ingest counters and store size, and every node's state. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('show whether the hub runs, ingest counters, store size and the nodes (online, last seen, last seq, gaps)')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--format <format>', 'table or json', 'table')
    .action(async (flags: { config?: string; format: string }) => {
      const format = formatOrExit(flags.format, ['table', 'json'] as const);
      const config = configOrExit(flags.config);
      const state = readHubState(config.dataDir);
      const nodes = await withHubDb(config, (db) => new NodeStore(db).list());
      const running = state !== null && isRunning(state, Date.now());
      if (format === 'json') {
        process.stdout.write(JSON.stringify({ running, hub: state, nodes }, null, 2) + '\n');
        return;
      }
      const lines: string[] = [];
      if (!state) {
        lines.push(`hub:      never ran with dataDir ${config.dataDir}`);
      } else {
        const i = state.ingest;
        const rejected = Object.entries(i.rejected).filter(([, n]) => n > 0);
        lines.push(
          `hub:      ${running ? 'running' : 'NOT running'} (pid ${state.pid}, version ${state.version}, up since ${iso(state.startedAt)}, updated ${iso(state.updatedAt)})`,
          `broker:   ${brokerLine(state.broker)}`,
          `ingest:   ${Object.values(i.messages).reduce((a, b) => a + b, 0)} messages, ${i.samples} samples, ${i.duplicates} duplicates, ${i.failures} failed commits, ${i.commits} commits (since start)`,
          `rejected: ${rejected.length === 0 ? 'none' : rejected.map(([r, n]) => `${r} ${n}`).join(', ')}`,
          `store:    ${state.store.series} series, ${state.store.samples} samples, ${state.store.bytes} bytes`,
          ...(state.remoteWrite ?? []).map(remoteWriteLine),
        );
      }
      lines.push('');
      lines.push(
        nodes.length === 0
          ? 'no nodes registered (kcloud-hub node add <name>)\n'
          : renderTable(
              ['node', 'cluster', 'state', 'last seen', 'last seq', 'gaps', 'missing'],
              nodes.map((n) => [n.name, n.cluster, n.disabled ? 'disabled' : n.state, iso(n.lastSeen), n.lastSeq, n.gaps, n.missing]),
            ),
      );
      process.stdout.write(lines.join('\n'));
    });
}
