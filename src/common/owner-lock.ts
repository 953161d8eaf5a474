import type { EntityManager } from 'typeorm';

/**
 * Namespaces of the per-owner advisory locks (the first key of `pg_advisory_xact_lock(int, int)`),
 * one per per-owner limit, so a count of an owner's rows and the insert it allows are never
 * interleaved with another request of the same owner.
 */
export enum OwnerLock {
  Runs = 1,
  Evaluations = 2,
  Models = 3,
}

/**
 * Serializes the rest of the transaction `tx` with every other transaction that takes the same
 * lock for the same owner; released at commit or rollback. Two owners whose names hash alike only
 * wait for each other, which costs time, never correctness. Everything after it must run on `tx`:
 * a second pool connection, taken while other requests hold the pool waiting for this lock, would
 * deadlock.
 */
export async function lockOwner(tx: EntityManager, kind: OwnerLock, owner: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [kind, owner]);
}
