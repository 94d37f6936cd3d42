import mqtt from 'mqtt';
import { decodeMessage, type InventoryMessage, type Sample, type StatusMessage } from '../../shared/schema/message.js';

/** What a plain MQTT consumer of the agents' topics has seen so far: every sample, the latest inventory and status. */
export interface AgentMessages {
  samples: Sample[];
  inventory: InventoryMessage | undefined;
  status: StatusMessage | undefined;
  close(): Promise<void>;
}

/** Subscribes to `topic` (e.g. `kcloud/v1/#`) on a broker and decodes what agents publish there with the shared schema. */
export async function collectAgentMessages(url: string, topic: string): Promise<AgentMessages> {
  const sub = await mqtt.connectAsync(url);
  const seen: AgentMessages = { samples: [], inventory: undefined, status: undefined, close: () => sub.endAsync() };
  sub.on('message', (t, payload) => {
    const kind = t.split('/')[4];
    if (kind === 'telemetry') {
      const m = decodeMessage('telemetry', payload);
      if (m.ok) seen.samples.push(...m.value.samples);
    } else if (kind === 'inventory') {
      const m = decodeMessage('inventory', payload);
      if (m.ok) seen.inventory = m.value;
    } else if (kind === 'status') {
      const m = decodeMessage('status', payload);
      if (m.ok) seen.status = m.value;
    }
  });
  await sub.subscribeAsync(topic, { qos: 1 });
  return seen;
}
