/**
 * What the registry import writes (entities, inspectors, items): a stored row
 * under its natural key with the digest of the row it came from, and the writer
 * the import asks for (store/repos/registryWriter.ts implements it).
 */
export interface Stamp {
  rowHash: string;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
}

export type StoredDoc = { _id: string } & Stamp & Record<string, unknown>;

export interface RegistryWriter {
  /** Every stored key with the digest of the row it came from (one scan, then memory). */
  digests(): Promise<Map<string, string>>;
  /** Inserts new documents; keys that already exist are returned, not overwritten. */
  insertNew(docs: StoredDoc[]): Promise<{ inserted: number; existing: string[] }>;
  getMany(ids: string[]): Promise<StoredDoc[]>;
  /**
   * Sets (and unsets) fields only if the stored digest is still `expectedHash`;
   * false if someone changed it meanwhile.
   */
  updateIfUnchanged(id: string, expectedHash: string, set: Record<string, unknown>, unset?: string[]): Promise<boolean>;
}
