import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/**
 * Ingest hubs on an external broker announce themselves on
 * `kcloud/hubs/<clientId>/state`: retained `online` when connected, and the
 * same topic as their MQTT Will, retained `offline`, which the broker
 * publishes when the connection dies without a DISCONNECT. The other hubs of
 * the group learn their peers' client ids from these topics alone
 * (docs/scale-out.md, "Several ingest hubs").
 */
export const HUB_STATE_FILTER = 'kcloud/hubs/+/state';

/** The broker publishes the Will this long after the connection died, unless the hub is back by then (a network blip). */
export const WILL_DELAY_SECONDS = 5;

/** Most peers one hub keeps track of; state topics beyond it are ignored. */
export const MAX_PEERS = 256;

export function hubStateTopic(clientId: string): string {
  return `kcloud/hubs/${clientId}/state`;
}

/** The client id a state topic names; null when the topic is not a hub state topic. */
export function clientIdOfStateTopic(topic: string): string | null {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== 'kcloud' || parts[1] !== 'hubs' || parts[3] !== 'state' || !parts[2]) return null;
  return parts[2];
}

const HubStateMessage = Type.Object({
  v: Type.Literal(1),
  state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
  /** The hub's shared-subscription group: only hubs of the same group adopt each other. */
  group: Type.String({ maxLength: 256 }),
});
export type HubStateMessage = Static<typeof HubStateMessage>;
const compiled = TypeCompiler.Compile(HubStateMessage);

export function hubStatePayload(state: HubStateMessage['state'], group: string): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, state, group } satisfies HubStateMessage));
}

/** A state message, or null for anything else (an empty payload clears a retained state: the hub is forgotten). */
export function parseHubState(payload: Buffer): HubStateMessage | null {
  if (payload.length === 0 || payload.length > 1024) return null;
  let data: unknown;
  try {
    data = JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
  return compiled.Check(data) ? data : null;
}
