import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeStore } from '../../hub/identity/nodes.js';
import { startApiHub, type ApiHub } from './api.js';
import { startBmcSim, type BmcSim } from './bmc-sim.js';
import { fakePowercap } from './powercap.js';
import { REPO, spawnAgent, stopChild, waitFor, writeConfig } from './spawn-agent.js';

/** One fake GPU machine: which nvidia-smi capture it replays and which of its processes run in which cgroup. */
export interface FakeMachine {
  node: string;
  cluster?: string;
  /** FAKE_NVIDIA_SMI_SCENARIO of test/fakes/nvidia-smi (e.g. `h100-mig-590.48.01-load`). */
  scenario: string;
  /**
   * FAKE_NVIDIA_SMI_GPUS: replicate GPU 0 this many times. The scenario's
   * compute processes (its capture's `query-compute-apps` section, which the
   * gpu-processes collector reads) stay on GPU 0; an idle scenario has none.
   */
  gpus?: number;
  /** pid -> the text of its /proc/<pid>/cgroup (see podCgroup); pids not listed are unknown to /proc. */
  cgroups?: Record<number, string>;
  /** Run the real ipmi_sim BMC for this node (lanplus). */
  bmc?: boolean;
  /** A fake RAPL package zone whose counter grows by this many µJ every 100 ms. */
  raplUjPer100ms?: number;
  /** Serve the agent's node /metrics on 127.0.0.1:<port> (off by default). */
  metricsPort?: number;
  /** Read the GPUs through DCGM (test/fakes/dcgmi replaying the scenario's CSV) instead of nvidia-smi. */
  dcgm?: boolean;
  /** More environment for the agent and the fakes it runs (e.g. FAKE_NVIDIA_SMI_POWER_FILE). */
  env?: NodeJS.ProcessEnv;
}

export interface RunningMachine {
  spec: FakeMachine;
  agent: ReturnType<typeof spawnAgent>;
  bmc: BmcSim | null;
}

