import { CloudProviderError } from '../provider-error.js';

/**
 * The Azure name of a hub VM, from the VM's id: a PUT of the same name is an
 * update of the same VM, so a retried launch creates nothing twice. Azure VM
 * names allow 1-64 letters, digits, `-`, `_`, `.`, not ending in `-` or `.`; the display name, which
 * need not fit, goes in the `Name` tag.
 */
export const vmName = (clientToken: string) =>
  `kcloud-${clientToken.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 64).replace(/-+$/, '');

export interface VmRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export const vmResourceId = (r: VmRef) => `/subscriptions/${r.subscriptionId}/resourceGroups/${r.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${r.name}`;

const RESOURCE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+\/[^/]+)\/([^/]+)$/i;

/**
 * An ARM resource id's parts (ARM ids are case-insensitive in their fixed
 * words); null when it is not one of `type` (e.g. Microsoft.Compute/virtualMachines).
 */
export function parseResourceId(id: string, type: string): VmRef | null {
  const m = RESOURCE_ID.exec(id);
  if (!m || m[3]!.toLowerCase() !== type.toLowerCase()) return null;
  return { subscriptionId: m[1]!, resourceGroup: m[2]!, name: m[4]! };
}

export interface ImageReference {
  publisher: string;
  offer: string;
  sku: string;
  version: string;
}

const URN_PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * A platform image as Azure's URN `publisher:offer:sku:version` (what `az vm
 * image list` prints; version may be `latest`), e.g.
 * `Canonical:ubuntu-24_04-lts:server:latest`. Anything else is refused here,
 * before a VM is asked for.
 */
export function imageReference(imageId: string): ImageReference {
  const parts = imageId.split(':');
  if (parts.length !== 4 || !parts.every((p) => URN_PART.test(p))) {
    throw new CloudProviderError('azure', 'InvalidImageReference', `image '${imageId}' is not an Azure image URN publisher:offer:sku:version (e.g. Canonical:ubuntu-24_04-lts:server:latest)`, 'refused');
  }
  const [publisher, offer, sku, version] = parts as [string, string, string, string];
  return { publisher, offer, sku, version };
}

/**
 * The image a VM reports, in the form `image_id` takes: a platform image as
 * its URN (the inverse of imageReference), a custom or gallery image as its
 * resource id; null when the VM names neither.
 */
export function imageUrn(ref: Partial<ImageReference> & { id?: string } | undefined): string | null {
  if (ref?.publisher && ref.offer && ref.sku && ref.version) return `${ref.publisher}:${ref.offer}:${ref.sku}:${ref.version}`;
  return ref?.id || null;
}
