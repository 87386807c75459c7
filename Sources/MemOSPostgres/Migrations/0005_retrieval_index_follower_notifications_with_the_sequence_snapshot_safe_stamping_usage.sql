-- Migration 5: retrieval index follower: notifications with the sequence, snapshot-safe stamping, usage.

ALTER TABLE memories ADD COLUMN last_accessed_at timestamptz;

CREATE INDEX memories_seq_idx ON memories (change_seq);

CREATE INDEX memory_tombstones_seq_idx ON memory_tombstones (change_seq);

CREATE FUNCTION memos_usage_only(b memories, a memories) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT a.version = b.version AND a.status = b.status AND a.content = b.content AND a.key = b.key
        AND a.memory_type = b.memory_type AND a.session_id = b.session_id AND a.tags = b.tags
        AND a.info = b.info AND a.sources = b.sources AND a.confidence = b.confidence
        AND a.embedding_model = b.embedding_model AND a.embedding IS NOT DISTINCT FROM b.embedding
        AND a.valid_from IS NOT DISTINCT FROM b.valid_from AND a.valid_to IS NOT DISTINCT FROM b.valid_to
        AND a.author_user_id = b.author_user_id
$$;

CREATE OR REPLACE FUNCTION memories_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND memos_usage_only(OLD, NEW) THEN
        RETURN NEW;
    END IF;
    PERFORM pg_current_xact_id();
    NEW.change_seq := nextval('memory_change_seq');
    IF TG_OP = 'UPDATE' THEN
        NEW.updated_at := now();
    END IF;
    PERFORM pg_notify('memos_changes', NEW.cube_id || ' ' || NEW.change_seq);
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION memories_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    seq bigint;
BEGIN
    PERFORM pg_current_xact_id();
    seq := nextval('memory_change_seq');
    INSERT INTO memory_tombstones (cube_id, id, change_seq)
    VALUES (OLD.cube_id, OLD.id, seq)
    ON CONFLICT (cube_id, id) DO UPDATE SET change_seq = EXCLUDED.change_seq, deleted_at = now();
    PERFORM pg_notify('memos_changes', OLD.cube_id || ' ' || seq);
    RETURN OLD;
END $$;
