import { afterEach, describe, expect, it } from 'vitest';
import { peersToAdopt } from '../../../hub/broker/adoption-plan.js';
import { PeerAdopter } from '../../../hub/broker/peer-adoption.js';
import { memoryLogger } from '../../helpers/logger.js';
import { freePort } from '../../helpers/mosquitto.js';
import { clientIdOfStateTopic, hubStatePayload, hubStateTopic, parseHubState } from '../../../hub/broker/hub-presence.js';

const peers = (o: Record<string, 'online' | 'offline'>) => new Map(Object.entries(o));

describe('who adopts a dead peer', () => {
  it('the online hub with the lowest client id adopts every offline peer; the others none', () => {
    const states = peers({ 'hub-b': 'online', 'hub-c': 'offline', 'hub-d': 'offline' });
    expect(peersToAdopt('hub-a', true, states)).toEqual(['hub-c', 'hub-d']);
    expect(peersToAdopt('hub-b', true, peers({ 'hub-a': 'online', 'hub-c': 'offline' }))).toEqual([]);
  });

  it('passes to the next lowest when the adopter dies, and to a lower hub that comes online', () => {
    expect(peersToAdopt('hub-b', true, peers({ 'hub-a': 'offline', 'hub-c': 'offline' }))).toEqual(['hub-a', 'hub-c']);
    expect(peersToAdopt('hub-b', true, peers({ 'hub-0': 'online', 'hub-c': 'offline' }))).toEqual([]);
  });

  it('adopts nothing while its own connection is down, and never itself', () => {
    expect(peersToAdopt('hub-a', false, peers({ 'hub-c': 'offline' }))).toEqual([]);
    expect(peersToAdopt('hub-a', true, peers({ 'hub-a': 'offline' }))).toEqual([]);
  });
});

describe('hub state topics', () => {
  it('round-trips the topic and the payload', () => {
    expect(clientIdOfStateTopic(hubStateTopic('hub-a'))).toBe('hub-a');
    expect(parseHubState(hubStatePayload('offline', 'ingest'))).toEqual({ v: 1, state: 'offline', group: 'ingest' });
  });

  it('ignores other topics and anything but a state message (an empty payload forgets the hub)', () => {
    for (const t of ['kcloud/hubs//state', 'kcloud/hubs/a/b/state', 'kcloud/v1/lab/gpu-01/status', 'kcloud/hubs/a/other']) expect(clientIdOfStateTopic(t)).toBeNull();
    for (const p of ['', 'not json', '[]', '{"v":1,"state":"dead","group":"g"}', '{"v":2,"state":"online","group":"g"}', '{"v":1,"state":"online"}', JSON.stringify({ v: 1, state: 'online', group: 'x'.repeat(2000) })])
      expect(parseHubState(Buffer.from(p))).toBeNull();
  });
});

describe('what a hub makes of the state topics it receives', () => {
  let adopter: PeerAdopter | undefined;
  afterEach(async () => adopter?.close());

  it('adopts an offline peer of its group once online itself; never an agent client id nor another group; lets go when the peer is back', async () => {
    // Nothing listens there: the adopted connection only has to be opened (the real broker is in peer-adoption.test.ts).
    adopter = new PeerAdopter('hub-a', 'ingest', `mqtt://127.0.0.1:${await freePort()}`, { protocolVersion: 5 }, () => Promise.resolve(true), memoryLogger().log);
    const state = (id: string, s: 'online' | 'offline', group = 'ingest') => adopter!.onState(hubStateTopic(id), hubStatePayload(s, group));
    state('hub-c', 'offline');
    expect(adopter.adopted()).toEqual([]);
    adopter.setSelfOnline(true);
    expect(adopter.adopted()).toEqual(['hub-c']);
    state('kcloud-agent-lab-gpu-01', 'offline');
    state('hub-x', 'offline', 'other');
    expect(adopter.adopted()).toEqual(['hub-c']);
    state('hub-c', 'online');
    expect(adopter.adopted()).toEqual([]);
  });
});
