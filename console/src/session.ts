import { request, sky } from './api';

export interface Me {
  id: string;
  username: string;
  role: 'admin' | 'user' | 'viewer';
  permissions: string[];
}

/** The signed-in user (its permissions decide which controls the console shows; the hub checks every call anyway), or null. */
export async function currentUser(): Promise<Me | null> {
  try {
    return await sky<Me>('/users/me');
  } catch {
    return null;
  }
}

/** The Proxmox manager's session login (docs/security.md, "Session cookie"): an HttpOnly, SameSite=Strict cookie. */
export async function login(username: string, password: string): Promise<void> {
  await request('/api/auth/login', { method: 'POST', body: { username, password } });
}

export async function logout(): Promise<void> {
  await request('/api/auth/logout', { method: 'POST' });
}

export const can = (me: Me, permission: string): boolean => me.permissions.includes(permission);
