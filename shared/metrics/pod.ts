import { defineMetrics } from './catalogue.js';

/** Labels of the per-pod series: the agent knows the UID and QoS class from the cgroup path; the hub adds namespace and pod name from its pod watch. */
const POD = ['pod_uid', 'qos', 'namespace', 'pod'] as const;

/** Per-pod CPU and memory from the kubelet's cgroups (agent collector `pod-cgroups`). */
export const POD_METRICS = defineMetrics([
  { name: 'pod_cpu_usage_seconds_total', type: 'counter', help: "CPU time used by a pod's containers (cgroup v2 cpu.stat usage_usec, v1 cpuacct.usage)", labels: POD },
  { name: 'pod_memory_usage_bytes', type: 'gauge', help: "Memory charged to a pod's cgroup, page cache included (cgroup v2 memory.current, v1 memory.usage_in_bytes)", labels: POD },
] as const);
