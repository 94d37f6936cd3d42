import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generate, loadSchema, OPERATIONS, TYPES_FILE, tsType } from './pve-types-generator.js';

describe('PVE client types (hub/integrations/proxmox/api-types.ts)', () => {
  const schema = loadSchema();

  it('are what the generator makes from the PVE schema today (regenerate with --write)', () => {
    expect(readFileSync(TYPES_FILE, 'utf8')).toBe(generate(schema));
  });

  it('cover every call the client makes, each present in the schema', () => {
    const client = readFileSync(new URL('../../../../hub/integrations/proxmox/client.ts', import.meta.url), 'utf8');
    for (const [name, method, path] of OPERATIONS) {
      expect(schema.get(path)?.info[method], `${method} ${path}`).toBeDefined();
      if (!['Ticket'].includes(name)) expect(client, name).toMatch(new RegExp(`T\\.${name}(Params|Result)`));
    }
  });

  it('map schema types: booleans as 0/1 too, enums, numbered families, optional members', () => {
    expect(tsType({ type: 'boolean' })).toBe('boolean | 0 | 1');
    expect(tsType({ type: 'string', enum: ['running', 'stopped'] })).toBe('"running" | "stopped"');
    expect(tsType({ type: 'object', properties: { 'net[n]': { type: 'string', optional: 1 }, vmid: { type: 'integer' }, 'full-tokenid': { type: 'string', optional: 1 } } })).toBe(
      '{\n  "full-tokenid"?: string;\n  [key: `net${number}`]: string;\n  vmid: number;\n}',
    );
  });
});
