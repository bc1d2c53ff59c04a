import { createHash } from 'node:crypto';

/**
 * The sparse index of due leads (`DUE_LEADS_INDEX`): what a lead carries so that a scheduled run
 * finds the leads due by a Query per shard, reading what is due and not the table. Every write that
 * makes a lead due, or normalizes it, stamps `dueShard` and `dueAt`; a poisoned lead has neither.
 */

/** Shards of the index: a night's segments, one Query each (`dueShard` = hash of the lead id). */
export const DUE_INDEX_SHARDS = 256;

const DAY_MS = 86_400_000;
const SHARD_DIGITS = String(DUE_INDEX_SHARDS - 1).length;

/** The lead's shard: a hash of its id, so shards stay even whatever the ids look like. */
export function dueShardOf(leadId: string): string {
  const shard = createHash('sha256').update(leadId).digest().readUInt32BE(0) % DUE_INDEX_SHARDS;
  return String(shard).padStart(SHARD_DIGITS, '0');
}

/** A segment of a night's run is one shard. */
export const shardOfSegment = (segment: number): string => String(segment).padStart(SHARD_DIGITS, '0');

/** When a lead normalized at `normalizedAt` is due again (the TTL in force when it was written). */
export const dueAtAfter = (normalizedAt: string, ttlDays: number): string => new Date(Date.parse(normalizedAt) + ttlDays * DAY_MS).toISOString();
