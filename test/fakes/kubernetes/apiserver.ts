import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';

/**
 * A fake kube-apiserver for tests, written from the Kubernetes API
 * reference (no apiserver can run here; see ../shared/notes/integrations.md):
 * discovery (/version, /api, /apis, APIResourceList per group-version),
 * list/get/delete of the kinds a tenant manifest uses, server-side apply
 * (PATCH application/apply-patch+yaml; fieldManager required; 201 on
 * create, 200 on update; managedFields with the manager), watch, Status errors, a
 * Deployment "controller" that marks Deployments available at once (and,
 * with `runPods`, makes their ReplicaSet and pods, owned through
 * ownerReferences as the real controllers do, pod uids taken from
 * `nextPodUids` so a test's fake /proc cgroups can name them), namespace
 * deletion that removes what the namespace holds, compaction of the watch
 * history (`compact()`: a watch from an older resourceVersion gets 410 Gone
 * as an ERROR event, as the apiserver's watch cache answers), and a restart
 * on the same port (`stop()` then `start()`), core/v1 Events as the
 * controllers and the kubelet write them (ScalingReplicaSet by the
 * deployment-controller; with `runPods` SuccessfulCreate, Scheduled, Pulled,
 * Created, Started), and rollouts a test holds (`holdRollouts`: a new
 * Deployment stays unavailable, Progressing, until `completeRollout()`, or
 * fails with ProgressDeadlineExceeded on `failRollout()`). Tests put nodes and pods
 * directly (`putObject`, `modifyObject`, `deleteObject`). Not done: field
 * ownership conflicts (an apply replaces the applied top-level fields),
 * bookmarks, label/field selectors, the full OpenAPI schemas (the documents name the kinds and their
 * PATCH parameters only). Every request is logged (`requests`).
 */

