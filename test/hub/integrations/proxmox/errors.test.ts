import { describe, expect, it } from 'vitest';
import { pveErrorFromAnswer } from '../../../../hub/integrations/proxmox/errors.js';
import { taskOutcome } from '../../../../hub/integrations/proxmox/task-result.js';

describe('pveErrorFromAnswer', () => {
  it('PVE 7: reason phrase plus the body\'s errors', () => {
    const e = pveErrorFromAnswer(400, 'Parameter verification failed.', '{"data":null,"errors":{"vmid":"VM 218 already exists\\n"}}');
    expect(e.message).toBe('Parameter verification failed: vmid: VM 218 already exists');
    expect(e.kind).toBe('api');
    expect(e.status).toBe(400);
    expect(e.errors).toEqual({ vmid: 'VM 218 already exists' });
  });

  it('PVE 8: `message` is read, its repeated parameter lines not doubled', () => {
    const e = pveErrorFromAnswer(400, 'Parameter verification failed.', JSON.stringify({ data: null, errors: { vmid: 'VM 218 already exists' }, message: 'Parameter verification failed.\nvmid: VM 218 already exists\n' }));
    expect(e.message).toBe('Parameter verification failed: vmid: VM 218 already exists');
  });

  it('a 401 is an auth error; an empty or non-JSON body falls back to the reason, then the status', () => {
    expect(pveErrorFromAnswer(401, 'authentication failure', '').kind).toBe('auth');
    expect(pveErrorFromAnswer(500, 'VM is locked (clone)', '<html>').message).toBe('VM is locked (clone)');
    expect(pveErrorFromAnswer(502, '', '').message).toBe('HTTP 502');
  });
});

describe('taskOutcome', () => {
  it('OK, WARNINGS: n and an error text', () => {
    expect(taskOutcome({ exitstatus: 'OK' })).toEqual({ ok: true, warnings: 0 });
    expect(taskOutcome({ exitstatus: 'WARNINGS: 3' })).toEqual({ ok: true, warnings: 3 });
    expect(taskOutcome({ exitstatus: "clone failed: storage 'x' does not exist" })).toEqual({ ok: false, error: "clone failed: storage 'x' does not exist" });
    expect(taskOutcome({})).toEqual({ ok: false, error: 'task stopped without an exit status' });
  });
});
