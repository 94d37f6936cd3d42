import { Type } from '@sinclair/typebox';

/** errors.ts: `{error: {code, message, details}}`; details of a 400 are `{field, reason}`, others free-form. */
export const PveError = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Object({}, { additionalProperties: true }) }) },
  { description: 'Proxmox manager error body' },
);
export const PveErrors = { '4xx': PveError, '5xx': PveError };

export const LoginAnswer = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  user: Type.Object({ id: Type.Integer(), username: Type.String(), role: Type.String() }),
  expires_at: Type.String({ format: 'date-time', description: 'when the session cookie expires' }),
});

export const LogoutAnswer = Type.Object({ success: Type.Boolean(), message: Type.String() });

const DateTime = Type.String({ format: 'date-time' });

export const Server = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  ip_address: Type.String(),
  role: Type.String({ description: 'web, was or db' }),
  status: Type.String({ description: "live from PVE: running, stopped, ...; 'creating', 'error' (creation failed), 'deleting', 'missing' (VM gone from PVE), 'unknown' (PVE not answering)" }),
  cpu: Type.Integer(),
  memory: Type.Integer({ description: 'MB' }),
  disk_size: Type.Integer({ description: 'GB' }),
  vmid: Type.Union([Type.Integer(), Type.Null()]),
  node: Type.Union([Type.String(), Type.Null()]),
  created_at: DateTime,
  updated_at: DateTime,
});

export const ServerList = Type.Object({ servers: Type.Array(Server), total: Type.Integer() });

const Name = Type.String({ minLength: 1, maxLength: 63 });
const NetworkConfig = Type.Object(
  {
    ip_address: Type.String({ maxLength: 15 }),
    subnet: Type.Union([Type.String({ maxLength: 15 }), Type.Integer()]),
    gateway: Type.String({ maxLength: 15 }),
  },
  { additionalProperties: false },
);

export const ServerRequest = Type.Object(
  {
    name: Name,
    role: Type.String({ maxLength: 16 }),
    cpu: Type.Integer(),
    memory: Type.Integer({ description: 'MB' }),
    disk_size: Type.Integer({ description: 'GB' }),
    network_config: NetworkConfig,
  },
  { additionalProperties: false },
);

export const TaskStarted = Type.Object({ success: Type.Boolean(), message: Type.String(), task_id: Type.String() });

export const Task = Type.Object({
  task_id: Type.String(),
  type: Type.String({ description: 'create, delete, bulk-create, ...' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed')]),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  message: Type.String(),
  step: Type.Union([Type.String(), Type.Null()], { description: 'the step running, or the one that failed' }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'on failure: the PVE error (with the task log\'s last lines)' }),
  server_id: Type.Union([Type.Integer(), Type.Null()]),
  created_at: DateTime,
  updated_at: DateTime,
  finished_at: Type.Union([DateTime, Type.Null()]),
});

export const ServerId = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }) });

export const BulkCreateRequest = Type.Object(
  {
    servers: Type.Array(
      Type.Object(
        { name: Name, role: Type.String({ maxLength: 16 }), cpu: Type.Integer(), memory: Type.Integer({ description: 'MB' }), disk_size: Type.Integer({ description: 'GB' }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 100 },
    ),
    network_config: Type.Object(
      { ip_range: Type.String({ maxLength: 31, description: 'a.b.c.d-a.b.c.e' }), subnet: Type.Union([Type.String({ maxLength: 15 }), Type.Integer()]), gateway: Type.String({ maxLength: 15 }) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const BulkCreateAnswer = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  task_id: Type.String({ description: 'the parent task: its progress is the whole' }),
  servers: Type.Array(Type.Object({ server_id: Type.Integer(), name: Type.String(), ip_address: Type.String(), task_id: Type.String() })),
});

export const BulkDeleteRequest = Type.Object({ server_ids: Type.Array(Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }), { minItems: 1, maxItems: 100 }) }, { additionalProperties: false });

export const BulkDeleteAnswer = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  task_id: Type.String(),
  results: Type.Array(Type.Object({ server_id: Type.Integer(), task_id: Type.String() })),
});

export const PowerRequest = Type.Object({ status: Type.Union([Type.Literal('running'), Type.Literal('stopped'), Type.Literal('rebooted')]) }, { additionalProperties: false });

export const BackupEntry = Type.Object({
  id: Type.String({ description: 'the same as backup_id (an archive is named by its file, not a number)' }),
  backup_id: Type.String({ description: 'the vzdump archive name' }),
  server_id: Type.Integer(),
  server_name: Type.String(),
  status: Type.Literal('completed'),
  size: Type.String({ description: 'human readable, binary multiples: "2.5GB"' }),
  size_bytes: Type.Integer(),
  volid: Type.String(),
  node: Type.String(),
  created_at: DateTime,
});
export const BackupList = Type.Object({ backups: Type.Array(BackupEntry), total: Type.Integer() });
export const BackupCreateRequest = Type.Object(
  { server_id: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }), backup_type: Type.Optional(Type.Literal('full', { description: 'vzdump archives are full backups' })) },
  { additionalProperties: false },
);
export const BackupIdParams = Type.Object({ backup_id: Type.String({ maxLength: 100 }) });
export const RestoreRequest = Type.Object({ target_server_id: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }), overwrite: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false });
export const Done = Type.Object({ success: Type.Boolean(), message: Type.String() });
