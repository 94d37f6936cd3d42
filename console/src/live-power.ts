import { useEffect, useState } from 'preact/hooks';

/** One snapshot of WS /api/v1/monitoring/stream/power (docs/api-streams.md). */
export interface PowerSnapshot {
  timestamp: string;
  total_power_watts: number | null;
  gpu_power_watts: number | null;
  cpu_power_watts: number | null;
  memory_power_watts: number | null;
  other_power_watts: number | null;
  latest_sample_timestamp: string | null;
}

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'ended';

/**
 * The fleet's power pushed by the hub in live mode (`interval=0`: one
 * snapshot per stored telemetry batch, nothing while nothing arrives), over
 * the session cookie. A dropped connection is retried with a growing delay;
 * 4001/4003 (the session ended or lost `metrics:read`) end it.
 */
export function useLivePower(): { snapshot: PowerSnapshot | null; state: StreamState } {
  const [snapshot, setSnapshot] = useState<PowerSnapshot | null>(null);
  const [state, setState] = useState<StreamState>('connecting');
  useEffect(() => {
    let socket: WebSocket | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let delay = 1000;
    let stopped = false;
    const connect = () => {
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/monitoring/stream/power?interval=0`;
      socket = new WebSocket(url);
      socket.onopen = () => {
        delay = 1000;
        setState('live');
      };
      socket.onmessage = (e) => setSnapshot(JSON.parse(String(e.data)) as PowerSnapshot);
      socket.onclose = (e) => {
        if (stopped) return;
        if (e.code === 4001 || e.code === 4003) {
          setState('ended');
          return;
        }
        setState('reconnecting');
        retry = setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30_000);
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      socket?.close();
    };
  }, []);
  return { snapshot, state };
}
