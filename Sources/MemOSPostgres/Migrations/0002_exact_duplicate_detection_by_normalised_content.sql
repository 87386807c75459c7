-- Migration 2: exact-duplicate detection by normalised content.

CREATE FUNCTION memos_content_hash(content text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN md5(lower(btrim(regexp_replace(content, '\s+', ' ', 'g'))));

ALTER TABLE memories ADD COLUMN content_hash text GENERATED ALWAYS AS (memos_content_hash(content)) STORED;

CREATE UNIQUE INDEX memories_live_content_idx ON memories (cube_id, content_hash)
WHERE status = 'activated';
