/// The versioned schema. Each migration runs once, in order, in its own transaction; applied versions are
/// recorded in `schema_migrations`. Never edit a published migration: add a new one.
///
/// Every table holding per-cube data has `cube_id` leading its primary key, so the schema can later be
/// distributed by cube.
enum Schema {
    struct Migration: Sendable {
        var version: Int
        var name: String
        var sql: [String]
    }

    static let migrations: [Migration] = [
        Migration(
            version: 1,
            name: "accounts, cubes, memories, history, messages, jobs, idempotency",
            sql: [
                """
                CREATE TABLE users (
                    id uuid PRIMARY KEY,
                    name text NOT NULL UNIQUE,
                    role text NOT NULL CHECK (role IN ('admin', 'user')),
                    disabled boolean NOT NULL DEFAULT false,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE api_keys (
                    id uuid PRIMARY KEY,
                    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    name text NOT NULL DEFAULT '',
                    prefix text NOT NULL,
                    key_hash bytea NOT NULL UNIQUE,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    last_used_at timestamptz,
                    revoked_at timestamptz
                )
                """,
                "CREATE INDEX api_keys_user_idx ON api_keys (user_id)",
                """
                CREATE TABLE cubes (
                    cube_id text PRIMARY KEY,
                    name text NOT NULL,
                    owner_id uuid NOT NULL REFERENCES users (id),
                    ttl_seconds bigint,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    deleted_at timestamptz
                )
                """,
                """
                CREATE TABLE cube_members (
                    cube_id text NOT NULL REFERENCES cubes (cube_id) ON DELETE CASCADE,
                    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    role text NOT NULL CHECK (role IN ('owner', 'writer', 'reader')),
                    created_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (cube_id, user_id)
                )
                """,
                "CREATE INDEX cube_members_user_idx ON cube_members (user_id)",
                // One sequence orders every change to every memory; readers follow it to stay fresh.
                "CREATE SEQUENCE memory_change_seq AS bigint",
                """
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
                )
                """,
                // The retrieval index catches up by change sequence; listings page by creation time.
                "CREATE INDEX memories_change_idx ON memories (cube_id, change_seq)",
                "CREATE INDEX memories_created_idx ON memories (cube_id, created_at DESC, id DESC)",
                "CREATE INDEX memories_session_idx ON memories (cube_id, session_id)",
                // Hard deletes leave a tombstone so that a follower of the change sequence sees them.
                """
                CREATE TABLE memory_tombstones (
                    cube_id text NOT NULL,
                    id uuid NOT NULL,
                    change_seq bigint NOT NULL,
                    deleted_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (cube_id, id)
                )
                """,
                "CREATE INDEX memory_tombstones_change_idx ON memory_tombstones (cube_id, change_seq)",
                """
                CREATE FUNCTION memories_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    NEW.change_seq := nextval('memory_change_seq');
                    IF TG_OP = 'UPDATE' THEN
                        NEW.updated_at := now();
                    END IF;
                    PERFORM pg_notify('memos_changes', NEW.cube_id);
                    RETURN NEW;
                END $$
                """,
                """
                CREATE TRIGGER memories_stamp_change BEFORE INSERT OR UPDATE ON memories
                FOR EACH ROW EXECUTE FUNCTION memories_stamp_change()
                """,
                """
                CREATE FUNCTION memories_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO memory_tombstones (cube_id, id, change_seq)
                    VALUES (OLD.cube_id, OLD.id, nextval('memory_change_seq'))
                    ON CONFLICT (cube_id, id) DO UPDATE SET change_seq = EXCLUDED.change_seq, deleted_at = now();
                    PERFORM pg_notify('memos_changes', OLD.cube_id);
                    RETURN OLD;
                END $$
                """,
                """
                CREATE TRIGGER memories_tombstone AFTER DELETE ON memories
                FOR EACH ROW EXECUTE FUNCTION memories_tombstone()
                """,
                """
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
                )
                """,
                "CREATE INDEX memory_history_memory_idx ON memory_history (cube_id, memory_id, id DESC)",
                """
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
                )
                """,
                """
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
                )
                """,
                // Workers claim runnable jobs by priority and time; listings page per cube.
                """
                CREATE INDEX jobs_runnable_idx ON jobs (priority DESC, run_at)
                WHERE status IN ('waiting', 'failed', 'in_progress')
                """,
                "CREATE INDEX jobs_cube_created_idx ON jobs (cube_id, created_at DESC, id DESC)",
                """
                CREATE TABLE idempotency_keys (
                    cube_id text NOT NULL,
                    user_id uuid NOT NULL,
                    key text NOT NULL,
                    operation text NOT NULL,
                    fingerprint text NOT NULL,
                    receipt jsonb,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (cube_id, user_id, key)
                )
                """,
                "CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)",
            ]
        ),
        Migration(
            version: 2,
            name: "exact-duplicate detection by normalised content",
            sql: [
                // Content compared case-insensitively with runs of whitespace as one space.
                """
                CREATE FUNCTION memos_content_hash(content text) RETURNS text
                LANGUAGE sql IMMUTABLE PARALLEL SAFE
                RETURN md5(lower(btrim(regexp_replace(content, '\\s+', ' ', 'g'))))
                """,
                "ALTER TABLE memories ADD COLUMN content_hash text GENERATED ALWAYS AS (memos_content_hash(content)) STORED",
                // At most one live memory per content in a cube: the write path returns the existing one.
                """
                CREATE UNIQUE INDEX memories_live_content_idx ON memories (cube_id, content_hash)
                WHERE status = 'activated'
                """,
            ]
        ),
        Migration(
            version: 3,
            name: "keyword search: English stemming, CJK characters and pairs, GIN index",
            sql: [
                // Text without spaces between words (Chinese, Japanese, Korean) is indexed by single characters
                // and adjacent pairs, so a query for a word inside a sentence matches.
                """
                CREATE FUNCTION memos_cjk_terms(input text) RETURNS text
                LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
                DECLARE
                    terms text := '';
                    previous text := NULL;
                    c text;
                BEGIN
                    IF input !~ '[\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uac00-\\ud7af\\uf900-\\ufaff]' THEN
                        RETURN '';
                    END IF;
                    FOREACH c IN ARRAY regexp_split_to_array(input, '') LOOP
                        IF c ~ '[\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uac00-\\ud7af\\uf900-\\ufaff]' THEN
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
                END $$
                """,
                """
                CREATE FUNCTION memos_search_vector(key text, content text) RETURNS tsvector
                LANGUAGE sql IMMUTABLE PARALLEL SAFE
                RETURN setweight(to_tsvector('english'::regconfig, coalesce(key, '')), 'B')
                    || to_tsvector('english'::regconfig, content || ' ' || memos_cjk_terms(content))
                """,
                """
                CREATE FUNCTION memos_search_query(query text) RETURNS tsquery
                LANGUAGE sql IMMUTABLE PARALLEL SAFE
                RETURN (
                    SELECT coalesce(string_agg(quote_literal(lexeme), ' | ')::tsquery, ''::tsquery)
                    FROM unnest(tsvector_to_array(
                        to_tsvector('english'::regconfig, query || ' ' || memos_cjk_terms(query))
                    )) AS lexeme
                )
                """,
                "ALTER TABLE memories DROP COLUMN search_text",
                """
                ALTER TABLE memories ADD COLUMN search_text tsvector
                GENERATED ALWAYS AS (memos_search_vector(key, content)) STORED
                """,
                "CREATE INDEX memories_search_idx ON memories USING gin (search_text)",
            ]
        ),
        Migration(
            version: 4,
            name: "job queue: fairness across cubes, NOTIFY on enqueue",
            sql: [
                // Claims find the cubes with runnable jobs by a skip scan, and each cube's most urgent jobs.
                """
                CREATE INDEX jobs_cube_runnable_idx ON jobs (cube_id, priority DESC, run_at)
                WHERE status IN ('waiting', 'failed')
                """,
                // When the job first started, for the enqueue-to-start latency.
                "ALTER TABLE jobs ADD COLUMN started_at timestamptz",
                // When each cube last had a job claimed: claims prefer the cube served least recently.
                """
                CREATE TABLE job_cube_turns (
                    cube_id text PRIMARY KEY,
                    last_claimed_at timestamptz NOT NULL
                )
                """,
                """
                CREATE FUNCTION memos_notify_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('memos_jobs', '');
                    RETURN NULL;
                END
                $$
                """,
                """
                CREATE TRIGGER jobs_notify AFTER INSERT ON jobs
                FOR EACH STATEMENT EXECUTE FUNCTION memos_notify_jobs()
                """,
                // One waiting reorganisation per cube: writes add their memories to it.
                """
                CREATE UNIQUE INDEX jobs_reorganize_waiting_idx ON jobs (cube_id)
                WHERE kind = 'reorganize' AND status = 'waiting'
                """,
                // Near-duplicate pairs found by reorganisation, for merging.
                """
                CREATE TABLE merge_candidates (
                    cube_id text NOT NULL,
                    memory_id uuid NOT NULL,
                    duplicate_of uuid NOT NULL,
                    similarity real NOT NULL,
                    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'merged', 'retired', 'dismissed')),
                    created_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (cube_id, memory_id, duplicate_of)
                )
                """,
                // A session's WorkingMemory items copy long-term memories: they are exempt from the live-content
                // uniqueness that deduplicates everything else.
                "DROP INDEX memories_live_content_idx",
                """
                CREATE UNIQUE INDEX memories_live_content_idx ON memories (cube_id, content_hash)
                WHERE status = 'activated' AND memory_type <> 'WorkingMemory'
                """,
                // Re-embedding stages the new model's vectors beside the live ones until the cube switches over.
                "ALTER TABLE memories ADD COLUMN next_embedding real[], ADD COLUMN next_embedding_model text",
                // Jobs of the whole system (cube_id '') run one at a time: a periodic one is not queued twice.
                """
                CREATE UNIQUE INDEX jobs_system_pending_idx ON jobs (kind)
                WHERE cube_id = '' AND status IN ('waiting', 'failed', 'in_progress')
                """,
            ]
        ),
        Migration(
            version: 5,
            name: "retrieval index follower: notifications with the sequence, snapshot-safe stamping, usage",
            sql: [
                // When a memory was last returned by a search or read; usage_count counts those reads.
                "ALTER TABLE memories ADD COLUMN last_accessed_at timestamptz",
                // The follower reads the highest committed sequence number of a snapshot.
                "CREATE INDEX memories_seq_idx ON memories (change_seq)",
                "CREATE INDEX memory_tombstones_seq_idx ON memory_tombstones (change_seq)",
                // True when an update changes only bookkeeping: usage counts, or re-embedding vectors staged beside
                // the live ones (the generated columns follow the others). Compared column by column, which is
                // cheap next to converting whole rows.
                """
                CREATE FUNCTION memos_usage_only(b memories, a memories) RETURNS boolean
                LANGUAGE sql IMMUTABLE AS $$
                    SELECT a.version = b.version AND a.status = b.status AND a.content = b.content AND a.key = b.key
                        AND a.memory_type = b.memory_type AND a.session_id = b.session_id AND a.tags = b.tags
                        AND a.info = b.info AND a.sources = b.sources AND a.confidence = b.confidence
                        AND a.embedding_model = b.embedding_model AND a.embedding IS NOT DISTINCT FROM b.embedding
                        AND a.valid_from IS NOT DISTINCT FROM b.valid_from AND a.valid_to IS NOT DISTINCT FROM b.valid_to
                        AND a.author_user_id = b.author_user_id
                $$
                """,
                // The transaction id is assigned before the sequence number is taken, so a transaction that is not
                // yet running in a reader's snapshot can only take numbers above everything that snapshot sees
                // (RetrievalIndex relies on this). Bookkeeping-only updates are not changes: no new number, no
                // notification. The notification's payload is "<cube id> <change_seq>".
                """
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
                END $$
                """,
                """
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
                END $$
                """,
            ]
        ),
        Migration(
            version: 6,
            name: "cube time-to-live for memories",
            sql: [
                // Memories of a cube older than this are archived by the lifecycle sweep; NULL keeps them.
                "ALTER TABLE cubes ADD COLUMN memory_ttl_seconds bigint CHECK (memory_ttl_seconds > 0)",
            ]
        ),
        Migration(
            version: 7,
            name: "bulk writes: derived columns kept by the trigger, one notification per cube and transaction",
            sql: [
                // Text with nothing to collapse (ASCII, single spaces, no tabs or line breaks) skips the regular
                // expression, by far the dearest step; the result is the same for every text (in UTF-8).
                """
                CREATE OR REPLACE FUNCTION memos_content_hash(content text) RETURNS text
                LANGUAGE sql IMMUTABLE PARALLEL SAFE
                RETURN md5(lower(btrim(CASE
                    WHEN octet_length(content) = char_length(content) AND strpos(content, '  ') = 0
                        AND strpos(content, E'\\t') = 0 AND strpos(content, E'\\n') = 0 AND strpos(content, E'\\r') = 0
                        AND strpos(content, E'\\f') = 0 AND strpos(content, E'\\x0B') = 0
                    THEN content
                    ELSE regexp_replace(content, '\\s+', ' ', 'g')
                END)))
                """,
                // PostgreSQL 15 recomputes stored generated columns on every update, so a status change (a soft
                // delete) re-parsed the text. The stamping trigger now computes them, on insert and when the
                // content or key changes.
                "ALTER TABLE memories ALTER COLUMN content_hash DROP EXPRESSION",
                "ALTER TABLE memories ALTER COLUMN search_text DROP EXPRESSION",
                // A row is left whole up to a full page: a vector of a small model (384 floats, 1.5 KB) stays in
                // it instead of going through a compression attempt (vectors do not compress) and the TOAST
                // table on every insert and read. Longer rows move their vectors out uncompressed.
                "ALTER TABLE memories SET (toast_tuple_target = 8160)",
                "ALTER TABLE memories ALTER COLUMN embedding SET STORAGE EXTERNAL, ALTER COLUMN next_embedding SET STORAGE EXTERNAL",
                // Notifies the follower once per cube and transaction (the follower only needs waking; it reads
                // every change since its watermark): the cubes notified so far live in a transaction-local
                // setting. Payload "<cube id> <change_seq>", the transaction's first change in the cube.
                """
                CREATE FUNCTION memos_notify_change(cube text, seq bigint) RETURNS boolean LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM set_config('memos.notified_cubes',
                        coalesce(current_setting('memos.notified_cubes', true), '') || E'\\n' || cube || E'\\n', true);
                    PERFORM pg_notify('memos_changes', cube || ' ' || seq);
                    RETURN true;
                END $$
                """,
                // As in migration 5 (a transaction id before the sequence number; bookkeeping-only updates are no
                // change), with assignments instead of PERFORM (which runs a query per row).
                """
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
                    IF strpos(coalesce(current_setting('memos.notified_cubes', true), ''), E'\\n' || NEW.cube_id || E'\\n') = 0 THEN
                        notified := memos_notify_change(NEW.cube_id, NEW.change_seq);
                    END IF;
                    RETURN NEW;
                END $$
                """,
                """
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
                    IF strpos(coalesce(current_setting('memos.notified_cubes', true), ''), E'\\n' || OLD.cube_id || E'\\n') = 0 THEN
                        notified := memos_notify_change(OLD.cube_id, seq);
                    END IF;
                    RETURN OLD;
                END $$
                """,
            ]
        ),
        Migration(
            version: 8,
            name: "keyword search moves into the retrieval index: drop the term vector column and its index",
            sql: [
                // The retrieval service scores keywords with BM25 in its own index (KeywordTokenizer); PostgreSQL
                // no longer computes a tsvector per write. The stamping trigger of migration 7, without it:
                """
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
                    IF strpos(coalesce(current_setting('memos.notified_cubes', true), ''), E'\\n' || NEW.cube_id || E'\\n') = 0 THEN
                        notified := memos_notify_change(NEW.cube_id, NEW.change_seq);
                    END IF;
                    RETURN NEW;
                END $$
                """,
                "DROP INDEX memories_search_idx",
                "ALTER TABLE memories DROP COLUMN search_text",
                "DROP FUNCTION memos_search_query(text)",
                "DROP FUNCTION memos_search_vector(text, text)",
                "DROP FUNCTION memos_cjk_terms(text)",
            ]
        ),
        Migration(
            version: 9,
            name: "no planner statistics on vectors",
            sql: [
                // ANALYZE hashes every element of a sampled array column to find common elements; on the vectors
                // that took a third of PostgreSQL's CPU during a bulk import (autovacuum analyses as rows arrive)
                // and no query filters on an element. The planner needs no statistics of these columns.
                "ALTER TABLE memories ALTER COLUMN embedding SET STATISTICS 0, ALTER COLUMN next_embedding SET STATISTICS 0",
            ]
        ),
        Migration(
            version: 10,
            name: "a memory's creation is derived from its row, not stored as a history row",
            sql: [
                // Writing an "add" row per memory (a second heap tuple with a copy of the content, two index
                // entries, an identity number) was a quarter of an import's database time. History reads now
                // derive the entry from the memory row and the first stored change (PostgresMemoryStore's
                // creationEntry), with the same values; the stored ones would appear twice.
                "DELETE FROM memory_history WHERE action = 'add'",
            ]
        ),
        Migration(
            version: 11,
            name: "vectors stored as bytea: float32s, big-endian, back to back",
            sql: [
                // A real[] carries a length word per element, and PostgreSQL received a bound vector element by
                // element and sliced each row's part into a new array: about a tenth of an import's database
                // time. bytea arrives in one copy and a row's part is a substring. The bytes of each float are
                // float4send's (IEEE 754, big-endian), so this function is also how SQL writes a vector. The
                // conversion rewrites the table: about 7 s per 100,000 memories (README, "Configuration").
                """
                CREATE FUNCTION memos_pack_vector(v real[]) RETURNS bytea
                LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
                    SELECT coalesce(string_agg(float4send(x), ''::bytea ORDER BY ord), ''::bytea)
                    FROM unnest(v) WITH ORDINALITY AS u(x, ord)
                $$
                """,
                """
                ALTER TABLE memories
                    ALTER COLUMN embedding TYPE bytea USING memos_pack_vector(embedding),
                    ALTER COLUMN next_embedding TYPE bytea USING memos_pack_vector(next_embedding)
                """,
                // A vector is read whole, never compressed or analysed (as migrations 7 and 9 set for real[]).
                "ALTER TABLE memories ALTER COLUMN embedding SET STORAGE EXTERNAL, ALTER COLUMN next_embedding SET STORAGE EXTERNAL",
                "ALTER TABLE memories ALTER COLUMN embedding SET STATISTICS 0, ALTER COLUMN next_embedding SET STATISTICS 0",
            ]
        ),
        Migration(
            version: 12,
            name: "content hash of ASCII text without a regular expression",
            sql: [
                // The fast reader's windows have a line per turn, so every one took the regular expression (a tenth
                // of the database's time in fast ingest). ASCII text now maps its whitespace (the characters \s
                // matches there) to spaces and collapses each run to one: every space gains a marker after it,
                // a marker followed by a space goes, then the markers. Same hash for every text (a test holds it
                // to the expression), so stored hashes stay valid; text holding the marker (U+0001) keeps the
                // expression.
                """
                CREATE OR REPLACE FUNCTION memos_content_hash(content text) RETURNS text
                LANGUAGE sql IMMUTABLE PARALLEL SAFE
                RETURN md5(lower(btrim(CASE
                    WHEN octet_length(content) = char_length(content) AND strpos(content, chr(1)) = 0
                    THEN replace(replace(replace(translate(content, E'\\t\\n\\x0B\\f\\r', '     '), ' ', ' ' || chr(1)),
                        chr(1) || ' ', ''), chr(1), '')
                    ELSE regexp_replace(content, '\\s+', ' ', 'g')
                END)))
                """,
            ]
        ),
        Migration(
            version: 13,
            name: "server secrets",
            sql: [
                // Keys every service of a deployment shares, made once here from PostgreSQL's strong random source
                // (gen_random_uuid: 122 random bits each, two of them per key).
                """
                CREATE TABLE server_secrets (
                    name text PRIMARY KEY,
                    secret bytea NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                INSERT INTO server_secrets (name, secret)
                VALUES ('page_tokens', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'))
                """,
            ]
        ),
    ]
}
