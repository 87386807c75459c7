-- Migration 4: job queue: fairness across cubes, NOTIFY on enqueue.

CREATE INDEX jobs_cube_runnable_idx ON jobs (cube_id, priority DESC, run_at)
WHERE status IN ('waiting', 'failed');

ALTER TABLE jobs ADD COLUMN started_at timestamptz;

CREATE TABLE job_cube_turns (
    cube_id text PRIMARY KEY,
    last_claimed_at timestamptz NOT NULL
);

CREATE FUNCTION memos_notify_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('memos_jobs', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_notify AFTER INSERT ON jobs
FOR EACH STATEMENT EXECUTE FUNCTION memos_notify_jobs();

CREATE UNIQUE INDEX jobs_reorganize_waiting_idx ON jobs (cube_id)
WHERE kind = 'reorganize' AND status = 'waiting';

CREATE TABLE merge_candidates (
    cube_id text NOT NULL,
    memory_id uuid NOT NULL,
    duplicate_of uuid NOT NULL,
    similarity real NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'merged', 'retired', 'dismissed')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cube_id, memory_id, duplicate_of)
);

DROP INDEX memories_live_content_idx;

CREATE UNIQUE INDEX memories_live_content_idx ON memories (cube_id, content_hash)
WHERE status = 'activated' AND memory_type <> 'WorkingMemory';

ALTER TABLE memories ADD COLUMN next_embedding real[], ADD COLUMN next_embedding_model text;

CREATE UNIQUE INDEX jobs_system_pending_idx ON jobs (kind)
WHERE cube_id = '' AND status IN ('waiting', 'failed', 'in_progress');
