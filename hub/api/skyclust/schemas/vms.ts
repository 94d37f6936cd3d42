import { Type } from '@sinclair/typebox';
import { IsoTime, Nullable, Pagination } from './common.js';

/** A VM as the seed's "VM 조회" shows it, plus what the hub knows of its provider state. */
export const VmView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  provider: Type.String(),
  instance_type: Type.String(),
  status: Type.String(),
  status_reason: Nullable(Type.String()),
  region: Type.String(),
  zone: Nullable(Type.String()),
  image_id: Type.String(),
  key_pair: Nullable(Type.String()),
  instance_id: Nullable(Type.String()),
  public_ip: Nullable(Type.String()),
  private_ip: Nullable(Type.String()),
  workspace_id: Type.String(),
  credential_id: Type.String(),
  client_request_id: Type.String(),
  created_at: IsoTime,
  updated_at: IsoTime,
});

export const VmList = Type.Object({ vms: Type.Array(VmView), pagination: Pagination });
