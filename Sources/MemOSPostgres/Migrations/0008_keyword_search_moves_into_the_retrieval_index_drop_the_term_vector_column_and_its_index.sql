-- Migration 8: keyword search moves into the retrieval index: drop the term vector column and its index.

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
    END IF;
    IF strpos(coalesce(current_setting('memos.notified_cubes', true), ''), E'\n' || NEW.cube_id || E'\n') = 0 THEN
        notified := memos_notify_change(NEW.cube_id, NEW.change_seq);
    END IF;
    RETURN NEW;
END $$;

DROP INDEX memories_search_idx;

ALTER TABLE memories DROP COLUMN search_text;

DROP FUNCTION memos_search_query(text);

DROP FUNCTION memos_search_vector(text, text);

DROP FUNCTION memos_cjk_terms(text);
