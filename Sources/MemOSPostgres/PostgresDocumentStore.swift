import Foundation
import Logging
import MemOSCore
import NIOCore
import PostgresNIO

/// Documents in PostgreSQL: a `documents` row each, the uploaded bytes in `document_contents`, and the memories
/// made from them in `memories`, found by the document id of their first source (an index of migration 14).
public struct PostgresDocumentStore: DocumentStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = """
        d.cube_id, d.id, d.name, d.media_type, d.size_bytes, d.sha256, d.status, d.title, d.page_count, d.chunk_count,
        d.chunks_done, d.error, d.error_reason, d.author_user_id, d.job_id, d.session_id, d.tags, d.info::text AS info,
        d.mode, d.chunk_overlap_tokens, d.created_at, d.updated_at
        """

    /// The memories of a document: `$1` the cube, `$2` the document id as text.
    static let ownMemories = "m.sources -> 0 ->> 'type' = 'doc' AND m.sources -> 0 ->> 'document_id' = $2"

    public func add(
        _ document: Document,
        bytes: [UInt8],
        parsed: ParsedContent?,
        job: NewJob?
    ) async throws -> (document: Document, duplicate: Bool, changeSeq: Int64) {
        let logger = self.database.logger
        let cubeID = document.cubeID
        return try await self.database.transaction { connection in
            var row = document
            row.jobID = job?.id
            if let parsed {
                row.status = .ready
                row.title = parsed.title
                row.pageCount = parsed.pageCount
                row.chunkCount = parsed.chunkCount
                row.chunksDone = parsed.chunkCount
            } else {
                row.status = .queued
            }
            let inserted = try await connection.rows(
                """
                INSERT INTO documents (cube_id, id, name, media_type, size_bytes, sha256, status, title, page_count,
                    chunk_count, chunks_done, author_user_id, job_id, session_id, tags, info, mode, chunk_overlap_tokens)
                VALUES (\(cubeID), \(row.id), \(row.name), \(row.mediaType), \(row.sizeBytes), \(row.sha256),
                    \(row.status.rawValue), \(row.title), \(row.pageCount), \(row.chunkCount), \(row.chunksDone),
                    \(row.authorUserID), \(row.jobID), \(row.sessionID), \(row.tags),
                    \(try JSONCoding.string(row.info))::jsonb, \(row.mode), \(row.chunkOverlapTokens))
                ON CONFLICT (cube_id, sha256) WHERE status <> 'deleted' DO NOTHING
                RETURNING \(unescaped: Self.columns.replacingOccurrences(of: "d.", with: ""))
                """,
                logger: logger
            )
            guard let stored = try inserted.first.map(Self.document(from:)) else {
                let existing = try await connection.rows(
                    """
                    SELECT \(unescaped: Self.columns) FROM documents d
                    WHERE d.cube_id = \(cubeID) AND d.sha256 = \(row.sha256) AND d.status <> 'deleted'
                    """,
                    logger: logger
                )
                guard let found = try existing.first.map(Self.document(from:)) else {
                    throw MemOSError(code: .aborted, message: "a concurrent change touched the same document; retry")
                }
                return (found, true, try await Self.currentChangeSeq(on: connection, logger: logger))
            }
            try await connection.run(
                """
                INSERT INTO document_contents (cube_id, document_id, data)
                VALUES (\(cubeID), \(row.id), \(ByteBuffer(bytes: bytes)))
                """,
                logger: logger
            )
            var changeSeq: Int64 = 0
            if let parsed {
                let memories = try await PostgresMemoryStore.write(
                    parsed.memories,
                    messages: [],
                    cubeID: cubeID,
                    author: document.authorUserID,
                    on: connection,
                    logger: logger
                )
                changeSeq = memories.map(\.changeSeq).max() ?? 0
            }
            if let job { _ = try await PostgresJobStore.enqueue(job, on: connection, logger: logger) }
            if changeSeq == 0 { changeSeq = try await Self.currentChangeSeq(on: connection, logger: logger) }
            return (stored, false, changeSeq)
        }
    }

    public func document(id: UUID, cubeID: String) async throws -> Document? {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await connection.rows(
                "SELECT \(unescaped: Self.columns) FROM documents d WHERE d.cube_id = \(cubeID) AND d.id = \(id)",
                logger: logger
            ).first.map(Self.document(from:))
        }
    }

    public func documents(
        cubeID: String,
        statuses: Set<DocumentStatus>,
        after cursor: ListCursor?,
        limit: Int
    ) async throws -> [Document] {
        let logger = self.database.logger
        let wanted = statuses.map(\.rawValue).sorted()
        let after = cursor?.createdAt ?? Date.distantFuture
        let afterID =
            cursor?.id ?? UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))
        return try await self.database.withConnection { connection in
            try await connection.rows(
                """
                SELECT \(unescaped: Self.columns) FROM documents d
                WHERE d.cube_id = \(cubeID) AND d.status = ANY(\(wanted)) AND (d.created_at, d.id) < (\(after), \(afterID))
                ORDER BY d.created_at DESC, d.id DESC LIMIT \(limit)
                """,
                logger: logger
            ).map(Self.document(from:))
        }
    }

    public func bytes(documentID: UUID, cubeID: String) async throws -> [UInt8]? {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await connection.rows(
                "SELECT data FROM document_contents WHERE cube_id = \(cubeID) AND document_id = \(documentID)",
                logger: logger
            ).first.map { Array(buffer: try $0["data"].decode(ByteBuffer.self)) }
        }
    }

    public func reportProgress(
        documentID: UUID,
        cubeID: String,
        jobID: UUID,
        chunkCount: Int,
        chunksDone: Int
    ) async throws -> Bool {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await !connection.rows(
                """
                UPDATE documents SET status = 'parsing', chunk_count = \(chunkCount), chunks_done = \(chunksDone),
                    updated_at = now()
                WHERE cube_id = \(cubeID) AND id = \(documentID) AND job_id = \(jobID) AND status IN ('queued', 'parsing')
                RETURNING 1
                """,
                logger: logger
            ).isEmpty
        }
    }

    public func fail(documentID: UUID, cubeID: String, jobID: UUID, reason: String, message: String) async throws {
        let logger = self.database.logger
        try await self.database.withConnection { connection in
            try await connection.run(
                """
                UPDATE documents SET status = 'failed', error = \(message), error_reason = \(reason), updated_at = now()
                WHERE cube_id = \(cubeID) AND id = \(documentID) AND job_id = \(jobID) AND status IN ('queued', 'parsing')
                """,
                logger: logger
            )
        }
    }

    public func complete(
        documentID: UUID,
        cubeID: String,
        jobID: UUID,
        author: UUID,
        parsed: ParsedContent
    ) async throws -> Int64? {
        let logger = self.database.logger
        return try await self.database.transaction { connection in
            let owned = try await connection.rows(
                """
                SELECT 1 FROM documents WHERE cube_id = \(cubeID) AND id = \(documentID) AND job_id = \(jobID)
                    AND status IN ('queued', 'parsing')
                FOR UPDATE
                """,
                logger: logger
            )
            guard !owned.isEmpty else { return nil }
            // The chunks of an earlier parse give way to the new ones: archived, so that neither search nor a later
            // restore of the document brings them back.
            let replaced = try await PostgresMemoryStore.transition(
                where: "\(Self.ownMemories) AND m.status = 'activated'",
                binds: try PostgresMemoryStore.bindings(cubeID, documentID.lowercasedString),
                to: .archived,
                action: "archive",
                actor: nil,
                on: connection,
                logger: logger
            )
            let memories = try await PostgresMemoryStore.write(
                parsed.memories,
                messages: [],
                cubeID: cubeID,
                author: author,
                on: connection,
                logger: logger
            )
            try await connection.run(
                """
                UPDATE documents SET status = 'ready', title = \(parsed.title), page_count = \(parsed.pageCount),
                    chunk_count = \(parsed.chunkCount), chunks_done = \(parsed.chunkCount), error = '',
                    error_reason = '', updated_at = now()
                WHERE cube_id = \(cubeID) AND id = \(documentID)
                """,
                logger: logger
            )
            return (memories.map(\.changeSeq) + replaced.map(\.1)).max() ?? 0
        }
    }

    public func delete(
        documentID: UUID,
        cubeID: String,
        actor: UUID,
        hard: Bool
    ) async throws -> (document: Document, memoryCount: Int, changeSeq: Int64) {
        let logger = self.database.logger
        let binds = try PostgresMemoryStore.bindings(cubeID, documentID.lowercasedString)
        return try await self.database.transaction { connection in
            var document = try await Self.locked(documentID, cubeID: cubeID, on: connection, logger: logger)
            if !hard, document.status == .deleted { throw Self.notFound(documentID, cubeID: cubeID) }
            if hard {
                let removed = try await connection.rows(
                    PostgresQuery(
                        unsafeSQL: """
                            WITH removed AS (
                                DELETE FROM memories m WHERE m.cube_id = $1 AND \(Self.ownMemories)
                                RETURNING m.cube_id, m.id
                            ), forgotten AS (
                                DELETE FROM memory_history h USING removed r
                                WHERE h.cube_id = r.cube_id AND h.memory_id = r.id
                            )
                            SELECT id FROM removed
                            """,
                        binds: binds
                    ),
                    logger: logger
                )
                try await connection.run(
                    "DELETE FROM documents WHERE cube_id = \(cubeID) AND id = \(documentID)",
                    logger: logger
                )
                return (document, removed.count, try await Self.currentChangeSeq(on: connection, logger: logger))
            }
            let deleted = try await PostgresMemoryStore.transition(
                where: "\(Self.ownMemories) AND m.status = 'activated'",
                binds: binds,
                to: .deleted,
                action: "delete",
                actor: actor,
                on: connection,
                logger: logger
            )
            try await connection.run(
                """
                UPDATE documents SET status_before_delete = status, status = 'deleted', updated_at = now()
                WHERE cube_id = \(cubeID) AND id = \(documentID)
                """,
                logger: logger
            )
            document.status = .deleted
            var changeSeq = deleted.map(\.1).max() ?? 0
            if changeSeq == 0 { changeSeq = try await Self.currentChangeSeq(on: connection, logger: logger) }
            return (document, deleted.count, changeSeq)
        }
    }

    public func restore(
        documentID: UUID,
        cubeID: String,
        actor: UUID
    ) async throws -> (document: Document, memoryCount: Int, changeSeq: Int64) {
        let logger = self.database.logger
        return try await self.database.transaction { connection in
            let found = try await Self.locked(documentID, cubeID: cubeID, on: connection, logger: logger)
            guard found.status == .deleted else {
                throw MemOSError(
                    code: .failedPrecondition,
                    message: "document '\(documentID.lowercasedString)' is \(found.status.rawValue), not deleted"
                )
            }
            let twin = try await connection.rows(
                """
                SELECT id FROM documents WHERE cube_id = \(cubeID) AND sha256 = \(found.sha256) AND status <> 'deleted'
                """,
                logger: logger
            )
            if let other = try twin.first?["id"].decode(UUID.self) {
                throw MemOSError(
                    code: .failedPrecondition,
                    message:
                        "document '\(other.lowercasedString)' of cube '\(cubeID)' holds the same bytes; delete it first"
                )
            }
            // The memories this document's deletion deleted: those whose last history entry is that delete.
            let restored = try await PostgresMemoryStore.transition(
                where: "\(Self.ownMemories) AND m.status = 'deleted'",
                binds: try PostgresMemoryStore.bindings(cubeID, documentID.lowercasedString),
                to: .activated,
                action: "restore",
                actor: actor,
                on: connection,
                logger: logger
            )
            let rows = try await connection.rows(
                """
                UPDATE documents d SET status = coalesce(d.status_before_delete, 'ready'), status_before_delete = NULL,
                    updated_at = now()
                WHERE d.cube_id = \(cubeID) AND d.id = \(documentID)
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
            guard let document = try rows.first.map(Self.document(from:)) else {
                throw Self.notFound(documentID, cubeID: cubeID)
            }
            var changeSeq = restored.map(\.1).max() ?? 0
            if changeSeq == 0 { changeSeq = try await Self.currentChangeSeq(on: connection, logger: logger) }
            return (document, restored.count, changeSeq)
        }
    }

    public func reparse(
        documentID: UUID,
        cubeID: String,
        chunkOverlapTokens: Int?,
        job: NewJob
    ) async throws -> Document {
        let logger = self.database.logger
        return try await self.database.transaction { connection in
            let found = try await Self.locked(documentID, cubeID: cubeID, on: connection, logger: logger)
            if found.status == .deleted || found.status == .queued || found.status == .parsing {
                throw MemOSError(
                    code: .failedPrecondition,
                    message: "document '\(documentID.lowercasedString)' is \(found.status.rawValue); only a ready or "
                        + "failed document is parsed again"
                )
            }
            _ = try await PostgresJobStore.enqueue(job, on: connection, logger: logger)
            let overlap = chunkOverlapTokens ?? found.chunkOverlapTokens
            let rows = try await connection.rows(
                """
                UPDATE documents d SET status = 'queued', job_id = \(job.id), chunks_done = 0, error = '',
                    error_reason = '', chunk_overlap_tokens = \(overlap), updated_at = now()
                WHERE d.cube_id = \(cubeID) AND d.id = \(documentID)
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
            guard let document = try rows.first.map(Self.document(from:)) else {
                throw Self.notFound(documentID, cubeID: cubeID)
            }
            return document
        }
    }

    /// The document, locked for the rest of the transaction.
    /// - Throws: `notFound` when the cube has no such document.
    static func locked(
        _ documentID: UUID,
        cubeID: String,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Document {
        let rows = try await connection.rows(
            """
            SELECT \(unescaped: Self.columns) FROM documents d
            WHERE d.cube_id = \(cubeID) AND d.id = \(documentID) FOR UPDATE
            """,
            logger: logger
        )
        guard let document = try rows.first.map(Self.document(from:)) else {
            throw Self.notFound(documentID, cubeID: cubeID)
        }
        return document
    }

    static func notFound(_ documentID: UUID, cubeID: String) -> MemOSError {
        MemOSError.notFound("document '\(documentID.lowercasedString)' does not exist in cube '\(cubeID)'")
    }

    static func currentChangeSeq(on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        let rows = try await connection.rows(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS seq FROM memory_change_seq",
            logger: logger
        )
        return try rows[0]["seq"].decode(Int64.self)
    }

    static func document(from row: PostgresRandomAccessRow) throws -> Document {
        Document(
            id: try row["id"].decode(UUID.self),
            cubeID: try row["cube_id"].decode(String.self),
            name: try row["name"].decode(String.self),
            mediaType: try row["media_type"].decode(String.self),
            sizeBytes: try row["size_bytes"].decode(Int64.self),
            sha256: try row["sha256"].decode(String.self),
            status: DocumentStatus(rawValue: try row["status"].decode(String.self)) ?? .failed,
            title: try row["title"].decode(String.self),
            pageCount: try row["page_count"].decode(Int.self),
            chunkCount: try row["chunk_count"].decode(Int.self),
            chunksDone: try row["chunks_done"].decode(Int.self),
            error: try row["error"].decode(String.self),
            errorReason: try row["error_reason"].decode(String.self),
            authorUserID: try row["author_user_id"].decode(UUID.self),
            jobID: try row["job_id"].decode(UUID?.self),
            sessionID: try row["session_id"].decode(String.self),
            tags: try row["tags"].decode([String].self),
            info: try JSONCoding.decode([String: JSONValue].self, from: try row["info"].decode(String.self)),
            mode: try row["mode"].decode(String.self),
            chunkOverlapTokens: try row["chunk_overlap_tokens"].decode(Int.self),
            createdAt: try row["created_at"].decode(Date.self),
            updatedAt: try row["updated_at"].decode(Date.self)
        )
    }
}
