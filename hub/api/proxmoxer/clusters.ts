import { Type } from '@sinclair/typebox';
import { clusterListEntry } from '../../clusters/bodies.js';
import { clusterFigures } from '../../clusters/cluster-data.js';
import { withRegistration } from '../../clusters/registered.js';
import { RegistryError } from '../../integrations/proxmox/registry-error.js';
import { catalogOf } from '../monitor/clusters.js';
import type { RouteModule } from '../types.js';
import { clusterView } from './cluster-view.js';
import { Cluster, RegisterBody, Registered, RegistryErrors } from './schemas.js';

const tags = ['clusters'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `{cluster_name}` like the monitoring API's cluster routes: the registry's UUID, or a cluster's name. */
const Params = Type.Object({ cluster_name: Type.String({ minLength: 1, maxLength: 255, description: 'Cluster id (UUID) or name' }) });
const notFound = () => new RegistryError(404, 'Cluster not found');

/**
 * proxmoxer-cluster-api (../shared/seeds/proxmoxer-cluster-api.md): register,
 * read and remove Proxmox clusters. GET /clusters (the list) is the
 * monitoring API's route, which lists the registered clusters too.
 */
export const registryRoutes: RouteModule = (app, deps) => {
  const registry = app.proxmox;

  app.post(
    '/clusters',
    {
      config: { access: 'system:manage', audit: { action: 'register', resource: 'cluster' } },
      schema: { tags, summary: 'Register a Proxmox cluster (its password is exchanged for an API token)', body: RegisterBody, response: { 201: Registered, ...RegistryErrors } },
    },
    async (request, reply) => {
      const b = request.body;
      const { cluster, warnings } = await registry.register({ name: b.name, apiEndpoint: b.api_endpoint, username: b.username, password: b.password, tlsFingerprint: b.tls_fingerprint });
      request.auditNote = { resourceId: cluster.id, details: { name: cluster.name, api_endpoint: cluster.apiEndpoint, auth_method: cluster.authMethod } };
      return reply.status(201).send({ ...clusterView(cluster), warnings });
    },
  );

  app.get(
    '/clusters/:cluster_name',
    { config: { access: 'metrics:read' }, schema: { tags, summary: 'One cluster: by id (registered Proxmox cluster) or by name', params: Params, response: { 200: Type.Union([Cluster, Type.Object({}, { additionalProperties: true })]), ...RegistryErrors } } },
    async (request) => {
      const key = request.params.cluster_name;
      const found = UUID.test(key) ? registry.get(key.toLowerCase()) : registry.byName(key);
      if (found) return clusterView(found);
      if (UUID.test(key)) throw notFound();
      // A cluster of agents or config, by name: its entry as GET /clusters lists it (the registry's fields null).
      const catalog = catalogOf(app, deps);
      const info = catalog.info(key);
      if (!info) throw notFound();
      const showUrl = request.principal?.role === 'admin';
      try {
        return withRegistration(clusterListEntry(info, clusterFigures((await catalog.read(key)).data), null, showUrl), undefined);
      } catch (err) {
        return withRegistration(clusterListEntry(info, null, (err as Error).message, showUrl), undefined);
      }
    },
  );

  app.delete(
    '/clusters/:cluster_name',
    { config: { access: 'system:manage', audit: { action: 'deregister', resource: 'cluster' } }, schema: { tags, summary: 'Remove a registered cluster (and the API token the hub made on it)', params: Params, response: { 204: Type.Null(), ...RegistryErrors } } },
    async (request, reply) => {
      const key = request.params.cluster_name;
      const found = UUID.test(key) ? registry.get(key.toLowerCase()) : null;
      if (!found || !(await registry.remove(found.id))) throw notFound();
      request.auditNote = { resourceId: found.id, details: { name: found.name } };
      return reply.status(204).send(null);
    },
  );
};
