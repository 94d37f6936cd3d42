import type { Command } from 'commander';
import { MAX_SECRET_BYTES } from '../identity/operator-secrets.js';
import { keyring, SecretStore } from '../identity/secrets.js';
import { KubeconfigRefused, kubeconfigSecretName, parseKubeconfig } from '../integrations/kubernetes/kubeconfig-source.js';
import { configOrExit, CONFIG_HELP, usageError, withHubDb } from './options.js';
import { readValue } from './secrets.js';

const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `kcloud-hub kubeconfig set <cluster>`: a cluster's kubeconfig into the secrets box (never a file the hub reads, never printed). */
export function registerKubeconfigCommand(program: Command): void {
  const kubeconfig = program.command('kubeconfig').description("Kubernetes clusters' kubeconfigs kept encrypted in hub.db (kubernetes.clusters[].kubeconfigSecret)");

  kubeconfig
    .command('set <cluster>')
    .description(
      `store a cluster's kubeconfig, read from stdin or --from-file (at most ${MAX_SECRET_BYTES} bytes), as the secret kubeconfig.<cluster>; ` +
        'one with an exec credential plugin or auth-provider is refused (the hub would run a command); a running hub reads it at its next start',
    )
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--from-file <file>', 'read the kubeconfig from this file instead of stdin')
    .action(async (cluster: string, flags: { config?: string; fromFile?: string }) => {
      if (cluster.length > 63 || !CLUSTER_NAME.test(cluster)) usageError(`'${cluster.slice(0, 70)}' is not a cluster name (kubernetes.clusters[].name: a DNS label of at most 63 characters)`);
      const config = configOrExit(flags.config);
      const text = await readValue(flags.fromFile);
      try {
        parseKubeconfig(text);
      } catch (err) {
        if (!(err instanceof KubeconfigRefused)) throw err;
        console.error(`kcloud-hub: kubeconfig refused: ${err.message}`);
        process.exit(1);
      }
      const name = kubeconfigSecretName(cluster);
      const replaced = await withHubDb(config, (db) => {
        const store = new SecretStore(db, keyring(config.dataDir));
        const existed = store.names().includes(name);
        store.put(name, text);
        return existed;
      });
      const configured = config.kubernetes.clusters.find((c) => c.name === cluster);
      const hint = configured?.kubeconfigSecret === name ? '' : `; name it in hub.yaml: kubernetes.clusters: [{name: ${cluster}, kubeconfigSecret: ${name}}]`;
      process.stdout.write(`${replaced ? 'replaced' : 'stored'} the kubeconfig of cluster ${cluster} as secret ${name} (encrypted in hub.db)${hint}\n`);
    });
}
