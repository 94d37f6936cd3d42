import type { Command } from 'commander';
import { parseFormat } from '../../shared/format/output-format.js';
import { renderTable } from '../../shared/format/table.js';
import { readStateFile, type AgentState } from '../state-file.js';
import { configOrExit, usageError } from './options.js';

/** The agent writes its state every 2 s; older than this means it is not running. */
const STALE_MS = 10_000;

function isRunning(state: AgentState, now: number): boolean {
  if (now - state.updatedAt > STALE_MS) return false;
  try {
    process.kill(state.pid, 0);
    return true;
  } catch {
    return false;
  }
}

const iso = (ts: number | null) => (ts === null ? null : new Date(ts).toISOString());

/** `kcloud-agent status`: sources, last sample per source, outbox depth, broker connection. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('show whether the local agent runs, its sources, outbox depth and broker connection')
    .option('-c, --config <file>', 'agent config file (to find dataDir)')
    .option('--format <format>', 'table or json', 'table')
    .action((flags: { config?: string; format: string }) => {
      const config = configOrExit(flags.config);
      let format;
      try {
        format = parseFormat(flags.format, ['table', 'json'] as const);
      } catch (err) {
        usageError((err as Error).message);
      }
      const state = readStateFile(config.dataDir);
      if (!state) {
        console.error(`kcloud-agent: no status in ${config.dataDir} (the agent has not run with this dataDir)`);
        process.exit(1);
      }
      const running = isRunning(state, Date.now());
      if (format === 'json') {
        process.stdout.write(JSON.stringify({ running, ...state }, null, 2) + '\n');
        return;
      }
      const out = [
        `agent:    ${running ? 'running' : 'NOT running'} (pid ${state.pid}, node ${state.node}, cluster ${state.cluster}, version ${state.version}, updated ${iso(state.updatedAt)})`,
        `broker:   ${state.broker.url} ${state.broker.connected ? 'connected' : 'disconnected'}${state.broker.lastError ? ` (last error: ${state.broker.lastError})` : ''}`,
        `outbox:   ${state.outbox.depth} batches, ${state.outbox.bytes} bytes waiting, ${state.outbox.dropped} dropped${state.outbox.oldestTs ? `, oldest ${iso(state.outbox.oldestTs)}` : ''}`,
        '',
        renderTable(
          ['source', 'enabled', 'last sample', 'errors', 'reason'],
          Object.entries(state.sources).map(([name, s]) => [name, s.enabled ? 'yes' : 'no', iso(s.lastSampleTs), s.errors, s.lastError ?? s.reason]),
        ),
      ];
      process.stdout.write(out.join('\n'));
    });
}
