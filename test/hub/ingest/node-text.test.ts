import { describe, expect, it } from 'vitest';
import { cleanInventoryText, cleanStatusText } from '../../../hub/ingest/node-text.js';
import type { InventoryMessage, StatusMessage } from '../../../shared/schema/message.js';

const header = { v: 1 as const, cluster: 'lab', node: 'gpu-01', ts: 1_763_900_000_000 };

describe('node-supplied text', () => {
  it('cleans and caps every string of an inventory, keys included, at any depth', () => {
    const msg: InventoryMessage = {
      ...header,
      inventory: { host: { hostname: '<b>node</b>', '<i>key</i>': 1, gpus: [{ name: 'A100 "SXM"\u0007' }], long: 'x'.repeat(5000) }, ipmi: [[['\u202edeep']]] },
    };
    cleanInventoryText(msg);
    expect(msg.inventory).toEqual({
      host: { hostname: 'bnode/b', 'ikey/i': 1, gpus: [{ name: 'A100 SXM' }], long: `${'x'.repeat(1023)}…` },
      ipmi: [[['deep']]],
    });
  });

  it("cleans and caps a status's agent version and collector reasons", () => {
    const msg: StatusMessage = {
      ...header,
      state: 'online',
      agentVersion: `<script>${'1'.repeat(100)}`,
      sources: { ipmi: { enabled: false, reason: `ipmitool: "denied"\r\n${'r'.repeat(400)}`, lastSampleTs: null, errors: 1 } },
    };
    cleanStatusText(msg);
    expect(msg.agentVersion).toBe(`script${'1'.repeat(57)}…`);
    expect(msg.sources!.ipmi!.reason).toBe(`ipmitool: denied${'r'.repeat(283)}…`);
  });
});
