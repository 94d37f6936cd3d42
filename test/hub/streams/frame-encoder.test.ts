import { describe, expect, it } from 'vitest';
import { lastFrameEncoder } from '../../../hub/streams/frame-encoder.js';

describe('lastFrameEncoder', () => {
  it('encodes a value once for all its recipients and a new value afresh', () => {
    const frame = lastFrameEncoder();
    const a = { total_power_watts: 1200.5, name: 'é' };
    const first = frame(a);
    expect(JSON.parse(first.toString('utf8'))).toEqual(a);
    expect(frame(a)).toBe(first);
    const b = { total_power_watts: 900 };
    expect(JSON.parse(frame(b).toString('utf8'))).toEqual(b);
    expect(frame(b)).not.toBe(first);
  });
});
