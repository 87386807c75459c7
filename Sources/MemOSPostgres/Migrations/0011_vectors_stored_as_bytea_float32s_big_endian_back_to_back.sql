-- Migration 11: vectors stored as bytea: float32s, big-endian, back to back.

CREATE FUNCTION memos_pack_vector(v real[]) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(string_agg(float4send(x), ''::bytea ORDER BY ord), ''::bytea)
    FROM unnest(v) WITH ORDINALITY AS u(x, ord)
$$;

ALTER TABLE memories
    ALTER COLUMN embedding TYPE bytea USING memos_pack_vector(embedding),
    ALTER COLUMN next_embedding TYPE bytea USING memos_pack_vector(next_embedding);

ALTER TABLE memories ALTER COLUMN embedding SET STORAGE EXTERNAL, ALTER COLUMN next_embedding SET STORAGE EXTERNAL;

ALTER TABLE memories ALTER COLUMN embedding SET STATISTICS 0, ALTER COLUMN next_embedding SET STATISTICS 0;
