-- Migration 12: content hash of ASCII text without a regular expression.

CREATE OR REPLACE FUNCTION memos_content_hash(content text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN md5(lower(btrim(CASE
    WHEN octet_length(content) = char_length(content) AND strpos(content, chr(1)) = 0
    THEN replace(replace(replace(translate(content, E'\t\n\x0B\f\r', '     '), ' ', ' ' || chr(1)),
        chr(1) || ' ', ''), chr(1), '')
    ELSE regexp_replace(content, '\s+', ' ', 'g')
END)));
