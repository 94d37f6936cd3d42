import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { UNAUTHORIZED_EVENT } from './api';
import { Clouds } from './pages/clouds';
import { Clusters } from './pages/clusters';
import { Costs } from './pages/costs';
import { Exports } from './pages/exports';
import { GpuDetail } from './pages/gpu-detail';
import { Gpus } from './pages/gpus';
import { Login } from './pages/login';
import { Nodes } from './pages/nodes';
import { Overview } from './pages/overview';
import { Pods } from './pages/pods';
import { Servers } from './pages/servers';
import { Tenants } from './pages/tenants';
import { useRoute } from './router';
import { can, currentUser, logout, type Me } from './session';

const NAV = [
  ['', 'Overview'],
  ['gpus', 'GPUs'],
  ['nodes', 'Nodes'],
  ['pods', 'Pods'],
  ['exports', 'Exports'],
  ['clusters', 'Clusters'],
  ['servers', 'Servers'],
  ['tenants', 'Tenants'],
  ['clouds', 'Clouds'],
  ['costs', 'Costs'],
] as const;

function Page(props: { route: string[]; me: Me }) {
  const [page, a, b] = props.route;
  switch (page) {
    case undefined:
      return <Overview />;
    case 'gpus':
      return a && b ? <GpuDetail node={a} gpuId={b} /> : <Gpus />;
    case 'nodes':
      return <Nodes />;
    case 'pods':
      return <Pods />;
    case 'exports':
      return <Exports />;
    case 'clusters':
      return <Clusters canRegister={can(props.me, 'system:manage')} />;
    case 'servers':
      return <Servers canManage={can(props.me, 'infra:manage')} />;
    case 'tenants':
      return <Tenants canManage={can(props.me, 'infra:manage')} />;
    case 'clouds':
      return <Clouds canManage={can(props.me, 'infra:manage')} />;
    case 'costs':
      return <Costs />;
    default:
      return <p role="alert">No page {page}.</p>;
  }
}

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [notice, setNotice] = useState<string | null>(null);
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const refresh = useCallback(() => void currentUser().then(setMe), []);
  useEffect(refresh, [refresh]);
  useEffect(() => {
    const expired = () => {
      setNotice('Your session ended; sign in again.');
      setMe(null);
    };
    window.addEventListener(UNAUTHORIZED_EVENT, expired);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, expired);
  }, []);
  // A new page moves keyboard and screen-reader focus to its content.
  useEffect(() => main.current?.focus(), [route.join('/')]);
  if (me === undefined) return <p class="muted">Loading…</p>;
  if (me === null) return <Login notice={notice} onLogin={() => (setNotice(null), refresh())} />;
  const current = route[0] ?? '';
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <h1>kcloud</h1>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([path, label]) => (
              <li key={path}>
                <a href={`#/${path}`} aria-current={current === path ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span data-testid="whoami">
            {me.username} ({me.role})
          </span>
          <button type="button" onClick={() => void logout().finally(() => (setNotice('Signed out.'), setMe(null)))}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Page route={route} me={me} />
      </main>
    </>
  );
}
