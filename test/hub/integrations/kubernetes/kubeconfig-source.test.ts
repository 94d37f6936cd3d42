import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHubDb } from '../../../../hub/core/db.js';
import { hubFiles } from '../../../../hub/core/paths.js';
import { keyring, SecretStore } from '../../../../hub/identity/secrets.js';
import { loadClusterKubeconfig, parseKubeconfig, watchedClusters } from '../../../../hub/integrations/kubernetes/kubeconfig-source.js';
import { FakeApiServer } from '../../../fakes/kubernetes/apiserver.js';
import { startApiHub } from '../../../helpers/api.js';
import { runHubCli, writeHubConfig } from '../../../helpers/hub.js';

const SECRET_TOKEN = 'tok-4f1c9a7e-do-not-print';
const kubeconfig = (user: string, server = 'https://10.0.0.1:6443') =>
  ['apiVersion: v1', 'kind: Config', 'clusters:', `- name: c\n  cluster:\n    server: ${server}\n    insecure-skip-tls-verify: true`, 'users:', `- name: u\n  user:\n${user}`, 'contexts:', '- name: ctx\n  context:\n    cluster: c\n    user: u', 'current-context: ctx', ''].join('\n');
const TOKEN_USER = `    token: ${SECRET_TOKEN}`;
const EXEC_USER = '    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: /bin/sh\n      args: ["-c", "touch /tmp/pwned"]';
const AUTH_PROVIDER_USER = '    auth-provider:\n      name: gcp\n      config:\n        cmd-path: /usr/bin/gcloud';

function secretsOf(dataDir: string) {
  mkdirSync(dataDir, { recursive: true });
  const db = openHubDb(hubFiles(dataDir).db);
  return { db, store: new SecretStore(db, keyring(dataDir, {})) };
}

describe('kubeconfigs from a file or the secrets box; ones that would run a command refused', () => {
  it('a token kubeconfig loads; exec and auth-provider users are refused naming the user; no current context is refused', () => {
    expect(parseKubeconfig(kubeconfig(TOKEN_USER)).getCurrentCluster()?.server).toBe('https://10.0.0.1:6443');
    expect(() => parseKubeconfig(kubeconfig(EXEC_USER))).toThrow('user "u" has an exec credential plugin (it would run a command)');
    expect(() => parseKubeconfig(kubeconfig(AUTH_PROVIDER_USER))).toThrow('user "u" has an auth-provider');
    expect(() => parseKubeconfig(kubeconfig(TOKEN_USER).replace('current-context: ctx', ''))).toThrow('no current-context naming a cluster');
  });

  it('text that is not YAML is refused by its line, without quoting the content', () => {
    const broken = `apiVersion: v1\nusers:\n- name: u\n  user:\n    token: ${SECRET_TOKEN}\n   bad: [indent\n`;
    let message = '';
    try {
      parseKubeconfig(broken);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^not a readable kubeconfig/);
    expect(message).not.toContain(SECRET_TOKEN);
  });

  it('a cluster entry takes exactly one of kubeconfig and kubeconfigSecret; a missing secret names the CLI command; files are checked the same', () => {
    const secrets = new Map([['kubeconfig.lab', kubeconfig(TOKEN_USER)], ['kubeconfig.bad', kubeconfig(EXEC_USER)]]);
    const get = { get: (n: string) => secrets.get(n) ?? null };
    expect(loadClusterKubeconfig({ name: 'lab', kubeconfigSecret: 'kubeconfig.lab' }, get).getCurrentUser()?.token).toBe(SECRET_TOKEN);
    expect(() => loadClusterKubeconfig({ name: 'lab' }, get)).toThrow('kubernetes.clusters lab: give exactly one of kubeconfig (a file) and kubeconfigSecret');
    expect(() => loadClusterKubeconfig({ name: 'lab', kubeconfig: '/x', kubeconfigSecret: 'kubeconfig.lab' }, get)).toThrow(/exactly one/);
    expect(() => loadClusterKubeconfig({ name: 'gone', kubeconfigSecret: 'kubeconfig.gone' }, get)).toThrow('no secret named kubeconfig.gone (store it with: kcloud-hub kubeconfig set gone)');
    expect(() => loadClusterKubeconfig({ name: 'bad', kubeconfigSecret: 'kubeconfig.bad' }, get)).toThrow('kubernetes.clusters bad: secret kubeconfig.bad: user "u" has an exec credential plugin');
    const file = join(mkdtempSync(join(tmpdir(), 'kcloud-kc-')), 'exec.yaml');
    writeFileSync(file, kubeconfig(EXEC_USER), { mode: 0o600 });
    expect(() => loadClusterKubeconfig({ name: 'f', kubeconfig: file }, get)).toThrow(`kubernetes.clusters f: kubeconfig ${file}: user "u" has an exec credential plugin`);
  });

  it('the watches get every cluster, from its file or its secret alike; a refused one stops them naming it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kcloud-kc-')), 'a.yaml');
    writeFileSync(file, kubeconfig(TOKEN_USER, 'https://10.0.0.1:6443'), { mode: 0o600 });
    const secrets = new Map([['kubeconfig.b', kubeconfig(TOKEN_USER, 'https://10.0.0.2:6443')], ['kubeconfig.bad', kubeconfig(EXEC_USER)]]);
    const get = { get: (n: string) => secrets.get(n) ?? null };
    const watch = { maxPods: 1, maxNodes: 1, retryMin: '1s', retryMax: '2s' };
    const w = watchedClusters({ clusters: [{ name: 'a', kubeconfig: file }, { name: 'b', kubeconfigSecret: 'kubeconfig.b' }], watch, stepInterval: '1s' }, get);
    expect(w.clusters.map((c) => [c.name, typeof c.kubeconfig === 'string' ? c.kubeconfig : c.kubeconfig.getCurrentCluster()?.server])).toEqual([
      ['a', 'https://10.0.0.1:6443'],
      ['b', 'https://10.0.0.2:6443'],
    ]);
    expect(() => watchedClusters({ clusters: [{ name: 'bad', kubeconfigSecret: 'kubeconfig.bad' }], watch, stepInterval: '1s' }, get)).toThrow('kubernetes.clusters bad: secret kubeconfig.bad');
  });
});

