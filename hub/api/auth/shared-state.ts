import fp from 'fastify-plugin';
import type { SharedState } from '../../redis/shared-state.js';

/**
 * Ties the Redis shared by several hubs to the HTTP server's life: connects
 * before the hub listens, makes every response wait for the Redis writes it
 * caused (a logout's revocation, a failed login), so a client that moves to
 * another hub right after the answer is already refused there, and closes
 * the connections with the server. Nothing without `redis.url`.
 */
export const sharedStatePlugin = fp<{ shared: SharedState | null }>(
  async (app, { shared }) => {
    if (!shared) return;
    app.addHook('onReady', () => shared.connect());
    app.addHook('onSend', async () => {
      await shared.barrier.settled();
    });
    app.addHook('onClose', () => shared.close());
  },
  { name: 'kcloud-shared-state' },
);
