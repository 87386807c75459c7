import Foundation
import Logging
import MemOSCore
import PostgresNIO

/// The job queue in PostgreSQL.
public struct PostgresJobStore: JobStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = """
        j.id, j.cube_id, j.kind, j.status, j.priority, j.attempts, j.max_attempts, j.last_error, j.progress,
        j.result::text AS result, j.memory_ids, j.session_id, j.created_at, j.updated_at, j.run_at, j.finished_at
        """

    public func job(id: UUID, cubeID: String) async throws -> Job? {
        let logger = self.database.logger
        let query = PostgresQuery(
            unsafeSQL: "SELECT \(Self.columns) FROM jobs j WHERE j.cube_id = $1 AND j.id = $2",
            binds: try PostgresMemoryStore.bindings(cubeID, id)
        )
        return try await self.database.withConnection { connection in
            try await connection.rows(query, logger: logger).first.map(Self.job(from:))
        }
    }

    public func jobs(cubeID: String, statuses: Set<JobStatus>, kinds: Set<String>, after cursor: ListCursor?, limit: Int)
        async throws -> [Job]
    {
        var sql = "SELECT \(Self.columns) FROM jobs j WHERE j.cube_id = $1"
        var binds = try PostgresMemoryStore.bindings(cubeID)
        if !statuses.isEmpty {
            try binds.append(statuses.map(\.rawValue))
            sql += " AND j.status = ANY($\(binds.count))"
        }
        if !kinds.isEmpty {
            try binds.append(Array(kinds))
            sql += " AND j.kind = ANY($\(binds.count))"
        }
        if let cursor {
            try binds.append(cursor.createdAt)
            try binds.append(cursor.id)
            sql += " AND (j.created_at, j.id) < ($\(binds.count - 1), $\(binds.count))"
        }
        try binds.append(limit)
        sql += " ORDER BY j.created_at DESC, j.id DESC LIMIT $\(binds.count)"
        let logger = self.database.logger
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try await self.database.withConnection { connection in
            try await connection.rows(query, logger: logger).map(Self.job(from:))
        }
    }

    public func cancel(id: UUID, cubeID: String) async throws -> Job? {
        let logger = self.database.logger
        try await self.database.withConnection { connection in
            try await connection.query(
                """
                UPDATE jobs SET status = 'cancelled', finished_at = now(), updated_at = now(),
                    lease_owner = NULL, lease_expires_at = NULL
                WHERE cube_id = \(cubeID) AND id = \(id) AND status IN ('waiting', 'failed', 'in_progress')
                """,
                logger: logger
            )
        }
        return try await self.job(id: id, cubeID: cubeID)
    }

    public func pendingCount(cubeID: String) async throws -> Int {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            let rows = try await connection.rows(
                """
                SELECT count(*) AS n FROM jobs
                WHERE cube_id = \(cubeID) AND status IN ('waiting', 'in_progress', 'failed')
                """,
                logger: logger
            )
            return Int(try rows[0]["n"].decode(Int64.self))
        }
    }

    public func countsByStatus(cubeIDs: [String]) async throws -> [JobStatus: Int] {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            var counts: [JobStatus: Int] = [:]
            let rows = try await connection.rows(
                "SELECT status, count(*) AS n FROM jobs WHERE cube_id = ANY(\(cubeIDs)) GROUP BY status",
                logger: logger
            )
            for row in rows {
                if let status = JobStatus(rawValue: try row["status"].decode(String.self)) {
                    counts[status] = Int(try row["n"].decode(Int64.self))
                }
            }
            return counts
        }
    }

    static func job(from row: PostgresRandomAccessRow) throws -> Job {
        Job(
            id: try row["id"].decode(UUID.self),
            cubeID: try row["cube_id"].decode(String.self),
            kind: try row["kind"].decode(String.self),
            status: JobStatus(rawValue: try row["status"].decode(String.self)) ?? .waiting,
            priority: Int(try row["priority"].decode(Int32.self)),
            attempts: Int(try row["attempts"].decode(Int32.self)),
            maxAttempts: Int(try row["max_attempts"].decode(Int32.self)),
            lastError: try row["last_error"].decode(String.self),
            progress: try row["progress"].decode(Float.self),
            result: try JSONCoding.decode([String: JSONValue].self, from: try row["result"].decode(String.self)),
            memoryIDs: try row["memory_ids"].decode([UUID].self),
            sessionID: try row["session_id"].decode(String.self),
            createdAt: try row["created_at"].decode(Date.self),
            updatedAt: try row["updated_at"].decode(Date.self),
            runAt: try row["run_at"].decode(Date.self),
            finishedAt: try row["finished_at"].decode(Date?.self)
        )
    }
}
