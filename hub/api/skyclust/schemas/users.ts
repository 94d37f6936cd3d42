import { Type } from '@sinclair/typebox';
import { RoleSchema } from '../user-view.js';
import { IsoTime, Nullable, Pagination, Uuid } from './common.js';

/** user-view.ts userView(): never the password hash. */
export const UserView = Type.Object({
  id: Type.String({ format: 'uuid', description: 'the user\'s stable id, as skyclust-api has it' }),
  username: Type.String(),
  email: Nullable(Type.String()),
  role: RoleSchema,
  is_active: Type.Boolean(),
  created_at: IsoTime,
});

export const Me = Type.Object({
  ...UserView.properties,
  permissions: Type.Array(Type.String(), { description: 'the role\'s permissions, narrowed to the scopes of the API key used' }),
  auth_method: Type.Union([Type.Literal('basic'), Type.Literal('jwt'), Type.Literal('api_key'), Type.Literal('session')]),
});

export const UserList = Type.Object({ users: Type.Array(UserView), pagination: Pagination });

export const UserId = Type.Object({ id: Uuid });
