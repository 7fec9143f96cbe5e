/** Types of `cluster-key-slot` (Redis Cluster's CRC16 key-to-slot mapping; the package ships none). */
declare module 'cluster-key-slot' {
  /** The Cluster slot (0–16383) of `key`, honouring its hash tag. */
  function clusterKeySlot(key: string | Buffer): number;
  export = clusterKeySlot;
}
