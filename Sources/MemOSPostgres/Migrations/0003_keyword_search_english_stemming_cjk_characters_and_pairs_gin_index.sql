-- Migration 3: keyword search: English stemming, CJK characters and pairs, GIN index.

CREATE FUNCTION memos_cjk_terms(input text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    terms text := '';
    previous text := NULL;
    c text;
BEGIN
    IF input !~ '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]' THEN
        RETURN '';
    END IF;
    FOREACH c IN ARRAY regexp_split_to_array(input, '') LOOP
        IF c ~ '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]' THEN
            terms := terms || ' ' || c;
            IF previous IS NOT NULL THEN
                terms := terms || ' ' || previous || c;
            END IF;
            previous := c;
        ELSE
            previous := NULL;
        END IF;
    END LOOP;
    RETURN terms;
END $$;

CREATE FUNCTION memos_search_vector(key text, content text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN setweight(to_tsvector('english'::regconfig, coalesce(key, '')), 'B')
    || to_tsvector('english'::regconfig, content || ' ' || memos_cjk_terms(content));

CREATE FUNCTION memos_search_query(query text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (
    SELECT coalesce(string_agg(quote_literal(lexeme), ' | ')::tsquery, ''::tsquery)
    FROM unnest(tsvector_to_array(
        to_tsvector('english'::regconfig, query || ' ' || memos_cjk_terms(query))
    )) AS lexeme
);

ALTER TABLE memories DROP COLUMN search_text;

ALTER TABLE memories ADD COLUMN search_text tsvector
GENERATED ALWAYS AS (memos_search_vector(key, content)) STORED;

CREATE INDEX memories_search_idx ON memories USING gin (search_text);
