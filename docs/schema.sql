-- The schema after every migration (Sources/MemOSPostgres/Migrations), as pg_dump --schema-only prints it.
-- Checked by MigrationTests; MEMOS_WRITE_SCHEMA=1 scripts/test.sh rewrites it.
--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: memories_stamp_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.memories_stamp_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: memories_tombstone(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.memories_tombstone() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: memos_content_hash(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.memos_content_hash(content text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN md5(lower(btrim(CASE WHEN ((octet_length(content) = char_length(content)) AND (strpos(content, chr(1)) = 0)) THEN replace(replace(replace(translate(content, '	
'::text, '     '::text), ' '::text, (' '::text || chr(1))), (chr(1) || ' '::text), ''::text), chr(1), ''::text) ELSE regexp_replace(content, '\s+'::text, ' '::text, 'g'::text) END)));


--
-- Name: memos_notify_change(text, bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.memos_notify_change(cube text, seq bigint) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM set_config('memos.notified_cubes',
        coalesce(current_setting('memos.notified_cubes', true), '') || E'\n' || cube || E'\n', true);
    PERFORM pg_notify('memos_changes', cube || ' ' || seq);
    RETURN true;
END $$;


--
-- Name: memos_notify_jobs(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.memos_notify_jobs() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM pg_notify('memos_jobs', '');
    RETURN NULL;
END
$$;


--
-- Name: memos_pack_vector(real[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.memos_pack_vector(v real[]) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
    SELECT coalesce(string_agg(float4send(x), ''::bytea ORDER BY ord), ''::bytea)
    FROM unnest(v) WITH ORDINALITY AS u(x, ord)
$$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: memories; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.memories (
    cube_id text NOT NULL,
    id uuid NOT NULL,
    author_user_id uuid NOT NULL,
    session_id text DEFAULT ''::text NOT NULL,
    memory_type text NOT NULL,
    status text DEFAULT 'activated'::text NOT NULL,
    key text DEFAULT ''::text NOT NULL,
    content text NOT NULL,
    tags text[] DEFAULT '{}'::text[] NOT NULL,
    info jsonb DEFAULT '{}'::jsonb NOT NULL,
    sources jsonb DEFAULT '[]'::jsonb NOT NULL,
    confidence real DEFAULT 1 NOT NULL,
    embedding_model text NOT NULL,
    embedding bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    valid_from timestamp with time zone,
    valid_to timestamp with time zone,
    version bigint DEFAULT 1 NOT NULL,
    usage_count bigint DEFAULT 0 NOT NULL,
    change_seq bigint NOT NULL,
    content_hash text,
    next_embedding bytea,
    next_embedding_model text,
    last_accessed_at timestamp with time zone,
    CONSTRAINT memories_status_check CHECK ((status = ANY (ARRAY['activated'::text, 'archived'::text, 'deleted'::text])))
)
WITH (toast_tuple_target='8160');
ALTER TABLE ONLY public.memories ALTER COLUMN embedding SET STATISTICS 0;
ALTER TABLE ONLY public.memories ALTER COLUMN embedding SET STORAGE EXTERNAL;
ALTER TABLE ONLY public.memories ALTER COLUMN next_embedding SET STATISTICS 0;
ALTER TABLE ONLY public.memories ALTER COLUMN next_embedding SET STORAGE EXTERNAL;


--
-- Name: memos_usage_only(public.memories, public.memories); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.memos_usage_only(b public.memories, a public.memories) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT a.version = b.version AND a.status = b.status AND a.content = b.content AND a.key = b.key
        AND a.memory_type = b.memory_type AND a.session_id = b.session_id AND a.tags = b.tags
        AND a.info = b.info AND a.sources = b.sources AND a.confidence = b.confidence
        AND a.embedding_model = b.embedding_model AND a.embedding IS NOT DISTINCT FROM b.embedding
        AND a.valid_from IS NOT DISTINCT FROM b.valid_from AND a.valid_to IS NOT DISTINCT FROM b.valid_to
        AND a.author_user_id = b.author_user_id
$$;


--
-- Name: api_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.api_keys (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    name text DEFAULT ''::text NOT NULL,
    prefix text NOT NULL,
    key_hash bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_used_at timestamp with time zone,
    revoked_at timestamp with time zone
);


--
-- Name: cube_members; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.cube_members (
    cube_id text NOT NULL,
    user_id uuid NOT NULL,
    role text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT cube_members_role_check CHECK ((role = ANY (ARRAY['owner'::text, 'writer'::text, 'reader'::text])))
);


--
-- Name: cubes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.cubes (
    cube_id text NOT NULL,
    name text NOT NULL,
    owner_id uuid NOT NULL,
    ttl_seconds bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    deleted_at timestamp with time zone,
    memory_ttl_seconds bigint,
    CONSTRAINT cubes_memory_ttl_seconds_check CHECK ((memory_ttl_seconds > 0))
);


--
-- Name: document_contents; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.document_contents (
    cube_id text NOT NULL,
    document_id uuid NOT NULL,
    data bytea NOT NULL
);
ALTER TABLE ONLY public.document_contents ALTER COLUMN data SET STORAGE EXTERNAL;


--
-- Name: documents; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.documents (
    cube_id text NOT NULL,
    id uuid NOT NULL,
    name text NOT NULL,
    media_type text NOT NULL,
    size_bytes bigint NOT NULL,
    sha256 text NOT NULL,
    status text NOT NULL,
    status_before_delete text,
    title text DEFAULT ''::text NOT NULL,
    page_count integer DEFAULT 0 NOT NULL,
    chunk_count integer DEFAULT 0 NOT NULL,
    chunks_done integer DEFAULT 0 NOT NULL,
    error text DEFAULT ''::text NOT NULL,
    error_reason text DEFAULT ''::text NOT NULL,
    author_user_id uuid NOT NULL,
    job_id uuid,
    session_id text DEFAULT ''::text NOT NULL,
    tags text[] DEFAULT '{}'::text[] NOT NULL,
    info jsonb DEFAULT '{}'::jsonb NOT NULL,
    mode text DEFAULT 'fast'::text NOT NULL,
    chunk_overlap_tokens integer DEFAULT 32 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: idempotency_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.idempotency_keys (
    cube_id text NOT NULL,
    user_id uuid NOT NULL,
    key text NOT NULL,
    operation text NOT NULL,
    fingerprint text NOT NULL,
    receipt jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: job_cube_turns; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.job_cube_turns (
    cube_id text NOT NULL,
    last_claimed_at timestamp with time zone NOT NULL
);


--
-- Name: jobs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.jobs (
    cube_id text NOT NULL,
    id uuid NOT NULL,
    kind text NOT NULL,
    status text DEFAULT 'waiting'::text NOT NULL,
    priority integer DEFAULT 0 NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    result jsonb DEFAULT '{}'::jsonb NOT NULL,
    session_id text DEFAULT ''::text NOT NULL,
    memory_ids uuid[] DEFAULT '{}'::uuid[] NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 5 NOT NULL,
    last_error text DEFAULT ''::text NOT NULL,
    progress real DEFAULT 0 NOT NULL,
    lease_owner text,
    lease_expires_at timestamp with time zone,
    run_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    started_at timestamp with time zone,
    CONSTRAINT jobs_status_check CHECK ((status = ANY (ARRAY['waiting'::text, 'in_progress'::text, 'completed'::text, 'failed'::text, 'cancelled'::text, 'dead'::text])))
);


--
-- Name: memory_change_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.memory_change_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: memory_history; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.memory_history (
    cube_id text NOT NULL,
    id bigint NOT NULL,
    memory_id uuid NOT NULL,
    action text NOT NULL,
    before jsonb,
    after jsonb,
    actor_user_id uuid,
    job_id uuid,
    reason text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: memory_history_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.memory_history ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.memory_history_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: memory_tombstones; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.memory_tombstones (
    cube_id text NOT NULL,
    id uuid NOT NULL,
    change_seq bigint NOT NULL,
    deleted_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: merge_candidates; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.merge_candidates (
    cube_id text NOT NULL,
    memory_id uuid NOT NULL,
    duplicate_of uuid NOT NULL,
    similarity real NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT merge_candidates_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'merged'::text, 'retired'::text, 'dismissed'::text])))
);


--
-- Name: messages; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.messages (
    cube_id text NOT NULL,
    id uuid NOT NULL,
    session_id text DEFAULT ''::text NOT NULL,
    role text NOT NULL,
    name text DEFAULT ''::text NOT NULL,
    content text NOT NULL,
    chat_time timestamp with time zone,
    message_id text DEFAULT ''::text NOT NULL,
    author_user_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    tool jsonb
);


--
-- Name: server_secrets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.server_secrets (
    name text NOT NULL,
    secret bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id uuid NOT NULL,
    name text NOT NULL,
    role text NOT NULL,
    disabled boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT users_role_check CHECK ((role = ANY (ARRAY['admin'::text, 'user'::text])))
);


--
-- Name: api_keys api_keys_key_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash);


--
-- Name: api_keys api_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_pkey PRIMARY KEY (id);


--
-- Name: cube_members cube_members_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cube_members
    ADD CONSTRAINT cube_members_pkey PRIMARY KEY (cube_id, user_id);


--
-- Name: cubes cubes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cubes
    ADD CONSTRAINT cubes_pkey PRIMARY KEY (cube_id);


--
-- Name: document_contents document_contents_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.document_contents
    ADD CONSTRAINT document_contents_pkey PRIMARY KEY (cube_id, document_id);


--
-- Name: documents documents_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.documents
    ADD CONSTRAINT documents_pkey PRIMARY KEY (cube_id, id);


--
-- Name: idempotency_keys idempotency_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (cube_id, user_id, key);


--
-- Name: job_cube_turns job_cube_turns_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.job_cube_turns
    ADD CONSTRAINT job_cube_turns_pkey PRIMARY KEY (cube_id);


--
-- Name: jobs jobs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.jobs
    ADD CONSTRAINT jobs_pkey PRIMARY KEY (cube_id, id);


--
-- Name: memories memories_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.memories
    ADD CONSTRAINT memories_pkey PRIMARY KEY (cube_id, id);


--
-- Name: memory_history memory_history_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.memory_history
    ADD CONSTRAINT memory_history_pkey PRIMARY KEY (cube_id, id);


--
-- Name: memory_tombstones memory_tombstones_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.memory_tombstones
    ADD CONSTRAINT memory_tombstones_pkey PRIMARY KEY (cube_id, id);


--
-- Name: merge_candidates merge_candidates_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.merge_candidates
    ADD CONSTRAINT merge_candidates_pkey PRIMARY KEY (cube_id, memory_id, duplicate_of);


--
-- Name: messages messages_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT messages_pkey PRIMARY KEY (cube_id, id);


--
-- Name: server_secrets server_secrets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.server_secrets
    ADD CONSTRAINT server_secrets_pkey PRIMARY KEY (name);


--
-- Name: users users_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_name_key UNIQUE (name);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: api_keys_user_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX api_keys_user_idx ON public.api_keys USING btree (user_id);


--
-- Name: cube_members_user_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX cube_members_user_idx ON public.cube_members USING btree (user_id);


--
-- Name: documents_listing; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX documents_listing ON public.documents USING btree (cube_id, created_at DESC, id DESC);


--
-- Name: documents_live_content; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX documents_live_content ON public.documents USING btree (cube_id, sha256) WHERE (status <> 'deleted'::text);


--
-- Name: idempotency_keys_created_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idempotency_keys_created_idx ON public.idempotency_keys USING btree (created_at);


--
-- Name: jobs_cube_created_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX jobs_cube_created_idx ON public.jobs USING btree (cube_id, created_at DESC, id DESC);


--
-- Name: jobs_cube_runnable_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX jobs_cube_runnable_idx ON public.jobs USING btree (cube_id, priority DESC, run_at) WHERE (status = ANY (ARRAY['waiting'::text, 'failed'::text]));


--
-- Name: jobs_reorganize_waiting_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX jobs_reorganize_waiting_idx ON public.jobs USING btree (cube_id) WHERE ((kind = 'reorganize'::text) AND (status = 'waiting'::text));


--
-- Name: jobs_runnable_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX jobs_runnable_idx ON public.jobs USING btree (priority DESC, run_at) WHERE (status = ANY (ARRAY['waiting'::text, 'failed'::text, 'in_progress'::text]));


--
-- Name: jobs_system_pending_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX jobs_system_pending_idx ON public.jobs USING btree (kind) WHERE ((cube_id = ''::text) AND (status = ANY (ARRAY['waiting'::text, 'failed'::text, 'in_progress'::text])));


--
-- Name: memories_by_document; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX memories_by_document ON public.memories USING btree (cube_id, (((sources -> 0) ->> 'document_id'::text))) WHERE (((sources -> 0) ->> 'type'::text) = 'doc'::text);


--
-- Name: memories_change_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX memories_change_idx ON public.memories USING btree (cube_id, change_seq);


--
-- Name: memories_created_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX memories_created_idx ON public.memories USING btree (cube_id, created_at DESC, id DESC);


--
-- Name: memories_live_content_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX memories_live_content_idx ON public.memories USING btree (cube_id, content_hash) WHERE ((status = 'activated'::text) AND (memory_type <> 'WorkingMemory'::text));


--
-- Name: memories_seq_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX memories_seq_idx ON public.memories USING btree (change_seq);


--
-- Name: memories_session_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX memories_session_idx ON public.memories USING btree (cube_id, session_id);


--
-- Name: memory_history_memory_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX memory_history_memory_idx ON public.memory_history USING btree (cube_id, memory_id, id DESC);


--
-- Name: memory_tombstones_change_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX memory_tombstones_change_idx ON public.memory_tombstones USING btree (cube_id, change_seq);


--
-- Name: memory_tombstones_seq_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX memory_tombstones_seq_idx ON public.memory_tombstones USING btree (change_seq);


--
-- Name: jobs jobs_notify; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER jobs_notify AFTER INSERT ON public.jobs FOR EACH STATEMENT EXECUTE FUNCTION public.memos_notify_jobs();


--
-- Name: memories memories_stamp_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER memories_stamp_change BEFORE INSERT OR UPDATE ON public.memories FOR EACH ROW EXECUTE FUNCTION public.memories_stamp_change();


--
-- Name: memories memories_tombstone; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER memories_tombstone AFTER DELETE ON public.memories FOR EACH ROW EXECUTE FUNCTION public.memories_tombstone();


--
-- Name: api_keys api_keys_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: cube_members cube_members_cube_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cube_members
    ADD CONSTRAINT cube_members_cube_id_fkey FOREIGN KEY (cube_id) REFERENCES public.cubes(cube_id) ON DELETE CASCADE;


--
-- Name: cube_members cube_members_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cube_members
    ADD CONSTRAINT cube_members_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: cubes cubes_owner_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cubes
    ADD CONSTRAINT cubes_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES public.users(id);


--
-- Name: document_contents document_contents_cube_id_document_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.document_contents
    ADD CONSTRAINT document_contents_cube_id_document_id_fkey FOREIGN KEY (cube_id, document_id) REFERENCES public.documents(cube_id, id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--


