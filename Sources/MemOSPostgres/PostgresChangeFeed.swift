import Foundation
import Logging
import MemOSCore
import PostgresNIO

/// The memories' change sequence read from PostgreSQL, for the retrieval process's index; also the
/// retrieval side's aggregate and usage statements.
public struct PostgresChangeFeed: ChangeFeed, MemoryStatistics, UsageRecorder {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// The channel the memories' triggers notify, with payload "<cube id> <change_seq>" (Schema migration 5), once
    /// per cube and transaction (migration 7): a wake-up, not a list of changes.
    static let channel = "memos_changes"

    public func changes(in cubeIDs: [String], since: Int64, model: String) async throws -> ChangeBatch {
        let logger = self.database.logger
        let binds = try PostgresMemoryStore.bindings(cubeIDs, since, model)
        // One repeatable-read transaction: the snapshot figures and the rows come from the same snapshot.
        return try await self.database.withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let batch = try await Self.read(binds, on: connection, logger: logger)
                try await connection.query("COMMIT", logger: logger)
                return batch
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    private static func read(
        _ binds: PostgresBindings,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws
        -> ChangeBatch
    {
        let snapshotRows = try await connection.rows(
            """
            SELECT pg_snapshot_xmin(s)::text::bigint AS xmin, pg_snapshot_xmax(s)::text::bigint AS xmax,
                EXISTS (SELECT 1 FROM pg_snapshot_xip(s)) AS busy,
                greatest((SELECT max(change_seq) FROM memories), (SELECT max(change_seq) FROM memory_tombstones), 0)
                    AS high,
                (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM memory_change_seq) AS allocated
            FROM pg_current_snapshot() s
            """,
            logger: logger
        )
        let row = snapshotRows[0]
        let snapshot = ChangeSnapshot(
            highestVisible: try row["high"].decode(Int64.self),
            allocated: try row["allocated"].decode(Int64.self),
            xmin: UInt64(try row["xmin"].decode(Int64.self)),
            xmax: UInt64(try row["xmax"].decode(Int64.self)),
            hadRunningWriters: try row["busy"].decode(Bool.self)
        )
        let rows = try await connection.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT m.cube_id, m.id, m.status, m.memory_type, m.session_id, m.change_seq,
                        CASE WHEN m.embedding_model = $3 THEN m.embedding END AS embedding,
                        coalesce(m.key, '') AS key, m.content
                    FROM memories m WHERE m.cube_id = ANY($1) AND m.change_seq > $2
                    """,
                binds: binds
            ),
            decoding: (String, UUID, String, String, String, Int64, PackedFloats?, String, String).self,
            logger: logger
        )
        let memories = rows.map { cubeID, id, status, type, session, seq, embedding, key, content in
            IndexedMemory(
                cubeID: cubeID,
                id: id,
                status: MemoryStatus(rawValue: status) ?? .activated,
                memoryType: MemoryType(rawValue: type) ?? .longTermMemory,
                sessionID: session,
                changeSeq: seq,
                embedding: embedding?.values,
                key: key,
                content: content
            )
        }
        let removed = try await connection.rows(
            PostgresQuery(
                unsafeSQL:
                    "SELECT cube_id, id, change_seq FROM memory_tombstones WHERE cube_id = ANY($1) AND change_seq > $2",
                binds: binds
            ),
            decoding: (String, UUID, Int64).self,
            logger: logger
        ).map { RemovedMemory(cubeID: $0.0, id: $0.1, changeSeq: $0.2) }
        return ChangeBatch(snapshot: snapshot, memories: memories, removed: removed)
    }

    public func follow(_ onChange: @escaping @Sendable (String, Int64) -> Void) async throws {
        let logger = self.database.logger
        try await self.database.withUnboundedConnection { connection in
            try await connection.listen(on: Self.channel) { notifications in
                for try await notification in notifications {
                    let parts = notification.payload.split(separator: " ")
                    guard let last = parts.last, let seq = Int64(last), parts.count >= 2 else { continue }
                    onChange(parts.dropLast().joined(separator: " "), seq)
                }
            }
            logger.debug("change notifications ended")
        }
    }

    public func memoryIDs(in scope: MemoryScope) async throws -> [UUID] {
        let (condition, binds) = try PostgresMemoryStore.condition(for: scope)
        let query = PostgresQuery(unsafeSQL: "SELECT m.id FROM memories m WHERE \(condition)", binds: binds)
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await connection.rows(query, decoding: UUID.self, logger: logger)
        }
    }

    public func countsByType(in scope: MemoryScope) async throws -> [MemoryType: Int] {
        let (condition, binds) = try PostgresMemoryStore.condition(for: scope)
        let query = PostgresQuery(
            unsafeSQL: "SELECT m.memory_type, count(*) FROM memories m WHERE \(condition) GROUP BY m.memory_type",
            binds: binds
        )
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            var counts: [MemoryType: Int] = [:]
            for (type, count) in try await connection.rows(query, decoding: (String, Int64).self, logger: logger) {
                if let type = MemoryType(rawValue: type) { counts[type, default: 0] += Int(count) }
            }
            return counts
        }
    }

    public func recordAccess(_ accesses: [UsageKey: Int], at time: Date) async throws {
        guard !accesses.isEmpty else { return }
        let keys = Array(accesses.keys)
        let binds = try PostgresMemoryStore.bindings(
            keys.map(\.cubeID),
            keys.map(\.id),
            keys.map { Int64(accesses[$0]!) },
            time
        )
        // Usage-only updates take no change sequence number (Schema migration 4), so the index is not disturbed.
        let query = PostgresQuery(
            unsafeSQL: """
                UPDATE memories m SET usage_count = m.usage_count + u.n, last_accessed_at = greatest(m.last_accessed_at, $4)
                FROM unnest($1::text[], $2::uuid[], $3::bigint[]) AS u(cube_id, id, n)
                WHERE m.cube_id = u.cube_id AND m.id = u.id
                """,
            binds: binds
        )
        let logger = self.database.logger
        _ = try await self.database.withConnection { connection in
            try await connection.query(query, logger: logger)
        }
    }
}
