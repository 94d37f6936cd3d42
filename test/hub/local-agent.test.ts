import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localNodeName } from '../../hub/local-agent.js';
import { openHubDb } from '../../hub/core/db.js';
import { NodeStore } from '../../hub/identity/nodes.js';
import { startTestHub } from '../helpers/hub.js';
import { fakePowercap, raplOnlyCollectors } from '../helpers/powercap.js';
import { waitFor, writeConfig } from '../helpers/spawn-agent.js';

describe('hub with its local agent (the README run command)', () => {
  it('turns the hostname into a valid node name', () => {
    expect(localNodeName('gpu-07.cluster.example')).toBe('gpu-07');
    expect(localNodeName('my host')).toBe('my-host');
    expect(localNodeName('___')).toBe('local');
  });

  it('provisions the credential, runs the agent against the embedded broker and stores its data', async () => {
    const power = fakePowercap([{ dir: 'intel-rapl:0', name: 'package-0', energyUj: 1_000_000 }]);
    let energy = 1_000_000;
    const ticker = setInterval(() => power.set('intel-rapl:0', (energy += 100_000)), 50);
    const agentConfig = writeConfig(`metrics: { listen: "" }
${raplOnlyCollectors(power.root, '200ms')}`);
    const { hub, dataDir } = await startTestHub({ localAgent: { enabled: true, config: agentConfig } });
    const name = localNodeName();
    const db = openHubDb(join(dataDir, 'hub.db'));
    try {
      const nodes = new NodeStore(db);
      await waitFor(() => (nodes.byName(name)?.lastSeq ?? null) !== null && nodes.byName(name)?.state === 'online', 30_000, 'local agent online with batches');
      const passwordFile = join(dataDir, 'local-agent', 'mqtt.password');
      expect(existsSync(passwordFile)).toBe(true);
      expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    } finally {
      clearInterval(ticker);
      await hub.stop();
    }
    // The agent said goodbye before the broker closed.
    const after = new NodeStore(db).byName(name)!;
    expect(after.state).toBe('offline');
    db.close();
  }, 60_000);
});
