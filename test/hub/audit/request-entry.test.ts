import { describe, expect, it } from 'vitest';
import { entryFor, resourceOf } from '../../../hub/audit/request-entry.js';

describe('audit entry of a request', () => {
  it('names the resource by the route\'s first segment after the API prefix, the id by its first parameter', () => {
    expect(resourceOf('/api/v1/workspaces', {})).toEqual({ resource: 'workspace', resourceId: null });
    expect(resourceOf('/api/v1/workspaces/:id/members/:user_id', { id: 'w-1', user_id: 4 })).toEqual({ resource: 'workspace', resourceId: 'w-1' });
    expect(resourceOf('/api/v1/api-keys/:id', { id: 7 })).toEqual({ resource: 'api_key', resourceId: '7' });
    expect(resourceOf('/api/v1/auth/login', {})).toEqual({ resource: 'auth', resourceId: null });
    expect(resourceOf('/api2/json/nodes/:node/qemu', { node: 'pve1' })).toEqual({ resource: 'node', resourceId: 'pve1' });
    expect(resourceOf('/api/v1/policies', {})).toEqual({ resource: 'policy', resourceId: null });
    expect(resourceOf('/api/v1', {})).toEqual({ resource: 'root', resourceId: null });
  });

  it('maps method to action and status to success; route naming and handler notes win', () => {
    const base = {
      method: 'DELETE',
      routeUrl: '/api/v1/workspaces/:id',
      params: { id: 'w-1' },
      statusCode: 200,
      user: { userId: 3, username: 'ann' },
      ip: '10.0.0.9',
      userAgent: 'curl/8.5.0',
      route: undefined,
      note: null,
    };
    expect(entryFor(base)).toEqual({
      userId: 3,
      username: 'ann',
      action: 'delete',
      resource: 'workspace',
      resourceId: 'w-1',
      success: true,
      ip: '10.0.0.9',
      userAgent: 'curl/8.5.0',
      details: { method: 'DELETE', route: '/api/v1/workspaces/:id', status: 200 },
    });
    expect(entryFor({ ...base, method: 'PATCH', statusCode: 403 })).toMatchObject({ action: 'update', success: false });
    expect(entryFor({ ...base, method: 'POST', routeUrl: '/api/v1/auth/login', params: {}, user: null, route: { action: 'login' }, note: { userId: 5, username: 'bo' } })).toMatchObject({
      action: 'login',
      resource: 'auth',
      userId: 5,
      username: 'bo',
    });
    expect(entryFor({ ...base, userAgent: 'x'.repeat(5000) }).userAgent).toHaveLength(512);
  });
});
