-- Migration 1: accounts, cubes, memories, history, messages, jobs, idempotency.

CREATE TABLE users (
    id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE,
    role text NOT NULL CHECK (role IN ('admin', 'user')),
    disabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL DEFAULT '',
    prefix text NOT NULL,
    key_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);

CREATE INDEX api_keys_user_idx ON api_keys (user_id);

CREATE TABLE cubes (
    cube_id text PRIMARY KEY,
    name text NOT NULL,
    owner_id uuid NOT NULL REFERENCES users (id),
    ttl_seconds bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE cube_members (
    cube_id text NOT NULL REFERENCES cubes (cube_id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('owner', 'writer', 'reader')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cube_id, user_id)
);

CREATE INDEX cube_members_user_idx ON cube_members (user_id);

CREATE SEQUENCE memory_change_seq AS bigint;

CREATE TABLE memories (
    cube_id text NOT NULL,
    id uuid NOT NULL,
    author_user_id uuid NOT NULL,
    session_id text NOT NULL DEFAULT '',
    memory_type text NOT NULL,
    status text NOT NULL DEFAULT 'activated' CHECK (status IN ('activated', 'archived', 'deleted')),
    key text NOT NULL DEFAULT '',
    content text NOT NULL,
    tags text[] NOT NULL DEFAULT '{}',
    info jsonb NOT NULL DEFAULT '{}',
    sources jsonb NOT NULL DEFAULT '[]',
    confidence real NOT NULL DEFAULT 1,
    embedding_model text NOT NULL,
    embedding real[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    valid_from timestamptz,
    valid_to timestamptz,
    version bigint NOT NULL DEFAULT 1,
    usage_count bigint NOT NULL DEFAULT 0,
    change_seq bigint NOT NULL,
    search_text tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', coalesce(key, '') || ' ' || content)
    ) STORED,
    PRIMARY KEY (cube_id, id)
);

CREATE INDEX memories_change_idx ON memories (cube_id, change_seq);

CREATE INDEX memories_created_idx ON memories (cube_id, created_at DESC, id DESC);

CREATE INDEX memories_session_idx ON memories (cube_id, session_id);

CREATE TABLE memory_tombstones (
    cube_id text NOT NULL,
    id uuid NOT NULL,
    change_seq bigint NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cube_id, id)
);

CREATE INDEX memory_tombstones_change_idx ON memory_tombstones (cube_id, change_seq);

CREATE FUNCTION memories_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_seq := nextval('memory_change_seq');
    IF TG_OP = 'UPDATE' THEN
        NEW.updated_at := now();
    END IF;
    PERFORM pg_notify('memos_changes', NEW.cube_id);
    RETURN NEW;
END $$;

CREATE TRIGGER memories_stamp_change BEFORE INSERT OR UPDATE ON memories
FOR EACH ROW EXECUTE FUNCTION memories_stamp_change();

CREATE FUNCTION memories_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO memory_tombstones (cube_id, id, change_seq)
    VALUES (OLD.cube_id, OLD.id, nextval('memory_change_seq'))
    ON CONFLICT (cube_id, id) DO UPDATE SET change_seq = EXCLUDED.change_seq, deleted_at = now();
    PERFORM pg_notify('memos_changes', OLD.cube_id);
    RETURN OLD;
END $$;

CREATE TRIGGER memories_tombstone AFTER DELETE ON memories
FOR EACH ROW EXECUTE FUNCTION memories_tombstone();

CREATE TABLE memory_history (
    cube_id text NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    memory_id uuid NOT NULL,
    action text NOT NULL,
    before jsonb,
    after jsonb,
    actor_user_id uuid,
    job_id uuid,
    reason text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cube_id, id)
);

CREATE INDEX memory_history_memory_idx ON memory_history (cube_id, memory_id, id DESC);

CREATE TABLE messages (
    cube_id text NOT NULL,
    id uuid NOT NULL,
    session_id text NOT NULL DEFAULT '',
    role text NOT NULL,
    name text NOT NULL DEFAULT '',
    content text NOT NULL,
    chat_time timestamptz,
    message_id text NOT NULL DEFAULT '',
    author_user_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cube_id, id)
);

CREATE TABLE jobs (
    cube_id text NOT NULL,
    id uuid NOT NULL,
    kind text NOT NULL,
    status text NOT NULL DEFAULT 'waiting'
        CHECK (status IN ('waiting', 'in_progress', 'completed', 'failed', 'cancelled', 'dead')),
    priority integer NOT NULL DEFAULT 0,
    payload jsonb NOT NULL DEFAULT '{}',
    result jsonb NOT NULL DEFAULT '{}',
    session_id text NOT NULL DEFAULT '',
    memory_ids uuid[] NOT NULL DEFAULT '{}',
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 5,
    last_error text NOT NULL DEFAULT '',
    progress real NOT NULL DEFAULT 0,
    lease_owner text,
    lease_expires_at timestamptz,
    run_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    PRIMARY KEY (cube_id, id)
);

CREATE INDEX jobs_runnable_idx ON jobs (priority DESC, run_at)
WHERE status IN ('waiting', 'failed', 'in_progress');

CREATE INDEX jobs_cube_created_idx ON jobs (cube_id, created_at DESC, id DESC);

CREATE TABLE idempotency_keys (
    cube_id text NOT NULL,
    user_id uuid NOT NULL,
    key text NOT NULL,
    operation text NOT NULL,
    fingerprint text NOT NULL,
    receipt jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cube_id, user_id, key)
);

CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