describe('kcloud-hub kubeconfig set (CLI as a child process) and a hub using the stored kubeconfig', () => {
  const fake = new FakeApiServer();
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());

  it('stores the kubeconfig from stdin encrypted as kubeconfig.<cluster>, never printing it; an exec kubeconfig is refused and nothing stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-kc-cli-'));
    const dataDir = join(dir, 'data');
    const config = writeHubConfig(`dataDir: ${dataDir}\n`, dir);
    const res = await runHubCli(['kubeconfig', 'set', 'lab', '--config', config], { KCLOUD_SECRET_KEY: '' }, kubeconfig(TOKEN_USER));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('stored the kubeconfig of cluster lab as secret kubeconfig.lab (encrypted in hub.db); name it in hub.yaml: kubernetes.clusters: [{name: lab, kubeconfigSecret: kubeconfig.lab}]\n');
    const refused = await runHubCli(['kubeconfig', 'set', 'evil', '--config', config], { KCLOUD_SECRET_KEY: '' }, kubeconfig(EXEC_USER));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('kubeconfig refused: user "u" has an exec credential plugin');
    const badName = await runHubCli(['kubeconfig', 'set', 'Not_A_Name', '--config', config], { KCLOUD_SECRET_KEY: '' }, kubeconfig(TOKEN_USER));
    expect(badName.code).not.toBe(0);
    for (const r of [res, refused, badName]) expect(r.stdout + r.stderr).not.toContain(SECRET_TOKEN);
    const { db, store } = secretsOf(dataDir);
    try {
      expect(store.names()).toEqual(['kubeconfig.lab']);
      expect(store.get('kubeconfig.lab')).toBe(kubeconfig(TOKEN_USER).replace(/\n$/, ''));
      const raw = db.prepare('SELECT ciphertext FROM secrets').all() as { ciphertext: string }[];
      expect(JSON.stringify(raw)).not.toContain(SECRET_TOKEN);
    } finally {
      db.close();
    }
    // Three CLI processes (each compiles the CLI on start): slow on a loaded 2-core machine.
  }, 120_000);

  it('a hub with kubeconfigSecret reaches the cluster (nodes in /monitoring/system, a real tenant applied, pods watched); one that would run a command stops the start', async () => {
    const allocatable = { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '1' };
    fake.putObject('nodes', { metadata: { name: 'kc-node' }, status: { allocatable, capacity: allocatable, conditions: [{ type: 'Ready', status: 'True' }] } });
    const dataDir = mkdtempSync(join(tmpdir(), 'kcloud-kc-hub-'));
    const { db, store } = secretsOf(dataDir);
    store.put('kubeconfig.fake', fake.kubeconfig());
    store.put('kubeconfig.evil', kubeconfig(EXEC_USER, fake.url));
    db.close();
    const hub = await startApiHub({ dataDir, kubernetes: { clusters: [{ name: 'fake', kubeconfigSecret: 'kubeconfig.fake' }], stepInterval: '20ms' } });
    try {
      const headers = { 'content-type': 'application/json', 'x-demo-mode': 'false' };
      const sys = await (await hub.request('/api/v1/monitoring/system', { headers })).json();
      expect(sys.clusters).toEqual([expect.objectContaining({ name: 'fake', status: 'up', ready_nodes: 1 })]);
      const created = await hub.request('/api/v1/tenants', { method: 'POST', headers, body: JSON.stringify({ tenant_id: 'via-secret', name: 'x', service_requirements: { chatbot: 10 } }) });
      expect(created.status).toBe(201);
      await expect.poll(() => fake.get('namespaces', '', 'ecp-ai-via-secret')).toBeDefined();
      // The pod and node watches use the stored kubeconfig too.
      await expect.poll(() => fake.requests.some((r) => r.path === '/api/v1/pods' && /[?&]watch=(true|1)/.test(r.query))).toBe(true);
    } finally {
      await hub.close();
    }
    await expect(startApiHub({ dataDir, kubernetes: { clusters: [{ name: 'evil', kubeconfigSecret: 'kubeconfig.evil' }] } })).rejects.toThrow('kubernetes.clusters evil: secret kubeconfig.evil: user "u" has an exec credential plugin');
    // Two hub starts.
  }, 120_000);
});
