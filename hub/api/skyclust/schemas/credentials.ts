import { Type } from '@sinclair/typebox';
import { IsoTime, Nullable, Pagination } from './common.js';

/** A cloud credential as every answer shows it: never its data. */
export const CredentialView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  provider: Type.String(),
  workspace_id: Nullable(Type.String()),
  owner_id: Nullable(Type.String()),
  is_active: Type.Boolean(),
  created_at: IsoTime,
  updated_at: IsoTime,
});

export const CredentialList = Type.Object({ credentials: Type.Array(CredentialView), pagination: Pagination });
