import Foundation
import Logging
import MemOSCore
import PostgresNIO

/// Erases cubes and users for good, in batches of short transactions so that no table stays locked for long.
///
/// A cube: its memories (leaving the id-only tombstones that followers of the change sequence need), their
/// history, documents and their bytes, raw messages, merge candidates, idempotency keys, jobs (but the purge job itself), memberships and the
/// cube. A user: every cube they own as above, then whatever they wrote into other users' cubes (memories, raw
/// messages, idempotency keys, jobs), their name on other history rows (set to none), their memberships, keys
/// and the user row.
public struct PostgresEraser: Eraser {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func purgeCube(_ cubeID: String, keepingJob jobID: UUID?, batch: Int) async throws -> Int {
        // Memories first, in batches; their history goes with them.
        let removed = try await self.deleteMemories(where: "cube_id", is: cubeID, batch: batch)
        // A document's bytes go with its row (a cascading foreign key), a few at a time: each may be 50 MiB.
        try await self.drain(
            "DELETE FROM documents WHERE ctid IN (SELECT ctid FROM documents WHERE cube_id = $1 LIMIT $2)",
            cubeID,
            max(1, batch / 100)
        )
        for table in ["memory_history", "messages", "merge_candidates", "idempotency_keys"] {
            try await self.drain(
                "DELETE FROM \(table) WHERE ctid IN (SELECT ctid FROM \(table) WHERE cube_id = $1 LIMIT $2)",
                cubeID,
                batch
            )
        }
        let logger = self.database.logger
        try await self.database.transaction { connection in
            try await connection.query(
                "DELETE FROM jobs WHERE cube_id = \(cubeID) AND id IS DISTINCT FROM \(jobID)",
                logger: logger
            )
            try await connection.query("DELETE FROM job_cube_turns WHERE cube_id = \(cubeID)", logger: logger)
            try await connection.query("DELETE FROM cube_members WHERE cube_id = \(cubeID)", logger: logger)
            try await connection.query("DELETE FROM cubes WHERE cube_id = \(cubeID)", logger: logger)
        }
        return removed
    }

    public func purgeUser(_ userID: UUID, keepingJob jobID: UUID?, batch: Int) async throws -> Int {
        let logger = self.database.logger
        let owned = try await self.database.withConnection { connection in
            try await connection.rows("SELECT cube_id FROM cubes WHERE owner_id = \(userID)", logger: logger)
                .map { try $0["cube_id"].decode(String.self) }
        }
        var removed = 0
        for cube in owned { removed += try await self.purgeCube(cube, keepingJob: jobID, batch: batch) }
        // What they wrote into cubes of others.
        removed += try await self.deleteMemories(where: "author_user_id", is: userID, batch: batch)
        try await self.drain(
            "DELETE FROM messages WHERE ctid IN (SELECT ctid FROM messages WHERE author_user_id = $1 LIMIT $2)",
            userID,
            batch
        )
        try await self.drain(
            "UPDATE memory_history SET actor_user_id = NULL WHERE ctid IN (SELECT ctid FROM memory_history WHERE actor_user_id = $1 LIMIT $2)",
            userID,
            batch
        )
        try await self.drain(
            "DELETE FROM documents WHERE ctid IN (SELECT ctid FROM documents WHERE author_user_id = $1 LIMIT $2)",
            userID,
            max(1, batch / 100)
        )
        try await self.drain(
            "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys WHERE user_id = $1 LIMIT $2)",
            userID,
            batch
        )
        try await self.database.transaction { connection in
            try await connection.query(
                "DELETE FROM jobs WHERE created_by = \(userID) AND id IS DISTINCT FROM \(jobID)",
                logger: logger
            )
            try await connection.query("DELETE FROM cube_members WHERE user_id = \(userID)", logger: logger)
            try await connection.query("DELETE FROM api_keys WHERE user_id = \(userID)", logger: logger)
            try await connection.query("DELETE FROM users WHERE id = \(userID)", logger: logger)
        }
        return removed
    }

    /// Deletes the memories whose `column` is `value`, with their history, `batch` at a time; returns how many.
    private func deleteMemories(where column: String, is value: any PostgresEncodable, batch: Int) async throws -> Int {
        var removed = 0
        while true {
            let count = try await self.deleteBatch(
                """
                WITH doomed AS (SELECT cube_id, id FROM memories WHERE \(column) = $1 LIMIT $2),
                history AS (
                    DELETE FROM memory_history h USING doomed d WHERE h.cube_id = d.cube_id AND h.memory_id = d.id
                )
                DELETE FROM memories m USING doomed d WHERE m.cube_id = d.cube_id AND m.id = d.id RETURNING 1
                """,
                try PostgresMemoryStore.bindings(value, batch)
            )
            removed += count
            if count < batch { return removed }
        }
    }

    /// Runs a batched statement (binds: the key, then the batch size) until it affects fewer rows than a batch.
    private func drain(_ sql: String, _ key: any PostgresEncodable, _ batch: Int) async throws {
        while try await self.deleteBatch(sql + " RETURNING 1", try PostgresMemoryStore.bindings(key, batch)) >= batch {}
    }

    /// One statement in its own transaction; returns the rows it returned.
    private func deleteBatch(_ sql: String, _ binds: PostgresBindings) async throws -> Int {
        let logger = self.database.logger
        return try await self.database.transaction { connection in
            try await connection.rows(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).count
        }
    }
}
