-- Migration 7: bulk writes: derived columns kept by the trigger, one notification per cube and transaction.

CREATE OR REPLACE FUNCTION memos_content_hash(content text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN md5(lower(btrim(CASE
    WHEN octet_length(content) = char_length(content) AND strpos(content, '  ') = 0
        AND strpos(content, E'\t') = 0 AND strpos(content, E'\n') = 0 AND strpos(content, E'\r') = 0
        AND strpos(content, E'\f') = 0 AND strpos(content, E'\x0B') = 0
    THEN content
    ELSE regexp_replace(content, '\s+', ' ', 'g')
END)));

ALTER TABLE memories ALTER COLUMN content_hash DROP EXPRESSION;

ALTER TABLE memories ALTER COLUMN search_text DROP EXPRESSION;

ALTER TABLE memories SET (toast_tuple_target = 8160);

ALTER TABLE memories ALTER COLUMN embedding SET STORAGE EXTERNAL, ALTER COLUMN next_embedding SET STORAGE EXTERNAL;

CREATE FUNCTION memos_notify_change(cube text, seq bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('memos.notified_cubes',
        coalesce(current_setting('memos.notified_cubes', true), '') || E'\n' || cube || E'\n', true);
    PERFORM pg_notify('memos_changes', cube || ' ' || seq);
    RETURN true;
END $$;

CREATE OR REPLACE FUNCTION memories_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ignored xid8;
    notified boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND memos_usage_only(OLD, NEW) THEN
        RETURN NEW;
    END IF;
    ignored := pg_current_xact_id();
    NEW.change_seq := nextval('memory_change_seq');
    IF TG_OP = 'UPDATE' THEN
        NEW.updated_at := now();
    END IF;
    IF TG_OP = 'INSERT' OR NEW.content IS DISTINCT FROM OLD.content OR NEW.key IS DISTINCT FROM OLD.key THEN
        NEW.content_hash := memos_content_hash(NEW.content);
        NEW.search_text := memos_search_vector(NEW.key, NEW.content);
    END IF;
    IF strpos(coalesce(current_setting('memos.notified_cubes', true), ''), E'\n' || NEW.cube_id || E'\n') = 0 THEN
        notified := memos_notify_change(NEW.cube_id, NEW.change_seq);
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION memories_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ignored xid8;
    seq bigint;
    notified boolean;
BEGIN
    ignored := pg_current_xact_id();
    seq := nextval('memory_change_seq');
    INSERT INTO memory_tombstones (cube_id, id, change_seq)
    VALUES (OLD.cube_id, OLD.id, seq)
    ON CONFLICT (cube_id, id) DO UPDATE SET change_seq = EXCLUDED.change_seq, deleted_at = now();
    IF strpos(coalesce(current_setting('memos.notified_cubes', true), ''), E'\n' || OLD.cube_id || E'\n') = 0 THEN
        notified := memos_notify_change(OLD.cube_id, seq);
    END IF;
    RETURN OLD;
END $$;
