import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../helpers/api.js';

/** openapi-spec-validator (Python, an implementation independent of the hub's @fastify/swagger) on a document written to a file. */
async function validate(doc: unknown): Promise<{ exitCode: number | undefined; output: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'kcloud-openapi-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(doc));
  const r = await execa('python3', ['-m', 'openapi_spec_validator', '--validation-errors', 'all', file], { reject: false, all: true });
  return { exitCode: r.exitCode, output: r.all ?? '' };
}

describe('the hub\'s OpenAPI document (real hub, independent validator)', () => {
  let hub: ApiHub;
  let doc: { openapi: string; paths: Record<string, unknown> };
  beforeAll(async () => {
    hub = await startApiHub();
    doc = await hub.json('/docs/json', { user: null });
  });
  afterAll(() => hub?.close());

  it('validates with openapi-spec-validator', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(40);
    const { exitCode, output } = await validate(doc);
    expect(output).toContain(': OK');
    expect(exitCode, output).toBe(0);
  });

  it('is judged by a validator that does refuse a broken document', async () => {
    // The same document with one operation's responses made a string: the validator must say so, or the test above proves nothing.
    const [path, ops] = Object.entries(doc.paths)[0]! as [string, Record<string, Record<string, unknown>>];
    const [method, op] = Object.entries(ops)[0]!;
    const broken = { ...doc, paths: { ...doc.paths, [path]: { ...ops, [method]: { ...op, responses: 'none' } } } };
    const { exitCode, output } = await validate(broken);
    expect(exitCode).not.toBe(0);
    expect(output).toContain('responses');
  });
});
