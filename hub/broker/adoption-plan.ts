/**
 * Which dead peers this hub adopts: all the offline peers of its group when
 * it is the online hub with the lowest client id (compared as strings, so
 * every hub of the group reaches the same answer from the same states), none
 * otherwise. A hub whose own connection is down adopts nothing.
 */
export function peersToAdopt(self: string, selfOnline: boolean, peers: ReadonlyMap<string, 'online' | 'offline'>): string[] {
  if (!selfOnline) return [];
  for (const [id, state] of peers) if (state === 'online' && id !== self && id < self) return [];
  return [...peers].filter(([id, state]) => state === 'offline' && id !== self).map(([id]) => id);
}
