import { Type } from '@sinclair/typebox';
import { IsoTime, Nullable, Pagination } from './common.js';

export const MemberRole = Type.Union([Type.Literal('owner'), Type.Literal('member')]);

export const WorkspaceView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: Type.String(),
  owner_id: Nullable(Type.Integer({ description: 'null once the creator was deleted' })),
  is_active: Type.Boolean(),
  created_at: IsoTime,
  updated_at: IsoTime,
});

/** The create answer has no updated_at, the update answer only what can change. */
export const WorkspaceCreated = Type.Omit(WorkspaceView, ['updated_at']);
export const WorkspaceUpdated = Type.Pick(WorkspaceView, ['id', 'name', 'description', 'is_active', 'updated_at']);

export const WorkspaceList = Type.Object({ workspaces: Type.Array(WorkspaceView), pagination: Pagination });

export const MemberView = Type.Object({ user_id: Type.Integer(), username: Type.String(), role: MemberRole, added_at: IsoTime });

export const MemberList = Type.Object({ members: Type.Array(MemberView), pagination: Pagination });
