#!/usr/bin/env node
import { Command } from 'commander';
import { registerQueryCommand } from './cli/query.js';
import { registerRunCommand } from './cli/run.js';
import { registerStatusCommand } from './cli/status.js';
import { VERSION } from '../shared/version.js';

const program = new Command('kcloud-agent')
  .description('kcloud per-host agent: reads GPU, BMC, RAPL and host telemetry and publishes it over MQTT to the hub')
  .version(VERSION)
  .showHelpAfterError();

registerRunCommand(program);
registerQueryCommand(program);
registerStatusCommand(program);

await program.parseAsync();
