import { describe, expect, it } from 'vitest';
import { parseTopic, topicFor } from '../../shared/topics.js';

describe('topics', () => {
  it('builds and parses the documented layout', () => {
    const t = topicFor('prod-a', 'gpu-01', 'telemetry');
    expect(t).toBe('kcloud/v1/prod-a/gpu-01/telemetry');
    expect(parseTopic(t)).toEqual({ cluster: 'prod-a', node: 'gpu-01', kind: 'telemetry' });
  });

  it.each([
    'kcloud/v2/a/b/telemetry',
    'kcloud/v1/a/b/unknown',
    'kcloud/v1/a/b/telemetry/extra',
    'kcloud/v1/a/+/telemetry',
    'kcloud/v1/a/#/status',
    'other/v1/a/b/status',
  ])('rejects %s', (topic) => expect(parseTopic(topic)).toBeNull());
});
