import { defineMetrics } from './catalogue.js';

/** Host facts from /proc and statfs(2) (agent/collectors/host). */
export const HOST_METRICS = defineMetrics([
  { name: 'host_cpu_utilization_percent', type: 'gauge', help: 'CPU utilisation over all cores', labels: [] },
  { name: 'host_load1', type: 'gauge', help: '1-minute load average', labels: [] },
  { name: 'host_memory_used_bytes', type: 'gauge', help: 'Memory in use (excluding caches)', labels: [] },
  { name: 'host_memory_total_bytes', type: 'gauge', help: 'Installed memory', labels: [] },
  { name: 'host_disk_used_bytes', type: 'gauge', help: 'Filesystem space used', labels: ['mount'] },
  { name: 'host_disk_size_bytes', type: 'gauge', help: 'Filesystem size', labels: ['mount'] },
  { name: 'host_network_rx_bytes_per_second', type: 'gauge', help: 'Network receive rate', labels: ['iface'] },
  { name: 'host_network_tx_bytes_per_second', type: 'gauge', help: 'Network transmit rate', labels: ['iface'] },
] as const);