export interface TestFleet {
  api: ApiHub;
  machines: RunningMachine[];
  /** Agent output of every machine, for a failure message. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * `/proc/<pid>/cgroup` of a container in a Kubernetes pod as the kubelet
 * creates it with the systemd cgroup driver and containerd (cgroup v2), the
 * format of test/fakes/proc/11345/cgroup.
 */
export function podCgroup(podUid: string, containerId: string, qos: 'burstable' | 'besteffort' = 'burstable'): string {
  const uid = podUid.replaceAll('-', '_');
  return `0::/kubepods.slice/kubepods-${qos}.slice/kubepods-${qos}-pod${uid}.slice/cri-containerd-${containerId}.scope\n`;
}

/**
 * A fake /proc: `<pid>/cgroup` files for the GPU processes, and this
 * machine's real `stat`, `net`, `meminfo` and `cpuinfo` for the host
 * collector, which reads its CPU, network and memory counters and its
 * inventory's CPU facts under the same procRoot.
 */
function fakeProc(cgroups: Record<number, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kcloud-proc-'));
  for (const [pid, text] of Object.entries(cgroups)) {
    mkdirSync(join(root, pid));
    writeFileSync(join(root, pid, 'cgroup'), text);
  }
  for (const entry of ['stat', 'net', 'meminfo', 'cpuinfo']) symlinkSync(join('/proc', entry), join(root, entry));
  return root;
}

/**
 * A real hub (startApiHub) and one real agent per machine (child processes
 * from source), each registered with its own credential and publishing to
 * the hub's embedded broker: test/fakes/nvidia-smi replaying the machine's
 * capture (GPU stream, inventory, compute processes; it refuses pmon, so the
 * gpu-processes collector splits GPU power by process memory, which a test
 * can recompute from the capture), a fake /proc for process -> pod mapping, optionally the real
 * ipmi_sim BMC and a fake RAPL tree. Resolves once every agent is online
 * and the hub holds GPU samples of each.
 */
export async function startFleet(machines: FakeMachine[], opts: { timeoutMs?: number; bmcPortOffset?: number; hub?: Record<string, unknown> } = {}): Promise<TestFleet> {
  const api = await startApiHub(opts.hub);
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-fleet-'));
  const running: RunningMachine[] = [];
  const tickers: NodeJS.Timeout[] = [];
  const stop = async () => {
    for (const t of tickers) clearInterval(t);
    await Promise.all(running.map((m) => stopChild(m.agent)));
    for (const m of running) m.bmc?.stop();
    await api.close();
  };
  const logs = () => running.map((m) => `--- ${m.spec.node}\n${m.agent.logs.join('').slice(-3000)}`).join('\n');
  try {
    for (const [i, spec] of machines.entries()) {
      const cluster = spec.cluster ?? 'default';
      const password = `${spec.node}-secret`;
      await new NodeStore(api.db).add(spec.node, cluster, password);
      const pwFile = join(dir, `${spec.node}.password`);
      writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
      const bmc = spec.bmc ? startBmcSim({ portOffset: (opts.bmcPortOffset ?? 400) + i * 10 }) : null;
      let rapl = '';
      if (spec.raplUjPer100ms) {
        let energy = 1_000_000;
        const power = fakePowercap([{ dir: 'intel-rapl:0', name: 'package-0', energyUj: energy }]);
        tickers.push(setInterval(() => power.set('intel-rapl:0', (energy += spec.raplUjPer100ms!)), 100));
        rapl = `rapl: { enabled: true, interval: 500ms, root: ${power.root} }`;
      } else rapl = 'rapl: { enabled: false }';
      const ipmi = bmc
        ? `ipmi: { enabled: true, interval: 1s, interface: lanplus, host: 127.0.0.1, port: ${bmc.port}, username: ${bmc.username}, passwordFile: ${bmc.passwordFile}, timeout: 5s }`
        : 'ipmi: { enabled: false }';
      const config = writeConfig(
        `node: ${spec.node}
cluster: ${cluster}
dataDir: ${join(dir, spec.node)}
mqtt: { url: "${api.url}", username: ${spec.node}, passwordFile: ${pwFile} }
metrics: { listen: "${spec.metricsPort ? `127.0.0.1:${spec.metricsPort}` : ''}" }
procRoot: ${fakeProc(spec.cgroups ?? {})}
collectors:
  gpu: { enabled: ${!spec.dcgm}, interval: 500ms, nvidiaSmi: ${join(REPO, 'test/fakes/nvidia-smi')} }
  dcgm: { enabled: ${spec.dcgm === true}, interval: 500ms, dcgmi: ${join(REPO, 'test/fakes/dcgmi')} }
  ${ipmi}
  ${rapl}
  host: { enabled: true, interval: 1s }
`,
        mkdtempSync(join(dir, `${spec.node}-`)),
      );
      const env: NodeJS.ProcessEnv = {
        FAKE_NVIDIA_SMI_SCENARIO: spec.scenario,
        ...(spec.gpus ? { FAKE_NVIDIA_SMI_GPUS: String(spec.gpus) } : {}),
        ...(spec.dcgm ? { FAKE_DCGMI_CSV: `${spec.scenario}-query-gpu-all` } : {}),
        ...spec.env,
      };
      running.push({ spec, agent: spawnAgent(['run', '--config', config], env), bmc });
    }
    await waitFor(
      async () => {
        const body = await api.json('/api/v1/accelerators/gpus?include_metrics=true');
        return machines.every((m) => body.data.some((g: { node: string; power_watts: number | null }) => g.node === m.node && g.power_watts !== null));
      },
      opts.timeoutMs ?? 25_000,
      'GPU samples of every agent at the hub',
    );
  } catch (err) {
    const out = logs();
    await stop();
    throw new Error(`${(err as Error).message}\n${out}`, { cause: err });
  }
  return { api, machines: running, logs, stop };
}
