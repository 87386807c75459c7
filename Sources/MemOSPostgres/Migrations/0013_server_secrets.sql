-- Migration 13: server secrets.

CREATE TABLE server_secrets (
    name text PRIMARY KEY,
    secret bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Keys every service of a deployment shares, made once here from PostgreSQL's strong random source
-- (gen_random_uuid: 122 random bits each, two of them per key).
INSERT INTO server_secrets (name, secret)
VALUES ('page_tokens', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
