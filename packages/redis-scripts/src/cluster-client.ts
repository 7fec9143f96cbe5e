/**
 * Whether a client is a Redis Cluster client. ioredis marks its clients with `isCluster` (true on
 * `Cluster`, false on `Redis`). It is read instead of `instanceof Cluster`, which answers false for
 * a Cluster built by another copy of ioredis than the adapter's (a host's own install, a bundle).
 */
export function isClusterClient(client: object): boolean {
  return (client as { readonly isCluster?: unknown }).isCluster === true;
}
