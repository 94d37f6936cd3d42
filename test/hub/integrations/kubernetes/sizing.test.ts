import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { EcpConfigSchema, type EcpConfig } from '../../../../hub/integrations/kubernetes/ecp-config.js';
import {
  alternatives,
  deploymentTime,
  gpuTypeOf,
  minReplicasFor,
  monthlyCost,
  parseAvailability,
  parseResponseTime,
  presetFor,
  sizeTenant,
} from '../../../../hub/integrations/kubernetes/sizing.js';

const config = Value.Default(EcpConfigSchema, {}) as EcpConfig;

describe('ECP sizing model (docs/ecp.md)', () => {
  it('sizes the seed\'s calculate-resources example by the documented rules', () => {
    // 99.9% -> 3 replicas minimum; 150ms -> each replica serves 150/200 of its reference channels.
    const s = sizeTenant({ callbot: 100, chatbot: 200, advisor: 50 }, { availabilityPercent: 99.9, responseMs: 150 });
    expect(s.services.map((v) => [v.service, v.replicas, v.gpu])).toEqual([
      ['callbot', 6, 1], // ceil(100 * 4/3 / 25) = 6
      ['chatbot', 3, 0], // ceil(200 * 4/3 / 100) = 3
      ['advisor', 4, 1], // ceil(50 * 4/3 / 20) = 4
    ]);
    expect(s).toMatchObject({ preset: 'medium', totalChannels: 350, cpuMilli: 23000, memoryMi: 47104, gpu: 10, storageGi: 800, pods: 13, cpuLimitMilli: 46000, memoryLimitMi: 94208 });
    expect(gpuTypeOf(s, config)).toBe('v100');
    // (23 cores * 0.02 + 46 GiB * 0.003 + 10 GPUs * 1.2) * 730 h + 800/1024 TB * 20 = 9212.17
    expect(monthlyCost(s, 'v100', config.prices)).toEqual({ monthly: 9212, text: '$9212/month' });
  });

  it('offers the next smaller preset with the channels scaled to its band and the response time it costs', () => {
    const sla = { availabilityPercent: 99.9, responseMs: 150 };
    const req = { callbot: 100, chatbot: 200, advisor: 50 };
    const alt = alternatives(req, sla, sizeTenant(req, sla), config);
    // small holds 100 channels: 28 + 57 + 14, each service then at its 3 replicas minimum; 13 pods' load on 9 -> +44%.
    expect(alt).toEqual([{ preset: 'small', resources: { cpu: '15000m', memory: '30Gi', gpu: 6 }, cost: '$1824/month', performance_impact: 'response time about 44% higher expected' }]);
    expect(alternatives({ chatbot: 5 }, sla, sizeTenant({ chatbot: 5 }, sla), config)).toEqual([]);
  });

  it('preset bands, availability replicas and SLA parsing', () => {
    expect([0, 10, 11, 100, 101, 500, 501, 100_000].map(presetFor)).toEqual(['micro', 'micro', 'small', 'small', 'medium', 'medium', 'large', 'large']);
    expect([99, 99.49, 99.5, 99.89, 99.9, 99.99].map(minReplicasFor)).toEqual([1, 1, 2, 2, 3, 3]);
    expect(['99.9%', ' 99.95% ', '100%', '99.9', 'abc', '-1%'].map(parseAvailability)).toEqual([99.9, 99.95, null, null, null, null]);
    expect(['200ms', '1.5s', '49ms', '61s', '1e3ms', 'fast'].map(parseResponseTime)).toEqual([200, 1500, null, null, null, null]);
  });

  it('a relaxed response time never lowers capacity below the reference, a tight one at most quadruples it', () => {
    const relaxed = sizeTenant({ chatbot: 1000 }, { availabilityPercent: 99, responseMs: 2000 });
    expect(relaxed.services[0]!.replicas).toBe(10);
    const tight = sizeTenant({ chatbot: 1000 }, { availabilityPercent: 99, responseMs: 50 });
    expect(tight.services[0]!.replicas).toBe(40);
    expect(sizeTenant({}, { availabilityPercent: 99, responseMs: 200 })).toMatchObject({ services: [], gpu: 0, pods: 0, preset: 'micro' });
    expect(gpuTypeOf(relaxed, config)).toBeNull();
  });

  it('is deterministic and the cost follows the configured prices', () => {
    const sla = { availabilityPercent: 99.5, responseMs: 200 };
    expect(sizeTenant({ stt: 30, tts: 30 }, sla)).toEqual(sizeTenant({ tts: 30, stt: 30 }, sla));
    const s = sizeTenant({ stt: 30 }, sla);
    const cheap = monthlyCost(s, 't4', { ...config.prices, gpuHour: { t4: 0 }, cpuCoreHour: 0, memoryGiBHour: 0, storageTBMonth: 0 });
    expect(cheap.monthly).toBe(0);
    expect(monthlyCost(s, 'unknown-gpu', config.prices).monthly).toBeLessThan(monthlyCost(s, 't4', config.prices).monthly);
    expect(deploymentTime(13)).toBe('10-15 minutes');
  });
});
