import { describe, expect, it } from 'vitest';
import { redact } from '../../../../agent/collectors/ipmi/redact.js';

describe('redact', () => {
  it.each([
    // Telegraf's sanitizeIPMICmd case: the value after -P.
    ['ipmitool -I lanplus -H 10.0.0.5 -U admin -P s3cret sdr elist failed', [], 'ipmitool -I lanplus -H 10.0.0.5 -U admin -P [redacted] sdr elist failed'],
    ['env IPMI_PASSWORD=hunter2 ipmitool -E mc info', [], 'env IPMI_PASSWORD=[redacted] ipmitool -E mc info'],
    // Known secrets anywhere, however often, with regex characters taken literally.
    ['Unable to log in with a.b*c (a.b*c)', ['a.b*c'], 'Unable to log in with [redacted] ([redacted])'],
    // `-P` inside another word is not a password flag; empty secrets change nothing.
    ['ipmitool -I open sdr type -Power', [''], 'ipmitool -I open sdr type -Power'],
  ] as const)('%s', (text, secrets, want) => {
    expect(redact(text, secrets)).toBe(want);
  });
});
