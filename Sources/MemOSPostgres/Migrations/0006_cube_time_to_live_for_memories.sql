-- Migration 6: cube time-to-live for memories.

ALTER TABLE cubes ADD COLUMN memory_ttl_seconds bigint CHECK (memory_ttl_seconds > 0);
