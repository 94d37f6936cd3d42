import type { EcpConfig } from './ecp-config.js';

/**
 * The ECP-AI sizing model (docs/ecp.md, "Sizing model"): pure and
 * deterministic, from the concurrent channels per service and the SLA to
 * replicas, requests/limits, GPUs, storage, preset and cost.
 */

export const SERVICE_TYPES = ['callbot', 'chatbot', 'advisor', 'stt', 'tts', 'ta', 'qa'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export const PRESETS = ['micro', 'small', 'medium', 'large'] as const;
export type Preset = (typeof PRESETS)[number];

/** One replica of a service: how many concurrent channels it serves at the reference response time, and what it requests. */
export interface ServiceProfile {
  channelsPerReplica: number;
  cpuMilli: number;
  memoryMi: number;
  /** nvidia.com/gpu per replica (0 or 1: the AI models do not split across GPUs). */
  gpu: number;
}

export const SERVICE_PROFILES: Readonly<Record<ServiceType, ServiceProfile>> = {
  callbot: { channelsPerReplica: 25, cpuMilli: 2000, memoryMi: 4096, gpu: 1 },
  chatbot: { channelsPerReplica: 100, cpuMilli: 1000, memoryMi: 2048, gpu: 0 },
  advisor: { channelsPerReplica: 20, cpuMilli: 2000, memoryMi: 4096, gpu: 1 },
  stt: { channelsPerReplica: 50, cpuMilli: 1000, memoryMi: 4096, gpu: 1 },
  tts: { channelsPerReplica: 50, cpuMilli: 1000, memoryMi: 2048, gpu: 1 },
  ta: { channelsPerReplica: 200, cpuMilli: 500, memoryMi: 1024, gpu: 0 },
  qa: { channelsPerReplica: 200, cpuMilli: 500, memoryMi: 1024, gpu: 0 },
};

/** Limits are this multiple of the requests (CPU and memory; a GPU's limit equals its request, as Kubernetes requires). */
export const LIMIT_FACTOR = 2;
/** The response time the profiles' channel counts are measured at. */
export const REFERENCE_RESPONSE_MS = 200;
/** A tighter target shrinks a replica's channels by REFERENCE/target, at most by this factor. */
export const MAX_RESPONSE_FACTOR = 4;
export const MIN_RESPONSE_MS = 50;
export const MAX_RESPONSE_MS = 60_000;
/** Storage: a base per tenant plus a share per concurrent channel (recordings, logs, models' caches). */
export const STORAGE_BASE_GI = 100;
export const STORAGE_PER_CHANNEL_GI = 2;
/** Channels one service may ask for; more is refused rather than sized. */
export const MAX_CHANNELS = 100_000;
export const HOURS_PER_MONTH = 730;

/** Upper bound (inclusive) of total concurrent channels per preset; large has none. */
export const PRESET_BANDS: Readonly<Record<Preset, number>> = { micro: 10, small: 100, medium: 500, large: Infinity };

/** Replicas every service keeps for an availability target: one below 99.5 %, two up to 99.9 %, three from 99.9 %. */
export function minReplicasFor(availabilityPercent: number): number {
  if (availabilityPercent >= 99.9) return 3;
  if (availabilityPercent >= 99.5) return 2;
  return 1;
}

export interface Sla {
  availabilityPercent: number;
  responseMs: number;
}

export const DEFAULT_SLA: Sla = { availabilityPercent: 99.5, responseMs: REFERENCE_RESPONSE_MS };

/** "99.9%" -> 99.9; null when it is not a percentage in [0, 100). */
export function parseAvailability(text: string): number | null {
  const m = /^(\d{1,2}(?:\.\d{1,4})?)%$/.exec(text.trim());
  return m ? Number(m[1]) : null;
}

/** "200ms" or "1.5s" -> milliseconds; null outside [MIN_RESPONSE_MS, MAX_RESPONSE_MS]. */
export function parseResponseTime(text: string): number | null {
  const m = /^(\d{1,5}(?:\.\d{1,3})?)(ms|s)$/.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  return ms >= MIN_RESPONSE_MS && ms <= MAX_RESPONSE_MS ? ms : null;
}

export interface ServiceSizing {
  service: ServiceType;
  channels: number;
  replicas: number;
  /** Per replica. */
  cpuRequestMilli: number;
  memoryRequestMi: number;
  cpuLimitMilli: number;
  memoryLimitMi: number;
  gpu: number;
}

export interface Sizing {
  preset: Preset;
  services: ServiceSizing[];
  totalChannels: number;
  /** Totals of the requests over every replica. */
  cpuMilli: number;
  memoryMi: number;
  gpu: number;
  storageGi: number;
  /** Totals of the limits (ResourceQuota limits.*). */
  cpuLimitMilli: number;
  memoryLimitMi: number;
  pods: number;
}

export type Requirements = Partial<Record<ServiceType, number>>;

/** The smallest preset whose band holds this many channels. */
export function presetFor(totalChannels: number): Preset {
  return PRESETS.find((p) => totalChannels <= PRESET_BANDS[p])!;
}

/** Sizes a tenant; services with 0 channels get no Deployment. */
export function sizeTenant(requirements: Requirements, sla: Sla): Sizing {
  const factor = Math.min(MAX_RESPONSE_FACTOR, Math.max(1, REFERENCE_RESPONSE_MS / sla.responseMs));
  const minReplicas = minReplicasFor(sla.availabilityPercent);
  const services: ServiceSizing[] = [];
  for (const service of SERVICE_TYPES) {
    const channels = requirements[service] ?? 0;
    if (channels <= 0) continue;
    const p = SERVICE_PROFILES[service];
    // Rounded to 1e-9 first so that e.g. 100 * 1.3333 does not become 134 replicas' worth by float error.
    const needed = Math.ceil(Math.round(((channels * factor) / p.channelsPerReplica) * 1e9) / 1e9);
    services.push({
      service,
      channels,
      replicas: Math.max(minReplicas, needed),
      cpuRequestMilli: p.cpuMilli,
      memoryRequestMi: p.memoryMi,
      cpuLimitMilli: p.cpuMilli * LIMIT_FACTOR,
      memoryLimitMi: p.memoryMi * LIMIT_FACTOR,
      gpu: p.gpu,
    });
  }
  const sum = (f: (s: ServiceSizing) => number) => services.reduce((a, s) => a + f(s) * s.replicas, 0);
  const totalChannels = services.reduce((a, s) => a + s.channels, 0);
  return {
    preset: presetFor(totalChannels),
    services,
    totalChannels,
    cpuMilli: sum((s) => s.cpuRequestMilli),
    memoryMi: sum((s) => s.memoryRequestMi),
    gpu: sum((s) => s.gpu),
    storageGi: STORAGE_BASE_GI + STORAGE_PER_CHANNEL_GI * totalChannels,
    cpuLimitMilli: sum((s) => s.cpuLimitMilli),
    memoryLimitMi: sum((s) => s.memoryLimitMi),
    pods: services.reduce((a, s) => a + s.replicas, 0),
  };
}

export interface Cost {
  monthly: number;
  text: string;
}

/**
 * Monthly cost of the requests: cores, GiB and GPUs for 730 h at the
 * configured prices, plus storage per TB-month, plus `energyMonthly` (a
 * running tenant's measured GPU energy priced per kWh, energy-cost.ts).
 */
export function monthlyCost(s: Pick<Sizing, 'cpuMilli' | 'memoryMi' | 'gpu' | 'storageGi'>, gpuType: string | null, prices: EcpConfig['prices'], energyMonthly = 0): Cost {
  const gpuHour = gpuType === null ? 0 : (prices.gpuHour[gpuType] ?? 0);
  const hourly = (s.cpuMilli / 1000) * prices.cpuCoreHour + (s.memoryMi / 1024) * prices.memoryGiBHour + s.gpu * gpuHour;
  const monthly = Math.round(hourly * HOURS_PER_MONTH + (s.storageGi / 1024) * prices.storageTBMonth + energyMonthly);
  return { monthly, text: `${prices.currency}${monthly}/month` };
}

/** The GPU type of a sizing: the preset's configured type, null when it has no GPU. */
export function gpuTypeOf(s: Pick<Sizing, 'gpu' | 'preset'>, config: Pick<EcpConfig, 'gpuTypeByPreset'>): string | null {
  return s.gpu > 0 ? config.gpuTypeByPreset[s.preset] : null;
}

/** Kubernetes quantities as the seed writes them: CPU in millicores, memory in Gi when whole (else Mi), storage in TB with one decimal. */
export const quantity = {
  cpu: (milli: number) => `${milli}m`,
  memory: (mi: number) => (mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`),
  storage: (gi: number) => `${(gi / 1024).toFixed(1)}TB`,
};

export interface Alternative {
  preset: Preset;
  resources: { cpu: string; memory: string; gpu: number };
  cost: string;
  performance_impact: string;
}

/**
 * The next smaller preset, when there is one: the same services with their
 * channels scaled down to that preset's band (the replicas it would get),
 * and the response time increase this implies (channels over capacity).
 */
export function alternatives(requirements: Requirements, sla: Sla, sized: Sizing, config: Pick<EcpConfig, 'gpuTypeByPreset' | 'prices'>): Alternative[] {
  const index = PRESETS.indexOf(sized.preset);
  if (index === 0 || sized.totalChannels === 0) return [];
  const preset = PRESETS[index - 1]!;
  const ratio = PRESET_BANDS[preset] / sized.totalChannels;
  const scaled: Requirements = {};
  for (const [k, v] of Object.entries(requirements) as [ServiceType, number][]) if (v > 0) scaled[k] = Math.max(1, Math.floor(v * ratio));
  const smaller = sizeTenant(scaled, sla);
  // Served by fewer replicas, the same load waits longer in proportion (a queue at the same utilisation).
  const increase = Math.round((sized.pods / smaller.pods - 1) * 100);
  return [
    {
      preset,
      resources: { cpu: quantity.cpu(smaller.cpuMilli), memory: quantity.memory(smaller.memoryMi), gpu: smaller.gpu },
      cost: monthlyCost(smaller, gpuTypeOf({ gpu: smaller.gpu, preset }, config), config.prices).text,
      performance_impact: `response time about ${increase}% higher expected`,
    },
  ];
}

/** Deployment time estimate: image pulls and readiness take about a minute per three pods after a 5-minute base, ±5 minutes. */
export function deploymentTime(pods: number): string {
  const low = 5 + Math.ceil(pods / 3);
  return `${low}-${low + 5} minutes`;
}