interface Kind {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
}

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export const KINDS: Kind[] = [
  { group: '', version: 'v1', plural: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'] },
  { group: '', version: 'v1', plural: 'configmaps', singular: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] },
  { group: '', version: 'v1', plural: 'services', singular: 'service', kind: 'Service', namespaced: true, shortNames: ['svc'] },
  { group: '', version: 'v1', plural: 'resourcequotas', singular: 'resourcequota', kind: 'ResourceQuota', namespaced: true, shortNames: ['quota'] },
  { group: '', version: 'v1', plural: 'limitranges', singular: 'limitrange', kind: 'LimitRange', namespaced: true, shortNames: ['limits'] },
  { group: '', version: 'v1', plural: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'] },
  { group: '', version: 'v1', plural: 'nodes', singular: 'node', kind: 'Node', namespaced: false, shortNames: ['no'] },
  { group: '', version: 'v1', plural: 'events', singular: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'] },
  { group: 'apps', version: 'v1', plural: 'deployments', singular: 'deployment', kind: 'Deployment', namespaced: true, shortNames: ['deploy'] },
  { group: 'apps', version: 'v1', plural: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'] },
  { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', singular: 'ingress', kind: 'Ingress', namespaced: true, shortNames: ['ing'] },
  // A cluster with prometheus-operator's CRDs installed.
  { group: 'monitoring.coreos.com', version: 'v1', plural: 'servicemonitors', singular: 'servicemonitor', kind: 'ServiceMonitor', namespaced: true, shortNames: ['smon'] },
];

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> & { name: string; namespace?: string } };

export interface LoggedRequest {
  method: string;
  path: string;
  query: string;
  contentType: string | undefined;
}

const gv = (k: Kind) => (k.group ? `${k.group}/${k.version}` : k.version);

/** Whether `o` names `owner` (by uid) among its ownerReferences. */
const ownedBy = (o: Obj, owner: Obj) => ((o.metadata.ownerReferences ?? []) as { uid?: string }[]).some((r) => r.uid === owner.metadata.uid);

/** The ownerReference a controller puts on what it makes. */
const controllerRef = (o: Obj) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid, controller: true, blockOwnerDeletion: true });

/** The apiserver's 5-character name suffixes (no vowels, no look-alikes), here derived from a seed so runs repeat. */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
function suffix(seed: string, length: number): string {
  const digest = createHash('sha256').update(seed).digest();
  return [...digest.subarray(0, length)].map((b) => SUFFIX_ALPHABET[b % SUFFIX_ALPHABET.length]).join('');
}

export interface FakeApiServerOptions {
  /** Deployments get a ReplicaSet and running pods (default false: only their status says Available). */
  runPods?: boolean;
}

export class FakeApiServer {
  readonly requests: LoggedRequest[] = [];
  /** UIDs the next pods the Deployment controller makes take, in order (then random ones). */
  readonly nextPodUids: string[] = [];
  /** Plurals whose list and watch are refused with 403 Forbidden, as RBAC refuses an identity without those verbs. */
  readonly forbidden = new Set<string>();
  /** The node the controller's pods are bound to; empty: the first node, else none (Pending). */
  scheduleOn = '';
  /** Deployments applied while this is true stay unavailable (Progressing) until completeRollout() or failRollout(). */
  holdRollouts = false;
  /** Events written so far, to name each one uniquely as the apiserver's event recorder does (`<object>.<hex>`). */
  private eventCount = 0;
  /** `namespace/deployment` -> the `replicaset/replicas` last scaled to (one ScalingReplicaSet event per change). */
  private readonly scaled = new Map<string, string>();
  /** Watches from a resourceVersion below this get 410 Gone (compact()): the changes after them are gone. */
  private compactedRv = 0;
  /** Watches answered 410 Gone so far. */
  expiredWatches = 0;
  private port = 0;
  /** key: `${plural}/${namespace}/${name}` */
  readonly objects = new Map<string, Obj>();
  /** `change` events ({type: ADDED|MODIFIED|DELETED, key, object}) for watches. */
  private readonly changes = new EventEmitter();
  /**
   * Every change, oldest first, as the apiserver's watch cache keeps them:
   * a client that lists and then watches from the list's resourceVersion
   * must see what changed in between (kubectl get --watch does exactly that).
   */
  private readonly history: { rv: number; type: string; key: string; object: Obj }[] = [];
  private rv = 1;
  private server: Server | null = null;
  url = '';

  constructor(private readonly opts: FakeApiServerOptions = {}) {}

  /** Listens on a free port, or after a stop() on the port it had (the kubeconfig stays valid), with the objects and history it had. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => this.status(res, 500, 'InternalError', String(err)));
    });
    await new Promise<void>((r, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => r());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    return this.url;
  }

  /** Closes every connection (open watches end) and stops listening: the cluster is unreachable until start(). */
  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
    this.server = null;
  }

  /** Forgets the watch history up to now, as etcd compaction does: watches from an older resourceVersion get 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history.length = 0;
  }

  /** Creates or replaces an object as a controller or kubelet would (watchers see ADDED or MODIFIED); uid kept or given, else made. */
  putObject(plural: string, obj: { metadata: { name: string; namespace?: string; uid?: string } & Record<string, unknown> } & Record<string, unknown>): Obj {
    const kind = KINDS.find((k) => k.plural === plural);
    if (!kind) throw new Error(`fake apiserver: no kind ${plural}`);
    const key = `${plural}/${kind.namespaced ? (obj.metadata.namespace ?? 'default') : ''}/${obj.metadata.name}`;
    const existing = this.objects.get(key);
    const o = structuredClone(obj) as Obj;
    o.apiVersion = gv(kind);
    o.kind = kind.kind;
    o.metadata = {
      ...o.metadata,
      ...(kind.namespaced ? { namespace: obj.metadata.namespace ?? 'default' } : {}),
      uid: obj.metadata.uid ?? existing?.metadata.uid ?? randomUUID(),
      resourceVersion: String(++this.rv),
      creationTimestamp: existing?.metadata.creationTimestamp ?? new Date().toISOString(),
    };
    this.put(key, o, existing !== undefined);
    return o;
  }

  /** Changes an existing object in place (watchers see MODIFIED). */
  modifyObject(plural: string, namespace: string, name: string, change: (o: Obj) => void): Obj {
    const o = this.get(plural, namespace, name);
    if (!o) throw new Error(`fake apiserver: no ${plural} ${namespace}/${name}`);
    change(o);
    o.metadata.resourceVersion = String(++this.rv);
    this.put(`${plural}/${namespace}/${name}`, o, true);
    return o;
  }

  /** Deletes an object (watchers see DELETED); false when there was none. */
  deleteObject(plural: string, namespace: string, name: string): boolean {
    const key = `${plural}/${namespace}/${name}`;
    if (!this.objects.has(key)) return false;
    this.removeWithDependents(key);
    return true;
  }

  /** A kubeconfig for this server (plain http: client-node needs insecure-skip-tls-verify for that). */
  kubeconfig(): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: fake\n  cluster:\n    server: ${this.url}\n    insecure-skip-tls-verify: true`,
      'users:',
      '- name: fake\n  user:\n    token: fake-token',
      'contexts:',
      '- name: fake\n  context:\n    cluster: fake\n    user: fake',
      'current-context: fake',
      '',
    ].join('\n');
  }

  private put(key: string, obj: Obj, existed: boolean) {
    this.objects.set(key, obj);
    this.record(existed ? 'MODIFIED' : 'ADDED', key, obj);
  }

  private record(type: string, key: string, obj: Obj) {
    const object = structuredClone(obj);
    this.history.push({ rv: Number(obj.metadata.resourceVersion), type, key, object });
    this.changes.emit('change', { type, key, object });
  }

  private remove(key: string) {
    const obj = this.objects.get(key);
    if (!obj) return;
    this.objects.delete(key);
    if (obj.kind === 'Deployment') this.scaled.delete(`${obj.metadata.namespace}/${obj.metadata.name}`);
    obj.metadata.resourceVersion = String(++this.rv);
    this.record('DELETED', key, obj);
  }

  /**
   * `?watch=true`: newline-delimited watch events of the collection, headers
   * flushed at once. Without a resourceVersion (or "0") the objects that
   * exist come first as ADDED, as the apiserver does; with one, the
   * changes after it, from the history first and then as they happen.
   */
  private watch(req: IncomingMessage, res: ServerResponse, prefix: string, resourceVersion: string | null) {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const write = (type: string, object: Obj) => res.write(`${JSON.stringify({ type, object })}\n`);
    if (resourceVersion && resourceVersion !== '0' && Number(resourceVersion) < this.compactedRv) {
      this.expiredWatches++;
      // What the apiserver's watch cache answers for a resourceVersion it no longer has: an ERROR event with a 410 Status, then the end.
      const message = `too old resource version: ${resourceVersion} (${this.compactedRv + 1})`;
      res.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Expired', code: 410 } })}\n`);
      return;
    }
    if (!resourceVersion || resourceVersion === '0') {
      for (const [k, o] of this.objects) if (k.startsWith(prefix)) write('ADDED', o);
    } else {
      const since = Number(resourceVersion);
      for (const e of this.history) if (e.rv > since && e.key.startsWith(prefix)) write(e.type, e.object);
    }
    const on = (e: { type: string; key: string; object: Obj }) => {
      if (e.key.startsWith(prefix)) write(e.type, e.object);
    };
    this.changes.on('change', on);
    req.socket.once('close', () => this.changes.off('change', on));
  }

  /** Deletes an object and, as the garbage collector does (background propagation), what it owns through ownerReferences. */
  private removeWithDependents(key: string) {
    const obj = this.objects.get(key);
    if (!obj) return;
    this.remove(key);
    for (const [k, o] of [...this.objects]) if (ownedBy(o, obj)) this.removeWithDependents(k);
  }

  /**
   * The Deployment and ReplicaSet controllers and the scheduler and kubelet
   * in one step (with `runPods`): one ReplicaSet per pod template (named
   * `<deployment>-<pod-template-hash>`, older ones removed with their pods, as
   * a Recreate rollout ends), owned by the Deployment, and `replicas` pods
   * owned by it, bound to a node and running, each container with a
   * containerd container ID.
   */
  private reconcile(deploy: Obj) {
    const ns = deploy.metadata.namespace!;
    const spec = deploy.spec as { replicas?: number; template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: { name: string; image?: string }[] } } };
    const template = spec.template ?? {};
    const { name: rsName, hash } = this.replicaSetOf(deploy);
    const replicas = Number(spec.replicas ?? 1);
    for (const [k, o] of [...this.objects]) if (k.startsWith(`replicasets/${ns}/`) && ownedBy(o, deploy) && o.metadata.name !== rsName) this.removeWithDependents(k);
    const labels = { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash };
    const rs = this.putObject('replicasets', {
      metadata: { name: rsName, namespace: ns, labels, ownerReferences: [controllerRef(deploy)] },
      spec: { replicas, selector: { matchLabels: labels }, template: { ...template, metadata: { ...template.metadata, labels } } },
      status: { replicas, readyReplicas: replicas, availableReplicas: replicas, observedGeneration: 1 },
    });
    const pods = [...this.objects].filter(([k, o]) => k.startsWith(`pods/${ns}/`) && ownedBy(o, rs));
    for (const [k] of pods.slice(replicas)) this.removeWithDependents(k);
    const node = this.scheduleOn || [...this.objects.values()].find((o) => o.kind === 'Node')?.metadata.name || '';
    const now = new Date().toISOString();
    for (let i = pods.length; i < replicas; i++) {
      const uid = this.nextPodUids.shift() ?? randomUUID();
      const containers = template.spec?.containers ?? [];
      const pod = this.putObject('pods', {
        metadata: { name: `${rsName}-${suffix(uid, 5)}`, namespace: ns, uid, labels, ownerReferences: [controllerRef(rs)] },
        spec: { ...template.spec, ...(node ? { nodeName: node } : {}) },
        status: node
          ? {
              phase: 'Running',
              conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
              containerStatuses: containers.map((c) => ({
                name: c.name,
                image: c.image ?? '',
                ready: true,
                started: true,
                restartCount: 0,
                containerID: `containerd://${createHash('sha256').update(`${uid}/${c.name}`).digest('hex')}`,
                state: { running: { startedAt: now } },
              })),
            }
          : { phase: 'Pending' },
      });
      this.event(rs, 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, { component: 'replicaset-controller' });
      if (!node) continue;
      this.event(pod, 'Scheduled', `Successfully assigned ${ns}/${pod.metadata.name} to ${node}`, { component: 'default-scheduler' });
      for (const c of containers) {
        const kubelet = { component: 'kubelet', host: node };
        this.event(pod, 'Pulled', `Container image "${c.image ?? ''}" already present on machine`, kubelet);
        this.event(pod, 'Created', `Created container ${c.name}`, kubelet);
        this.event(pod, 'Started', `Started container ${c.name}`, kubelet);
      }
    }
  }

  /** A held rollout (holdRollouts) becomes Available: every replica ready, as when its pods pass their readiness probes. */
  completeRollout(namespace: string, name: string): Obj {
    return this.modifyObject('deployments', namespace, name, (o) => (o.status = this.rolloutStatus(o, 'available')));
  }

  /** A held rollout passes its progressDeadlineSeconds: Progressing False, ProgressDeadlineExceeded (the replicas stay unavailable). */
  failRollout(namespace: string, name: string): Obj {
    return this.modifyObject('deployments', namespace, name, (o) => (o.status = this.rolloutStatus(o, 'failed')));
  }

  /** The ReplicaSet the Deployment controller makes for the current pod template: `<deployment>-<pod-template-hash>`. */
  private replicaSetOf(deploy: Obj): { name: string; hash: string } {
    const hash = suffix(JSON.stringify((deploy.spec as { template?: unknown } | undefined)?.template ?? {}), 10);
    return { name: `${deploy.metadata.name}-${hash}`, hash };
  }

  /**
   * A Deployment's status as the controller writes it (zero counts left out,
   * as the apiserver omits them): available (every replica ready), still
   * progressing (none available yet), or past its progress deadline.
   */
  private rolloutStatus(deploy: Obj, state: 'available' | 'progressing' | 'failed'): Record<string, unknown> {
    const replicas = Number((deploy.spec as { replicas?: number } | undefined)?.replicas ?? 1);
    const rs = this.replicaSetOf(deploy).name;
    const now = new Date().toISOString();
    const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastUpdateTime: now, lastTransitionTime: now });
    const available = state === 'available';
    return {
      observedGeneration: deploy.metadata.generation,
      replicas,
      updatedReplicas: replicas,
      ...(available ? { readyReplicas: replicas, availableReplicas: replicas } : { unavailableReplicas: replicas }),
      conditions: [
        available
          ? condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
          : condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
        state === 'failed'
          ? condition('Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${rs}" has timed out progressing.`)
          : available
            ? condition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rs}" has successfully progressed.`)
            : condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rs}" is progressing.`),
      ],
    };
  }

  /**
   * A core/v1 Event about `involved`, as a controller's or the kubelet's
   * event recorder writes it (named `<object>.<hex>`, count 1, first and
   * last timestamps in whole seconds).
   */
  private event(involved: Obj, reason: string, message: string, source: { component: string; host?: string }, type: 'Normal' | 'Warning' = 'Normal'): Obj {
    const now = new Date();
    const stamp = `${now.toISOString().slice(0, 19)}Z`;
    const name = `${involved.metadata.name}.${(BigInt(now.getTime()) * 1_000_000n + BigInt(++this.eventCount)).toString(16)}`;
    return this.putObject('events', {
      metadata: { name, namespace: involved.metadata.namespace ?? 'default' },
      involvedObject: { apiVersion: involved.apiVersion, kind: involved.kind, namespace: involved.metadata.namespace, name: involved.metadata.name, uid: involved.metadata.uid, resourceVersion: involved.metadata.resourceVersion },
      reason,
      message,
      source,
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? '',
    });
  }

  /** The deployment-controller's ScalingReplicaSet event when a Deployment's ReplicaSet is made or scaled. */
  private scaleEvent(deploy: Obj) {
    const replicas = Number((deploy.spec as { replicas?: number } | undefined)?.replicas ?? 1);
    const rs = this.replicaSetOf(deploy).name;
    const key = `${deploy.metadata.namespace}/${deploy.metadata.name}`;
    const previous = this.scaled.get(key);
    if (previous === `${rs}/${replicas}`) return;
    this.scaled.set(key, `${rs}/${replicas}`);
    const up = !previous?.startsWith(`${rs}/`) || Number(previous.split('/')[1]) < replicas;
    this.event(deploy, 'ScalingReplicaSet', `Scaled ${up ? 'up' : 'down'} replica set ${rs} to ${replicas}`, { component: 'deployment-controller' });
  }

  get(plural: string, namespace: string, name: string): Obj | undefined {
    return this.objects.get(`${plural}/${namespace}/${name}`);
  }

  /**
   * A group-version's OpenAPI v3 document, as far as kubectl reads it: per
   * kind the object paths with a PATCH operation that names its kind
   * (x-kubernetes-group-version-kind) and lists `fieldValidation`, so kubectl
   * leaves validation to the server; schemas carry only their kind.
   */
  private openapiDocument(groupVersion: string) {
    const kinds = KINDS.filter((k) => (k.group ? `apis/${gv(k)}` : 'api/v1') === groupVersion);
    const paths: Record<string, unknown> = {};
    const schemas: Record<string, unknown> = {};
    for (const k of kinds) {
      const gvk = [{ group: k.group, version: k.version, kind: k.kind }];
      const base = `/${groupVersion}${k.namespaced ? '/namespaces/{namespace}' : ''}/${k.plural}/{name}`;
      const parameters = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({ name, in: 'query', schema: { type: name === 'force' ? 'boolean' : 'string' } }));
      paths[base] = { patch: { operationId: `patch${k.kind}`, 'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': gvk[0], parameters, responses: { '200': { description: 'OK' } } } };
      schemas[`fake.${k.group || 'core'}.${k.version}.${k.kind}`] = { type: 'object', 'x-kubernetes-group-version-kind': gvk };
    }
    return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.29.0-fake' }, paths, components: { schemas } };
  }

  private send(res: ServerResponse, code: number, body: unknown) {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private status(res: ServerResponse, code: number, reason: string, message: string) {
    this.send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/\/$/, '');
    this.requests.push({ method: req.method ?? '', path, query: url.search, contentType: req.headers['content-type'] });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();

    if (path === '/version') return this.send(res, 200, { major: '1', minor: '29', gitVersion: 'v1.29.0-fake', platform: 'linux/amd64' });
    if (path === '/api') return this.send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: url.host }] });
    if (path === '/apis') {
      const groups = [...new Set(KINDS.filter((k) => k.group).map((k) => gv(k)))].map((g) => {
        const [name, version] = g.split('/') as [string, string];
        return { name, versions: [{ groupVersion: g, version }], preferredVersion: { groupVersion: g, version } };
      });
      return this.send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
    }
    if (path === '/openapi/v3') {
      const gvs = [...new Set(KINDS.map((k) => (k.group ? `apis/${gv(k)}` : 'api/v1')))];
      return this.send(res, 200, { paths: Object.fromEntries(gvs.map((g) => [g, { serverRelativeURL: `/openapi/v3/${g}?hash=fake1` }])) });
    }
    const openapi = /^\/openapi\/v3\/(api\/v1|apis\/[^/]+\/[^/]+)$/.exec(path);
    if (openapi) return this.send(res, 200, this.openapiDocument(openapi[1]!));
    const disc = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (disc) {
      const groupVersion = disc[1] ?? `${disc[2]}/${disc[3]}`;
      const kinds = KINDS.filter((k) => gv(k) === groupVersion);
      if (kinds.length === 0) return this.status(res, 404, 'NotFound', `the server could not find the requested resource`);
      return this.send(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion,
        resources: kinds.map((k) => ({ name: k.plural, singularName: k.singular, namespaced: k.namespaced, kind: k.kind, verbs: VERBS, shortNames: k.shortNames ?? [] })),
      });
    }
    // /api/v1[/namespaces/{ns}]/{plural}[/{name}] or /apis/{g}/{v}[/namespaces/{ns}]/{plural}[/{name}]
    const m = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+)(?=\/))?\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    if (!m) return this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const [, group = '', version = 'v1', namespace, plural, name] = m;
    const kind = KINDS.find((k) => k.group === group && k.version === version && k.plural === plural);
    if (!kind) return this.status(res, 404, 'NotFound', `the server could not find the requested resource (${plural})`);
    if (kind.namespaced !== (namespace !== undefined) && name !== undefined) return this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const ns = namespace ?? '';
    const key = `${plural}/${ns}/${name}`;

    if (req.method === 'GET' && name === undefined) {
      if (this.forbidden.has(plural!)) {
        const verb = url.searchParams.get('watch') === 'true' ? 'watch' : 'list';
        return this.status(res, 403, 'Forbidden', `${plural} is forbidden: User "fake" cannot ${verb} resource "${plural}" in API group "${group}" at the cluster scope`);
      }
      const prefix = `${plural}/${namespace === undefined ? '' : `${ns}/`}`;
      const watch = url.searchParams.get('watch');
      if (watch === 'true' || watch === '1') return this.watch(req, res, prefix, url.searchParams.get('resourceVersion'));
      const items = [...this.objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([, o]) => o);
      return this.send(res, 200, { kind: `${kind.kind}List`, apiVersion: gv(kind), metadata: { resourceVersion: String(this.rv) }, items });
    }
    if (name === undefined) return this.status(res, 405, 'MethodNotAllowed', `${req.method} on a collection is not supported by this fake`);
    if (req.method === 'GET') {
      const o = this.objects.get(key);
      return o ? this.send(res, 200, o) : this.status(res, 404, 'NotFound', `${plural} "${name}" not found`);
    }
    if (req.method === 'DELETE') {
      const o = this.objects.get(key);
      if (!o) return this.status(res, 404, 'NotFound', `${plural} "${name}" not found`);
      if (kind.kind === 'Namespace') {
        // Terminating first, gone (with everything in it) right after, as the namespace controller does.
        o.metadata.deletionTimestamp = new Date().toISOString();
        o.status = { phase: 'Terminating' };
        o.metadata.resourceVersion = String(++this.rv);
        this.put(key, o, true);
        setImmediate(() => {
          for (const k of [...this.objects.keys()]) if (k.split('/')[1] === name) this.remove(k);
          this.remove(key);
        });
        return this.send(res, 200, o);
      }
      this.removeWithDependents(key);
      return this.send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, kind: plural } });
    }
    if (req.method === 'PATCH') {
      if (req.headers['content-type'] !== 'application/apply-patch+yaml') {
        return this.status(res, 415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml`);
      }
      const manager = url.searchParams.get('fieldManager');
      if (!manager) return this.status(res, 422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
      let applied: Obj;
      try {
        applied = parseYaml(body) as Obj;
      } catch (err) {
        return this.status(res, 400, 'BadRequest', `error decoding YAML: ${(err as Error).message}`);
      }
      if (!applied || typeof applied !== 'object' || applied.metadata?.name !== name) return this.status(res, 400, 'BadRequest', 'the name of the object does not match the name on the URL');
      if (applied.apiVersion !== gv(kind) || applied.kind !== kind.kind) return this.status(res, 400, 'BadRequest', `apiVersion/kind ${String(applied.apiVersion)}/${String(applied.kind)} do not match the URL`);
      if (kind.namespaced) {
        if (applied.metadata.namespace !== undefined && applied.metadata.namespace !== ns) return this.status(res, 400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
        const nsObj = this.get('namespaces', '', ns);
        if (!nsObj) return this.status(res, 404, 'NotFound', `namespaces "${ns}" not found`);
        if (nsObj.metadata.deletionTimestamp) return this.status(res, 403, 'Forbidden', `unable to create new content in namespace ${ns} because it is being terminated`);
      }
      const existing = this.objects.get(key);
      const now = new Date().toISOString();
      const obj: Obj = {
        ...(existing ?? {}),
        ...applied,
        metadata: {
          ...(existing?.metadata ?? {}),
          ...applied.metadata,
          ...(kind.namespaced ? { namespace: ns } : {}),
          uid: existing?.metadata.uid ?? randomUUID(),
          resourceVersion: String(++this.rv),
          creationTimestamp: existing?.metadata.creationTimestamp ?? now,
          generation: Number(existing?.metadata.generation ?? 0) + 1,
          managedFields: [{ manager, operation: 'Apply', apiVersion: gv(kind), time: now, fieldsType: 'FieldsV1', fieldsV1: {} }],
        },
      };
      if (kind.kind === 'Namespace') obj.status = { phase: 'Active' };
      if (kind.kind === 'Deployment') obj.status = this.rolloutStatus(obj, this.holdRollouts ? 'progressing' : 'available');
      this.put(key, obj, existing !== undefined);
      if (kind.kind === 'Deployment') {
        this.scaleEvent(obj);
        if (this.opts.runPods) this.reconcile(obj);
      }
      return this.send(res, existing ? 200 : 201, obj);
    }
    return this.status(res, 405, 'MethodNotAllowed', `${req.method} is not supported by this fake`);
  }
}
