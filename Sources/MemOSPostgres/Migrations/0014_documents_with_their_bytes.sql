-- Migration 14: uploaded documents, with their bytes kept apart so that a listing never reads them.

CREATE TABLE documents (
    cube_id text NOT NULL,
    id uuid NOT NULL,
    name text NOT NULL,
    media_type text NOT NULL,
    size_bytes bigint NOT NULL,
    sha256 text NOT NULL,
    -- queued, parsing, ready, failed, deleted
    status text NOT NULL,
    -- The status before a soft delete, for a restore.
    status_before_delete text,
    title text NOT NULL DEFAULT '',
    page_count integer NOT NULL DEFAULT 0,
    chunk_count integer NOT NULL DEFAULT 0,
    chunks_done integer NOT NULL DEFAULT 0,
    error text NOT NULL DEFAULT '',
    error_reason text NOT NULL DEFAULT '',
    author_user_id uuid NOT NULL,
    job_id uuid,
    session_id text NOT NULL DEFAULT '',
    tags text[] NOT NULL DEFAULT '{}',
    info jsonb NOT NULL DEFAULT '{}',
    -- fast or fine, and the chunk overlap in tokens: how a re-parse cuts it again.
    mode text NOT NULL DEFAULT 'fast',
    chunk_overlap_tokens integer NOT NULL DEFAULT 32,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cube_id, id)
);

-- The same bytes twice in a cube are one document (a retried upload writes once).
CREATE UNIQUE INDEX documents_live_content ON documents (cube_id, sha256) WHERE status <> 'deleted';
CREATE INDEX documents_listing ON documents (cube_id, created_at DESC, id DESC);

CREATE TABLE document_contents (
    cube_id text NOT NULL,
    document_id uuid NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (cube_id, document_id),
    FOREIGN KEY (cube_id, document_id) REFERENCES documents (cube_id, id) ON DELETE CASCADE
);
-- Uploads are mostly compressed already (PDF, DOCX); do not spend time compressing them again.
ALTER TABLE document_contents ALTER COLUMN data SET STORAGE EXTERNAL;

-- A document's memories (chunks, and facts extracted from them), found by the document id of their first source;
-- partial, so memories of conversations pay nothing for it.
CREATE INDEX memories_by_document ON memories (cube_id, (sources -> 0 ->> 'document_id'))
    WHERE sources -> 0 ->> 'type' = 'doc';
