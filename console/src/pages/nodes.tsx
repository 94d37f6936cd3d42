import { monitor } from '../api';
import { DataTable, type Column } from '../components/data-table';
import { Status } from '../components/status';
import { number, percent, watts } from '../format';
import { useResource } from '../use-resource';
import type { NodePower, NodeRow, NodeSensors } from '../types';

interface NodeView extends NodeRow {
  parts: NodePower['components'] | null;
}

/** Nodes with their power parts (GPU from nvidia-smi/DCGM, CPU and memory from RAPL, the rest from the BMC) and their BMC sensors. */
export function Nodes() {
  const nodes = useResource(async (signal) => {
    const [rows, parts] = await Promise.all([monitor<NodeRow[]>('/infrastructure/nodes', signal), monitor<NodePower[]>('/monitoring/power/breakdown?breakdown_by=node', signal)]);
    const byNode = new Map(parts.map((p) => [p.node, p.components]));
    return rows.map((r): NodeView => ({ ...r, parts: byNode.get(r.node_name) ?? null }));
  }, []);
  const sensors = useResource((signal) => monitor<NodeSensors[]>('/hardware/ipmi/sensors', signal), []);
  const columns: Column<NodeView>[] = [
    { key: 'node', label: 'Node', value: (n) => n.node_name },
    { key: 'cluster', label: 'Cluster', value: (n) => n.cluster },
    { key: 'status', label: 'Status', value: (n) => n.status, render: (n) => <span class={`badge ${n.status === 'ready' ? 'active' : 'error'}`}>{n.status}</span> },
    { key: 'power', label: 'Power', value: (n) => n.power_watts, render: (n) => watts(n.power_watts), numeric: true },
    { key: 'source', label: 'Power source', value: (n) => n.power_source },
    { key: 'gpu', label: 'GPU', value: (n) => n.parts?.gpu ?? null, render: (n) => watts(n.parts?.gpu), numeric: true },
    { key: 'cpu', label: 'CPU (RAPL)', value: (n) => n.parts?.cpu ?? null, render: (n) => watts(n.parts?.cpu), numeric: true },
    { key: 'memory', label: 'Memory (RAPL)', value: (n) => n.parts?.memory ?? null, render: (n) => watts(n.parts?.memory), numeric: true },
    { key: 'cpuu', label: 'CPU use', value: (n) => n.cpu_utilization_percent, render: (n) => percent(n.cpu_utilization_percent), numeric: true },
    { key: 'gpus', label: 'GPUs', value: (n) => n.gpus_count, numeric: true },
  ];
  return (
    <>
      <h2>Nodes</h2>
      <Status loading={nodes.loading} error={nodes.error}>
        {nodes.data && <DataTable caption="Nodes and their power" filterLabel="Filter nodes" columns={columns} rows={nodes.data} rowKey={(n) => n.node_name} testId="node-table" />}
      </Status>
      <h2>BMC sensors</h2>
      <Status loading={sensors.loading} error={sensors.error}>
        {sensors.data?.length === 0 && <p class="muted">No node reports a BMC.</p>}
        {sensors.data?.map((s) => (
          <section key={s.node} class="sensors" aria-label={`BMC sensors of ${s.node}`}>
            <h3>
              {s.node} <span class={`badge ${s.bmc_up ? 'active' : 'error'}`}>{s.bmc_up ? 'BMC up' : 'BMC down'}</span>
            </h3>
            <div class="sensor-groups">
              {Object.entries(s.sensors).map(([group, list]) => (
                <table key={group}>
                  <caption>{group}</caption>
                  <tbody>
                    {list.map((x) => (
                      <tr key={x.name} class={x.state === 'ok' ? '' : 'warn'}>
                        <th scope="row">{x.name}</th>
                        <td class="num">
                          {number(x.value, 0)} {x.unit}
                        </td>
                        <td>{x.state}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ))}
            </div>
          </section>
        ))}
      </Status>
    </>
  );
}
