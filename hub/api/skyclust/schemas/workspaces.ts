import { Type } from '@sinclair/typebox';
import { IsoTime, Nullable, Pagination, Uuid } from './common.js';

export const MemberRole = Type.Union([Type.Literal('owner'), Type.Literal('member')]);

export const WorkspaceView = Type.Object({
  id: Uuid,
  name: Type.String({ description: 'unique among the owner\'s workspaces' }),
  description: Type.String(),
  owner_id: Nullable(Type.String({ format: 'uuid', description: 'the creator\'s user id; null once the creator was deleted' })),
  is_active: Type.Boolean(),
  created_at: IsoTime,
  updated_at: IsoTime,
});

/** The create answer has no updated_at, the update answer only what can change. */
export const WorkspaceCreated = Type.Omit(WorkspaceView, ['updated_at']);
export const WorkspaceUpdated = Type.Pick(WorkspaceView, ['id', 'name', 'description', 'is_active', 'updated_at']);

export const WorkspaceList = Type.Object({ workspaces: Type.Array(WorkspaceView), pagination: Pagination });

export const MemberView = Type.Object({ user_id: Uuid, username: Type.String(), role: MemberRole, added_at: IsoTime });

/**
 * POST /workspaces/{id}/members: the person by a name the caller already
 * knows (exactly one of user_id, username, email). An account the caller
 * may not add (unknown, disabled, or an admin when the caller is not one)
 * gets the same 400, so the answer tells nothing about other accounts.
 */
export const AddMember = Type.Object(
  {
    user_id: Type.Optional(Uuid),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    role: Type.Optional(MemberRole),
  },
  { additionalProperties: false },
);

export const MemberList = Type.Object({ members: Type.Array(MemberView), pagination: Pagination });
