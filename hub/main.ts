#!/usr/bin/env node
import { Command } from 'commander';
import { VERSION } from '../shared/version.js';
import { registerNodeCommand } from './cli/node.js';
import { registerQueryCommand } from './cli/query.js';
import { registerRunCommand } from './cli/run.js';
import { registerSecretsCommand } from './cli/secrets.js';
import { registerStatusCommand } from './cli/status.js';
import { registerUserCommand } from './cli/user.js';

const program = new Command('kcloud-hub')
  .description('kcloud hub: MQTT broker, ingest and time-series store for the fleet\'s agents')
  .version(VERSION)
  .showHelpAfterError();

registerRunCommand(program);
registerNodeCommand(program);
registerUserCommand(program);
registerQueryCommand(program);
registerStatusCommand(program);
registerSecretsCommand(program);

await program.parseAsync();
