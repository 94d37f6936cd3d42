import { useEffect, useState } from 'preact/hooks';

/** The part of the URL after `#`, split on `/` and decoded: `#/gpus/gpu-01/nvidia0` -> ['gpus', 'gpu-01', 'nvidia0']. Hash routes need no server-side fallback. */
export function useRoute(): string[] {
  const read = () =>
    location.hash
      .replace(/^#\/?/, '')
      .split('/')
      .filter(Boolean)
      .map((p) => decodeURIComponent(p));
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
