/**
 * The fields of the hub's answers the console reads, as the OpenAPI
 * document at /docs/json describes them (the schemas under hub/api). Only
 * what the views use. Written by hand (the document comes from a running
 * hub), and checked against that document by
 * test/e2e/console-openapi.test.ts: a field the hub renames or drops fails
 * there instead of showing as "–" on a page.
 */

export interface Gpu {
  gpu_id: string;
  uuid: string | null;
  node: string;
  cluster: string;
  model: string | null;
  driver_version: string | null;
  memory_total_mb: number | null;
  mig_mode: string | null;
  status: 'active' | 'idle' | 'error';
  power_watts: number | null;
  power_limit_watts: number | null;
  temperature_celsius: number | null;
  utilization_percent: number | null;
  memory_used_mb: number | null;
  memory_utilization_percent: number | null;
  process_count: number | null;
  last_sample_at: string | null;
}

export interface GpuMetrics {
  gpu_id: string;
  node: string;
  current: Record<string, number | string | null>;
  timeseries: { timestamp: string; power_watts: number | null; temperature_celsius: number | null; utilization_percent: number | null; memory_utilization_percent: number | null; memory_used_mb: number | null }[];
}

export interface NodeRow {
  node_name: string;
  cluster: string;
  status: string;
  cpu_cores: number | null;
  memory_gb: number | null;
  power_watts: number | null;
  power_source: string | null;
  cpu_utilization_percent: number | null;
  memory_utilization_percent: number | null;
  gpus_count: number | null;
  gpu_pods_count: number | null;
}

export interface NodePower {
  node: string;
  cluster: string;
  power_watts: number | null;
  components: { gpu: number | null; cpu: number | null; memory: number | null; other: number | null };
  sources: string[] | Record<string, string[]>;
}

export interface Sensor {
  name: string;
  value: number | null;
  unit: string;
  state: string;
}

export interface NodeSensors {
  node: string;
  cluster: string;
  bmc_up: boolean;
  sensors: Record<string, Sensor[]>;
}

export interface NamespacePower {
  namespace: string | null;
  kind: string;
  power_watts: number;
  percentage: number;
  process_count?: number;
}

export interface PodRow {
  pod_name: string | null;
  namespace: string | null;
  pod_uid?: string;
  node: string | null;
  power_watts: number | null;
  energy_joules: number | null;
}

export interface PowerPoint {
  timestamp: string;
  total_power_watts: number | null;
  gpu_power_watts: number | null;
  cpu_power_watts: number | null;
}

export interface CostBreakdown {
  currency: string;
  total_cost: number;
  clusters?: { cluster: string; energy_kwh: number; cost: number }[];
  namespaces?: { cluster: string; kind: string; namespace: string | null; energy_kwh: number; cost: number }[];
}

export interface NotificationList {
  notifications: { id: string; title: string; message: string; type: string; created_at: string }[];
  unread_count: number;
}

export interface QuerySeries {
  labels: Record<string, string>;
  points: [number, number][];
}

export interface Server {
  id: number;
  name: string;
  ip_address: string;
  role: string;
  status: string;
  cpu: number;
  memory: number;
  disk_size: number;
  vmid: number | null;
  node: string | null;
}

export interface Task {
  task_id: string;
  type: string;
  status: 'pending' | 'running' | 'completed' | 'failed';
  progress: number;
  message: string;
  step: string | null;
  error: string | null;
}

/** The Proxmox manager's answer to a call that starts a task (power, delete, restore, create). */
export interface TaskStarted {
  task_id: string;
}

export interface Backup {
  backup_id: string;
  server_id: number;
  server_name: string;
  size: string;
  node: string;
  created_at: string;
}

export interface ClusterRow {
  name: string;
  id: string | null;
  status: string;
  data_source: string;
  nodes_count: number | null;
  gpus_count: number | null;
  total_power_watts: number | null;
  api_endpoint: string | null;
  proxmox_version: string | null;
}

/** GET /api/v1/clusters/{id} of a registered Proxmox cluster: its health and pinned certificate. */
export interface ProxmoxCluster {
  id: string;
  name: string;
  status: string;
  status_reason: string | null;
  node_count: number | null;
  nodes: string[] | null;
  auth_method: string;
  tls_fingerprint: string | null;
}

export interface CostAnalysis {
  total_cost: number;
  currency: string;
  breakdown: { provider: string; cost: number; percentage: number }[];
  trend: { date: string; cost: number }[];
  estimated: boolean;
}

export interface Workspace {
  id: string;
  name: string;
}

export interface Credential {
  id: string;
  name: string;
  provider: string;
  workspace_id: string | null;
  is_active: boolean;
  created_at: string;
}

export interface Vm {
  id: string;
  name: string;
  provider: string;
  instance_type: string;
  status: string;
  status_reason: string | null;
  region: string;
  zone: string | null;
  public_ip: string | null;
  private_ip: string | null;
}

export interface Tenant {
  tenant_id: string;
  name: string;
  preset: string;
  is_demo: boolean;
  status: string;
  services_count: number;
  gpu_limit: number;
  gpu_type: string | null;
  created_at: string;
}

/** PUT /tenants/{id}: the tenant as changed; `deployment_id` when a new sizing is being applied. */
export interface TenantUpdated {
  tenant_id: string;
  deployment_id?: string;
}

/** DELETE /tenants/{id}: the deletion task, followed like a deployment. */
export interface TenantDeletion {
  deletion_id: string;
}
