import Foundation
import Logging
import MemOSCore
import NIOCore
import PostgresNIO

/// Memories, their history and raw messages in PostgreSQL.
public struct PostgresMemoryStore: MemoryStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// The columns every memory read selects, in the order ``memory(from:)`` expects.
    static let columns = """
        m.cube_id, m.id, m.author_user_id, m.session_id, m.memory_type, m.status, m.key, m.content, m.tags,
        m.info::text AS info, m.sources::text AS sources, m.confidence, m.embedding_model, m.embedding,
        m.created_at, m.updated_at, m.valid_from, m.valid_to, m.version, m.usage_count, m.change_seq
        """

    /// The user-visible state of a memory row `alias` as JSON, for history rows.
    static func snapshot(_ alias: String) -> String {
        """
        jsonb_build_object('memory_type', \(alias).memory_type, 'status', \(alias).status, 'key', \(alias).key,
            'content', \(alias).content, 'tags', to_jsonb(\(alias).tags), 'info', \(alias).info,
            'valid_from', \(alias).valid_from, 'valid_to', \(alias).valid_to, 'version', \(alias).version)
        """
    }

    public func add(
        _ memories: [NewMemory],
        messages: [StoredMessage],
        cubeID: String,
        author: UUID,
        idempotency: IdempotencyKey?,
        job: NewJob?
    ) async throws -> WriteOutcome {
        let logger = self.database.logger
        return try await self.database.transaction { connection in
            if let idempotency {
                if let receipt = try await Self.claim(
                    idempotency,
                    operation: "add",
                    cubeID: cubeID,
                    user: author,
                    on: connection,
                    logger: logger
                ) {
                    return .replayed(receipt)
                }
            }
            let stored = try await Self.write(
                memories,
                messages: messages,
                cubeID: cubeID,
                author: author,
                on: connection,
                logger: logger
            )
            var receipt = WriteReceipt(memoryIDs: stored.map(\.id), changeSeq: stored.map(\.changeSeq).max() ?? 0)
            if let job {
                receipt.jobID = try await PostgresJobStore.enqueue(job, on: connection, logger: logger).id
            }
            if let idempotency {
                try await Self.record(
                    receipt,
                    for: idempotency,
                    cubeID: cubeID,
                    user: author,
                    on: connection,
                    logger: logger
                )
            }
            return .written(receipt, memories: stored)
        }
    }

    public func messages(ids: [UUID], cubeID: String) async throws -> [StoredMessage] {
        let logger = self.database.logger
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT id, session_id, role, name, content, chat_time, message_id, tool::text FROM messages
                WHERE cube_id = $1 AND id = ANY($2)
                """,
            binds: try Self.bindings(cubeID, ids)
        )
        let byID = try await self.database.withConnection { connection in
            var byID: [UUID: StoredMessage] = [:]
            for row in try await connection.rows(query, logger: logger) {
                let id = try row["id"].decode(UUID.self)
                byID[id] = StoredMessage(
                    id: id,
                    message: ChatMessage(
                        role: try row["role"].decode(String.self),
                        content: try row["content"].decode(String.self),
                        chatTime: try row["chat_time"].decode(Date?.self),
                        messageID: try row["message_id"].decode(String.self),
                        name: try row["name"].decode(String.self),
                        tool: try row["tool"].decode(String?.self).map {
                            try JSONDecoder().decode(ToolTurn.self, from: Data($0.utf8))
                        }
                    ),
                    sessionID: try row["session_id"].decode(String.self)
                )
            }
            return byID
        }
        return ids.compactMap { byID[$0] }
    }

    /// A request's rows in one statement: its raw messages, its memories, and the
    /// cube's reorganisation job where it inserts a memory other than working memory. One statement in place of
    /// three saves two round trips to PostgreSQL per request: the service's own work in fast ingest fell from
    /// 425–480 to 360–380 µs of machine CPU per memory.
    ///
    /// It still runs inside BEGIN … COMMIT. Alone (autocommit), PostgreSQL commits at the protocol's Sync, after it
    /// has sent CommandComplete, so a failure to commit (a full notification queue) would reach the client after
    /// it had taken the statement as done, and a write could be acknowledged that never committed.
    ///
    /// An exact duplicate of a live memory (same normalised content, also within the request) is not inserted.
    /// The job: a waiting one that already covers these changes (the usual case) is only share-locked until the
    /// transaction ends, so that a worker cannot claim it before they are committed; concurrent writes to one
    /// cube share that lock instead of queueing one after another for the row, as an upsert made them do.
    /// Otherwise the cube's one waiting job is made, or moved back to cover them; its payload stays one number
    /// however many writes join it.
    struct WriteRows: PostgresPreparedStatement {
        static let sql = """
            WITH new_messages AS (
                INSERT INTO messages (cube_id, id, session_id, role, name, content, chat_time, message_id, author_user_id,
                    tool)
                SELECT $1, u.id, u.session_id, u.role, u.name, u.content, CASE WHEN u.timed THEN u.chat_time END,
                    u.message_id, $2, NULLIF(u.tool, '')::jsonb
                FROM unnest($22::uuid[], $23::text[], $24::text[], $25::text[], $26::text[], $27::timestamptz[],
                    $28::bool[], $29::text[], $31::text[])
                    AS u(id, session_id, role, name, content, chat_time, timed, message_id, tool)
            ),
            inserted AS (
                INSERT INTO memories AS m (cube_id, id, author_user_id, session_id, memory_type, key, content, tags,
                    info, sources, confidence, embedding_model, embedding, valid_from, valid_to, change_seq)
                SELECT $1, u.id, $2, u.session_id, u.memory_type, u.key, u.content,
                    ($20::text[])[u.tag_off + 1 : u.tag_off + u.tag_len], u.info::jsonb, u.sources::jsonb,
                    u.confidence, u.model, substring($3::bytea FROM u.off * 4 + 1 FOR u.len * 4),
                    CASE WHEN u.has_from THEN u.valid_from END, CASE WHEN u.has_to THEN u.valid_to END, 0
                FROM unnest($4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::int[],
                    $11::text[], $12::real[], $13::text[], $14::int[], $15::int[], $16::timestamptz[], $17::bool[],
                    $18::timestamptz[], $19::bool[], $21::text[])
                    WITH ORDINALITY AS u(id, session_id, memory_type, key, content, tag_off, tag_len, info,
                        confidence, model, off, len, valid_from, has_from, valid_to, has_to, sources, ord)
                ORDER BY u.ord
                ON CONFLICT (cube_id, content_hash) WHERE status = 'activated' AND memory_type <> 'WorkingMemory'
                DO NOTHING
                RETURNING m.id, m.change_seq, m.created_at, m.updated_at, m.valid_from, m.valid_to, m.memory_type
            ),
            changes AS (
                SELECT min(change_seq) AS since FROM inserted HAVING bool_or(memory_type <> 'WorkingMemory')
            ),
            covered AS MATERIALIZED (
                SELECT 1 FROM jobs, changes
                WHERE jobs.cube_id = $1 AND jobs.kind = 'reorganize' AND jobs.status = 'waiting'
                    AND (jobs.payload ->> 'since_change_seq')::bigint <= changes.since
                FOR SHARE OF jobs
            ),
            queued AS (
                INSERT INTO jobs (cube_id, id, kind, priority, payload)
                SELECT $1, $30, 'reorganize', -1, jsonb_build_object('since_change_seq', changes.since)
                FROM changes WHERE NOT EXISTS (SELECT 1 FROM covered)
                ON CONFLICT (cube_id) WHERE kind = 'reorganize' AND status = 'waiting'
                DO UPDATE SET payload = jsonb_build_object('since_change_seq', LEAST(
                    (jobs.payload ->> 'since_change_seq')::bigint, (excluded.payload ->> 'since_change_seq')::bigint))
                WHERE (jobs.payload ->> 'since_change_seq')::bigint > (excluded.payload ->> 'since_change_seq')::bigint
            )
            SELECT id, change_seq, created_at, updated_at, valid_from, valid_to FROM inserted
            """
        typealias Row = (UUID, Int64, Date, Date, Date?, Date?)

        /// Built by the caller (``PostgresMemoryStore/bindings(_:)``): the thirty-one parameters of `sql`, in order.
        var bindings: PostgresBindings

        func makeBindings() throws -> PostgresBindings { self.bindings }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Writes a request's messages and memories, and queues the cube's reorganisation, in one statement
    /// (``WriteRows``). The memories' creation is not written to the history: ``creationEntry`` derives it from the
    /// row (a history row per memory was a quarter of an import's database time). An exact duplicate of a live
    /// memory (same normalised content, also within the batch) is not stored again: the existing memory takes its
    /// place. Returns the stored memories in the order given.
    static func write(
        _ memories: [NewMemory],
        messages: [StoredMessage],
        cubeID: String,
        author: UUID,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [Memory] {
        guard !memories.isEmpty || !messages.isEmpty else { return [] }
        // Vectors and tags travel as flat arrays (binary), each row slicing its part; JSON values are encoded
        // once per distinct value (an import usually repeats them).
        var offsets: [Int32] = []
        var flat: [Float] = []
        var tagOffsets: [Int32] = []
        var tags: [String] = []
        flat.reserveCapacity(memories.reduce(0) { $0 + $1.embedding.count })
        for memory in memories {
            offsets.append(Int32(flat.count))
            flat += memory.embedding
            tagOffsets.append(Int32(tags.count))
            tags += memory.tags
        }
        var infos = JSONColumn<[String: JSONValue]>()
        var sources = JSONColumn<[Source]>()
        let bindings = try Self.bindings(
            cubeID,
            author,
            PackedFloats(values: flat),
            memories.map(\.id),
            memories.map(\.sessionID),
            memories.map(\.memoryType.rawValue),
            memories.map(\.key),
            memories.map(\.content),
            tagOffsets,
            memories.map { Int32($0.tags.count) },
            try memories.map { try infos.encode($0.info) },
            memories.map(\.confidence),
            memories.map(\.embeddingModel),
            offsets,
            memories.map { Int32($0.embedding.count) },
            memories.map { $0.validFrom ?? Date(timeIntervalSince1970: 0) },
            memories.map { $0.validFrom != nil },
            memories.map { $0.validTo ?? Date(timeIntervalSince1970: 0) },
            memories.map { $0.validTo != nil },
            tags,
            try memories.map { try sources.encode($0.sources) },
            messages.map(\.id),
            messages.map(\.sessionID),
            messages.map(\.message.role),
            messages.map(\.message.name),
            messages.map(\.message.content),
            messages.map { $0.message.chatTime ?? Date(timeIntervalSince1970: 0) },
            messages.map { $0.message.chatTime != nil },
            messages.map(\.message.messageID),
            UUID.random(),
            try messages.map { message in
                try message.message.tool.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) } ?? ""
            }
        )
        var stored: [UUID: Memory] = [:]
        let byID = Dictionary(memories.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (id, seq, createdAt, updatedAt, validFrom, validTo) in try await connection.rows(
            WriteRows(bindings: bindings),
            logger: logger
        ) {
            guard let new = byID[id] else { continue }
            stored[id] = Memory(
                id: id,
                cubeID: cubeID,
                authorUserID: author,
                sessionID: new.sessionID,
                memoryType: new.memoryType,
                status: .activated,
                key: new.key,
                content: new.content,
                tags: new.tags,
                info: try infos.decoded(new.info),
                sources: new.sources.allSatisfy(\.isExactInJSON) ? new.sources : try sources.decoded(new.sources),
                confidence: new.confidence,
                embeddingModel: new.embeddingModel,
                embedding: new.embedding,
                createdAt: createdAt,
                updatedAt: updatedAt,
                validFrom: validFrom,
                validTo: validTo,
                version: 1,
                usageCount: 0,
                changeSeq: seq
            )
        }
        var result = memories.map { stored[$0.id] }
        let skipped = memories.indices.filter { result[$0] == nil }
        if !skipped.isEmpty {
            let existing = PostgresQuery(
                unsafeSQL: """
                    SELECT u.ord, \(Self.columns) FROM unnest($2::text[]) WITH ORDINALITY AS u(content, ord)
                    JOIN memories m ON m.cube_id = $1 AND m.content_hash = memos_content_hash(u.content)
                        AND m.status = 'activated' AND m.memory_type <> 'WorkingMemory'
                    """,
                binds: try Self.bindings(cubeID, skipped.map { memories[$0].content })
            )
            for row in try await connection.rows(existing, logger: logger) {
                result[skipped[Int(try row["ord"].decode(Int64.self)) - 1]] = try Self.memory(from: row)
            }
        }
        let found = try result.map { memory in
            guard let memory else {
                throw MemOSError(code: .aborted, message: "a concurrent change touched the same memory; retry")
            }
            return memory
        }
        return found
    }

    public func changedMemories(cubeID: String, since changeSeq: Int64) async throws -> [UUID] {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await connection.rows(
                """
                SELECT id FROM memories WHERE cube_id = \(cubeID) AND change_seq >= \(changeSeq) AND status = 'activated'
                ORDER BY change_seq
                """,
                logger: logger
            ).map { try $0["id"].decode(UUID.self) }
        }
    }

    public func recordMergeCandidates(_ pairs: [MergeCandidate], cubeID: String) async throws {
        guard !pairs.isEmpty else { return }
        let logger = self.database.logger
        let query = PostgresQuery(
            unsafeSQL: """
                INSERT INTO merge_candidates (cube_id, memory_id, duplicate_of, similarity, status)
                SELECT $1, * FROM unnest($2::uuid[], $3::uuid[], $4::real[], $5::text[])
                ON CONFLICT (cube_id, memory_id, duplicate_of) DO UPDATE SET status = excluded.status
                """,
            binds: try Self.bindings(
                cubeID,
                pairs.map(\.memoryID),
                pairs.map(\.duplicateOf),
                pairs.map(\.similarity),
                pairs.map(\.outcome.rawValue)
            )
        )
        try await self.database.withConnection { connection in
            _ = try await connection.query(query, logger: logger)
        }
    }

    public func memories(ids: [UUID], cubeID: String) async throws -> [Memory] {
        guard !ids.isEmpty else { return [] }
        let logger = self.database.logger
        let found = try await self.database.withConnection { connection in
            try await connection.rows(MemoriesByID(cubeID: cubeID, ids: ids), logger: logger)
        }
        let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return ids.compactMap { byID[$0] }
    }

    /// Memories by id in one cube: what every search returns and every get reads.
    struct MemoriesByID: PostgresPreparedStatement {
        static let sql = "SELECT \(PostgresMemoryStore.columns) FROM memories m WHERE m.cube_id = $1 AND m.id = ANY($2)"
        typealias Row = Memory

        var cubeID: String
        var ids: [UUID]

        func makeBindings() throws -> PostgresBindings {
            try PostgresMemoryStore.bindings(self.cubeID, self.ids)
        }

        func decodeRow(_ row: PostgresRow) throws -> Memory {
            try PostgresMemoryStore.memory(from: PostgresRandomAccessRow(row))
        }
    }

    public func vectors(in scope: MemoryScope, model: String) async throws -> [StoredVector] {
        let logger = self.database.logger
        var (condition, binds) = try Self.condition(for: scope)
        try binds.append(model)
        let query = PostgresQuery(
            unsafeSQL:
                "SELECT m.id, m.cube_id, m.embedding FROM memories m WHERE \(condition) AND m.embedding_model = $\(binds.count)",
            binds: binds
        )
        return try await self.database.withConnection { connection in
            try await connection.rows(query, logger: logger).map { row in
                StoredVector(
                    memoryID: try row["id"].decode(UUID.self),
                    cubeID: try row["cube_id"].decode(String.self),
                    embedding: try row["embedding"].decode(PackedFloats.self).values
                )
            }
        }
    }

    public func list(in scope: MemoryScope, after cursor: ListCursor?, limit: Int) async throws -> [Memory] {
        let logger = self.database.logger
        let (condition, scopeBinds) = try Self.condition(for: scope)
        var binds = scopeBinds
        var sql = "SELECT \(Self.columns) FROM memories m WHERE \(condition)"
        if let cursor {
            try binds.append(cursor.createdAt)
            try binds.append(cursor.id)
            sql += " AND (m.created_at, m.id) < ($\(binds.count - 1), $\(binds.count))"
        }
        try binds.append(limit)
        sql += " ORDER BY m.created_at DESC, m.id DESC LIMIT $\(binds.count)"
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try await self.database.withConnection { connection in
            try await connection.rows(query, logger: logger).map(Self.memory(from:))
        }
    }

    public func delete(
        _ selector: DeleteSelector,
        cubeID: String,
        actor: UUID,
        dryRun: Bool,
        hard: Bool
    ) async throws -> (
        ids: [UUID], changeSeq: Int64
    ) {
        var binds = try Self.bindings(cubeID)
        var condition: String
        switch selector {
        case .ids(let ids):
            try binds.append(ids)
            condition = "m.id = ANY($2)"
        case .session(let sessionID):
            try binds.append(sessionID)
            condition = "m.session_id = $2"
        case .filter(let filter):
            var compiler = FilterSQL(binds: binds)
            condition = try compiler.sql(for: filter)
            binds = compiler.binds
        case .wholeCube:
            condition = "true"
        }
        // A soft delete leaves already deleted memories alone; a hard one removes them too.
        if !hard { condition += " AND m.status <> 'deleted'" }
        let logger = self.database.logger
        if dryRun {
            let query = PostgresQuery(
                unsafeSQL: "SELECT m.id FROM memories m WHERE m.cube_id = $1 AND \(condition)",
                binds: binds
            )
            let ids = try await self.database.withConnection { connection in
                try await connection.rows(query, logger: logger).map { try $0["id"].decode(UUID.self) }
            }
            return (ids, try await self.currentChangeSeq())
        }
        guard hard else {
            return try await self.transition(
                where: condition,
                binds: binds,
                to: .deleted,
                action: "delete",
                actor: actor
            )
        }
        let query = PostgresQuery(
            unsafeSQL: """
                WITH removed AS (
                    DELETE FROM memories m WHERE m.cube_id = $1 AND \(condition) RETURNING m.cube_id, m.id
                ), forgotten AS (
                    DELETE FROM memory_history h USING removed r WHERE h.cube_id = r.cube_id AND h.memory_id = r.id
                )
                SELECT id FROM removed
                """,
            binds: binds
        )
        let ids = try await self.database.transaction { connection in
            try await connection.rows(query, logger: logger).map { try $0["id"].decode(UUID.self) }
        }
        return (ids, try await self.currentChangeSeq())
    }

    public func restore(ids: [UUID], cubeID: String, actor: UUID) async throws -> (count: Int, changeSeq: Int64) {
        var binds = try Self.bindings(cubeID)
        try binds.append(ids)
        let result = try await self.transition(
            where: "m.id = ANY($2) AND m.status <> 'activated'",
            binds: binds,
            to: .activated,
            action: "restore",
            actor: actor
        )
        return (result.ids.count, result.changeSeq)
    }

    /// Moves the memories matching `condition` (with `$1` the cube id) to `status`, one history row each.
    /// A memory `m` past its `valid_to`, or older than its cube's time-to-live.
    static let expired = """
        (m.valid_to < now() OR m.created_at < now() - (SELECT c.memory_ttl_seconds FROM cubes c WHERE c.cube_id = m.cube_id)
            * interval '1 second')
        """

    /// Archives live memories past their `valid_to` or their cube's time-to-live, at most `batch` per cube per
    /// call, each with a history row (action `expire`, no actor); returns how many were archived.
    public func archiveExpired(batch: Int) async throws -> Int {
        let logger = self.database.logger
        let cubes = try await self.database.withConnection { connection in
            try await connection.rows(
                "SELECT DISTINCT m.cube_id FROM memories m WHERE m.status = 'activated' AND \(unescaped: Self.expired)",
                logger: logger
            ).map { try $0["cube_id"].decode(String.self) }
        }
        var archived = 0
        for cube in cubes {
            archived += try await self.transition(
                where: """
                    m.id IN (SELECT m.id FROM memories m WHERE m.cube_id = $1 AND m.status = 'activated' AND \(Self.expired)
                        LIMIT \(batch))
                    """,
                binds: try Self.bindings(cube),
                to: .archived,
                action: "expire",
                actor: nil
            ).ids.count
        }
        return archived
    }

    /// Forgets idempotency keys older than `retention`; returns how many.
    public func purgeIdempotencyKeys(olderThan retention: Duration) async throws -> Int {
        let logger = self.database.logger
        let seconds = Double(retention.components.seconds)
        return try await self.database.withConnection { connection in
            try await connection.rows(
                "DELETE FROM idempotency_keys WHERE created_at < now() - \(seconds) * interval '1 second' RETURNING 1",
                logger: logger
            ).count
        }
    }

    private func transition(
        where condition: String,
        binds: PostgresBindings,
        to status: MemoryStatus,
        action: String,
        actor: UUID?
    ) async throws -> (ids: [UUID], changeSeq: Int64) {
        let logger = self.database.logger
        let rows = try await self.database.transaction { connection in
            try await Self.transition(
                where: condition,
                binds: binds,
                to: status,
                action: action,
                actor: actor,
                on: connection,
                logger: logger
            )
        }
        let changeSeq: Int64
        if let max = rows.map(\.1).max() {
            changeSeq = max
        } else {
            changeSeq = try await self.currentChangeSeq()
        }
        return (rows.map(\.0), changeSeq)
    }

    /// Moves the memories matching `condition` (over `memories m`, with `$1` the cube id) to `status` on a
    /// connection in a transaction, one history row each; returns their ids and change sequence numbers.
    static func transition(
        where condition: String,
        binds: PostgresBindings,
        to status: MemoryStatus,
        action: String,
        actor: UUID?,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [(UUID, Int64)] {
        var binds = binds
        try binds.append(status.rawValue)
        let statusParameter = binds.count
        try binds.append(action)
        let actionParameter = binds.count
        try binds.append(actor)
        let actorParameter = binds.count
        let query = PostgresQuery(
            unsafeSQL: """
                WITH target AS (
                    SELECT m.cube_id, m.id, \(Self.snapshot("m")) AS before
                    FROM memories m WHERE m.cube_id = $1 AND \(condition)
                    FOR UPDATE
                ), changed AS (
                    UPDATE memories m SET status = $\(statusParameter), version = m.version + 1
                    FROM target t WHERE m.cube_id = t.cube_id AND m.id = t.id
                    RETURNING m.cube_id, m.id, m.change_seq, t.before, \(Self.snapshot("m")) AS after
                ), logged AS (
                    -- From the update's own rows: a join of the two CTEs is planned blind (no statistics) and
                    -- became a nested loop, quadratic in the number of memories.
                    INSERT INTO memory_history (cube_id, memory_id, action, before, after, actor_user_id)
                    SELECT c.cube_id, c.id, $\(actionParameter), c.before, c.after, $\(actorParameter)
                    FROM changed c
                )
                SELECT id, change_seq FROM changed
                """,
            binds: binds
        )
        return try await connection.rows(query, decoding: (UUID, Int64).self, logger: logger)
    }

    public func update(
        id: UUID,
        cubeID: String,
        patch: MemoryPatch,
        embedding: [Float]?,
        expectedVersion: Int64?,
        actor: UUID
    ) async throws -> Memory {
        let change = Revision(action: "update", actor: actor)
        return try await self.revise(ids: [id], cubeID: cubeID, change) { memories in
            let current = memories[0]
            if let expectedVersion, expectedVersion != current.version {
                throw MemOSError(
                    code: .aborted,
                    message: "memory is at version \(current.version), not \(expectedVersion); re-read it and retry"
                )
            }
            var updated = patch.applied(to: current)
            if let embedding { updated.embedding = embedding }
            return [updated]
        }[0]
    }

    public func revise(
        ids: [UUID],
        cubeID: String,
        _ revision: Revision,
        _ change: @escaping @Sendable ([Memory]) throws -> [Memory]
    ) async throws -> [Memory] {
        let logger = self.database.logger
        return try await self.database.transaction { connection in
            let rows = try await connection.rows(
                PostgresQuery(
                    unsafeSQL:
                        "SELECT \(Self.columns) FROM memories m WHERE m.cube_id = $1 AND m.id = ANY($2) FOR UPDATE",
                    binds: try Self.bindings(cubeID, ids)
                ),
                logger: logger
            )
            let found = Dictionary(uniqueKeysWithValues: try rows.map(Self.memory(from:)).map { ($0.id, $0) })
            let current = try ids.map { id in
                guard let memory = found[id] else {
                    throw MemOSError.notFound("memory '\(id.lowercasedString)' does not exist in cube '\(cubeID)'")
                }
                return memory
            }
            var revised = try change(current)
            for (index, before) in current.enumerated() {
                var updated = revised[index]
                updated.version = before.version + 1
                let info = try JSONCoding.string(updated.info)
                let sources = try JSONCoding.string(updated.sources)
                let changed = try await connection.rows(
                    """
                    UPDATE memories SET content = \(updated.content), key = \(updated.key), tags = \(updated.tags),
                        info = \(info)::jsonb, sources = \(sources)::jsonb, memory_type = \(updated.memoryType.rawValue),
                        status = \(updated.status.rawValue), valid_from = \(updated.validFrom), valid_to = \(updated.validTo),
                        confidence = \(updated.confidence), embedding = \(PackedFloats(values: updated.embedding)), version = \(updated.version)
                    WHERE cube_id = \(cubeID) AND id = \(before.id)
                    RETURNING change_seq, updated_at
                    """,
                    logger: logger
                )
                updated.changeSeq = try changed[0]["change_seq"].decode(Int64.self)
                updated.updatedAt = try changed[0]["updated_at"].decode(Date.self)
                let snapshots = (
                    try JSONCoding.string(MemorySnapshot(before)), try JSONCoding.string(MemorySnapshot(updated))
                )
                try await connection.query(
                    """
                    INSERT INTO memory_history (cube_id, memory_id, action, before, after, actor_user_id, job_id, reason)
                    VALUES (\(cubeID), \(before.id), \(revision.action), \(snapshots.0)::jsonb, \(snapshots.1)::jsonb,
                        \(revision.actor), \(revision.jobID), \(revision.reason))
                    """,
                    logger: logger
                )
                revised[index] = updated
            }
            return revised
        }
    }

    public func history(memoryID: UUID, cubeID: String, before: Int64?, limit: Int) async throws -> [HistoryEntry] {
        let before = before ?? Int64.max
        return try await self.historyEntries(
            """
            SELECT * FROM (
                SELECT \(unescaped: Self.historyColumns) FROM memory_history h
                WHERE h.cube_id = \(cubeID) AND h.memory_id = \(memoryID) AND h.id < \(before)
                UNION ALL
                SELECT \(unescaped: Self.creationEntry) FROM memories m
                WHERE m.cube_id = \(cubeID) AND m.id = \(memoryID) AND \(before) > 0
            ) e
            ORDER BY id DESC LIMIT \(limit)
            """
        )
    }

    public func histories(memoryIDs: [UUID], cubeID: String, limitPerMemory: Int) async throws -> [HistoryEntry] {
        try await self.historyEntries(
            """
            SELECT * FROM (
                SELECT e.*, row_number() OVER (PARTITION BY memory_id ORDER BY id DESC) AS position
                FROM (
                    SELECT \(unescaped: Self.historyColumns) FROM memory_history h
                    WHERE h.cube_id = \(cubeID) AND h.memory_id = ANY(\(memoryIDs))
                    UNION ALL
                    SELECT \(unescaped: Self.creationEntry) FROM memories m
                    WHERE m.cube_id = \(cubeID) AND m.id = ANY(\(memoryIDs))
                ) e
            ) e
            WHERE position <= \(limitPerMemory)
            ORDER BY memory_id, id DESC
            """
        )
    }

    /// The columns of a stored history row `h`, as ``historyEntries(_:)`` reads them.
    static let historyColumns = """
        h.id, h.memory_id, h.action, h.before::text AS before, h.after::text AS after, h.actor_user_id, h.job_id,
        h.reason, h.created_at
        """

    /// The "add" entry of a memory row `m`, derived instead of stored (migration 10): id 0, before every stored
    /// entry; made by its author when it was created; its state then is what the first stored change found
    /// (every change records the state before it), or the row itself when nothing has changed it since.
    static let creationEntry = """
        0::bigint AS id, m.id AS memory_id, 'add' AS action, NULL::text AS before,
        coalesce(
            (SELECT f.before FROM memory_history f
             WHERE f.cube_id = m.cube_id AND f.memory_id = m.id ORDER BY f.id LIMIT 1),
            \(Self.snapshot("m"))
        )::text AS after,
        m.author_user_id AS actor_user_id, NULL::uuid AS job_id, '' AS reason, m.created_at
        """

    private func historyEntries(_ query: PostgresQuery) async throws -> [HistoryEntry] {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await connection.rows(query, logger: logger).map { row in
                HistoryEntry(
                    id: try row["id"].decode(Int64.self),
                    memoryID: try row["memory_id"].decode(UUID.self),
                    action: try row["action"].decode(String.self),
                    before: try row["before"].decode(String?.self).map {
                        try JSONCoding.decode(MemorySnapshot.self, from: $0)
                    },
                    after: try row["after"].decode(String?.self).map {
                        try JSONCoding.decode(MemorySnapshot.self, from: $0)
                    },
                    actorUserID: try row["actor_user_id"].decode(UUID?.self),
                    jobID: try row["job_id"].decode(UUID?.self),
                    reason: try row["reason"].decode(String.self),
                    createdAt: try row["created_at"].decode(Date.self)
                )
            }
        }
    }

    public func currentChangeSeq() async throws -> Int64 {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            let rows = try await connection.rows(
                "SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS seq FROM memory_change_seq",
                logger: logger
            )
            return try rows[0]["seq"].decode(Int64.self)
        }
    }

    /// How many live memories each embedding model made, across all cubes.
    public func embeddingModelCounts() async throws -> [String: Int] {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            let rows = try await connection.rows(
                "SELECT embedding_model, count(*) FROM memories WHERE status <> 'deleted' GROUP BY embedding_model",
                decoding: (String, Int64).self,
                logger: logger
            )
            return Dictionary(rows.map { ($0.0, Int($0.1)) }, uniquingKeysWith: +)
        }
    }

    // MARK: Rows

    static func memory(from row: PostgresRandomAccessRow) throws -> Memory {
        Memory(
            id: try row["id"].decode(UUID.self),
            cubeID: try row["cube_id"].decode(String.self),
            authorUserID: try row["author_user_id"].decode(UUID.self),
            sessionID: try row["session_id"].decode(String.self),
            memoryType: MemoryType(rawValue: try row["memory_type"].decode(String.self)) ?? .longTermMemory,
            status: MemoryStatus(rawValue: try row["status"].decode(String.self)) ?? .activated,
            key: try row["key"].decode(String.self),
            content: try row["content"].decode(String.self),
            tags: try row["tags"].decode([String].self),
            info: try JSONCoding.decode([String: JSONValue].self, from: try row["info"].decode(String.self)),
            sources: try JSONCoding.decode([Source].self, from: try row["sources"].decode(String.self)),
            confidence: try row["confidence"].decode(Float.self),
            embeddingModel: try row["embedding_model"].decode(String.self),
            embedding: try row["embedding"].decode(PackedFloats.self).values,
            createdAt: try row["created_at"].decode(Date.self),
            updatedAt: try row["updated_at"].decode(Date.self),
            validFrom: try row["valid_from"].decode(Date?.self),
            validTo: try row["valid_to"].decode(Date?.self),
            version: try row["version"].decode(Int64.self),
            usageCount: try row["usage_count"].decode(Int64.self),
            changeSeq: try row["change_seq"].decode(Int64.self)
        )
    }

    // MARK: Idempotency

    /// Claims an idempotency key inside the caller's transaction. Returns the first request's receipt when
    /// the key was used before (and nil when this request is the first).
    static func claim(
        _ idempotency: IdempotencyKey,
        operation: String,
        cubeID: String,
        user: UUID,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> WriteReceipt? {
        let inserted = try await connection.rows(
            """
            INSERT INTO idempotency_keys (cube_id, user_id, key, operation, fingerprint)
            VALUES (\(cubeID), \(user), \(idempotency.key), \(operation), \(idempotency.fingerprint))
            ON CONFLICT (cube_id, user_id, key) DO NOTHING RETURNING key
            """,
            logger: logger
        )
        if !inserted.isEmpty { return nil }
        let rows = try await connection.rows(
            """
            SELECT operation, fingerprint, receipt::text AS receipt FROM idempotency_keys
            WHERE cube_id = \(cubeID) AND user_id = \(user) AND key = \(idempotency.key)
            """,
            logger: logger
        )
        guard let row = rows.first,
            try row["operation"].decode(String.self) == operation,
            try row["fingerprint"].decode(String.self) == idempotency.fingerprint,
            let receipt = try row["receipt"].decode(String?.self)
        else {
            throw MemOSError(
                code: .alreadyExists,
                message: "idempotency_key '\(idempotency.key)' was already used with a different request"
            )
        }
        return try JSONCoding.decode(WriteReceipt.self, from: receipt)
    }

    static func record(
        _ receipt: WriteReceipt,
        for idempotency: IdempotencyKey,
        cubeID: String,
        user: UUID,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let json = try JSONCoding.string(receipt)
        try await connection.query(
            """
            UPDATE idempotency_keys SET receipt = \(json)::jsonb
            WHERE cube_id = \(cubeID) AND user_id = \(user) AND key = \(idempotency.key)
            """,
            logger: logger
        )
    }

    /// The SQL condition over `memories m` selecting a scope, with its bindings.
    static func condition(for scope: MemoryScope) throws -> (String, PostgresBindings) {
        var binds = try Self.bindings(scope.cubeIDs, scope.statuses.map(\.rawValue))
        var sql = "m.cube_id = ANY($1) AND m.status = ANY($2)"
        if !scope.memoryTypes.isEmpty {
            binds.append(scope.memoryTypes.map(\.rawValue))
            sql += " AND m.memory_type = ANY($\(binds.count))"
        }
        if let filter = scope.filter {
            var compiler = FilterSQL(binds: binds)
            sql += " AND " + (try compiler.sql(for: filter))
            binds = compiler.binds
        }
        return (sql, binds)
    }

    static func bindings(_ values: any PostgresEncodable...) throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { try bindings.append(value) }
        return bindings
    }
}

/// A vector as PostgreSQL stores it (migration 11): a `bytea` of float32s, each big-endian as `float4send` writes
/// it, back to back. Written and read in one pass; PostgreSQL receives it in one copy, where a `real[]` took a
/// call per element on the way in and a new array for each row's slice of a bulk insert.
struct PackedFloats: PostgresNonThrowingEncodable {
    var values: [Float]

    static var psqlType: PostgresDataType { .bytea }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(
        into buffer: inout ByteBuffer,
        context: PostgresEncodingContext<JSONEncoder>
    ) {
        let size = self.values.count * 4
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { bytes in
            for (index, value) in self.values.enumerated() {
                bytes.storeBytes(of: value.bitPattern.bigEndian, toByteOffset: index * 4, as: UInt32.self)
            }
            return size
        }
    }
}

extension PackedFloats: PostgresDecodable {
    init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer,
        type: PostgresDataType,
        format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard type == .bytea, format == .binary else { throw PostgresDecodingError.Code.typeMismatch }
        guard buffer.readableBytes % 4 == 0 else { throw PostgresDecodingError.Code.failure }
        let count = buffer.readableBytes / 4
        self.values = buffer.withUnsafeReadableBytes { bytes in
            [Float](unsafeUninitializedCapacity: count) { floats, initialized in
                for index in 0..<count {
                    floats[index] = Float(
                        bitPattern: UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
                    )
                }
                initialized = count
            }
        }
        buffer.moveReaderIndex(forwardBy: count * 4)
    }
}
