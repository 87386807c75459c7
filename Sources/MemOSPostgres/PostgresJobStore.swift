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

    /// Jobs of the cube as it is now: a cube id deleted and created again (by anyone) does not show the jobs of
    /// the cube it once named, such as that cube's purge.
    static let currentCube =
        "j.created_at >= coalesce((SELECT c.created_at FROM cubes c WHERE c.cube_id = j.cube_id), '-infinity')"

    public func job(id: UUID, cubeID: String) async throws -> Job? {
        let logger = self.database.logger
        let query = PostgresQuery(
            unsafeSQL: "SELECT \(Self.columns) FROM jobs j WHERE j.cube_id = $1 AND j.id = $2 AND \(Self.currentCube)",
            binds: try PostgresMemoryStore.bindings(cubeID, id)
        )
        return try await self.database.withConnection { connection in
            try await connection.rows(query, logger: logger).first.map(Self.job(from:))
        }
    }

    public func jobs(
        cubeID: String,
        statuses: Set<JobStatus>,
        kinds: Set<String>,
        after cursor: ListCursor?,
        limit: Int
    )
        async throws -> [Job]
    {
        var sql = "SELECT \(Self.columns) FROM jobs j WHERE j.cube_id = $1 AND \(Self.currentCube)"
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

    public func enqueue(_ job: NewJob) async throws -> Job {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await Self.enqueue(job, on: connection, logger: logger)
        }
    }

    public func enqueueSystemJob(kind: String) async throws -> Bool {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await connection.rows(
                """
                INSERT INTO jobs (cube_id, id, kind, priority) VALUES ('', \(UUID.random()), \(kind), -1)
                ON CONFLICT (kind) WHERE cube_id = '' AND status IN ('waiting', 'failed', 'in_progress') DO NOTHING
                RETURNING 1
                """,
                logger: logger
            ).count == 1
        }
    }

    /// Inserts a job inside the caller's transaction, so it commits with the data it concerns.
    static func enqueue(_ job: NewJob, on connection: PostgresConnection, logger: Logger) async throws -> Job {
        let payload = try JSONCoding.string(job.payload)
        let query: PostgresQuery = """
            INSERT INTO jobs AS j (cube_id, id, kind, priority, payload, session_id, max_attempts, created_by, status,
                progress, finished_at)
            VALUES (\(job.cubeID), \(job.id), \(job.kind), \(Int32(job.priority)), \(payload)::jsonb, \(job.sessionID),
                \(Int32(job.maxAttempts)), \(job.createdBy), \(job.status.rawValue),
                CASE WHEN \(job.status.rawValue) = 'completed' THEN 1 ELSE 0 END,
                CASE WHEN \(job.status.rawValue) = 'completed' THEN now() END)
            RETURNING \(unescaped: Self.columns)
            """
        return try Self.job(from: try await connection.rows(query, logger: logger)[0])
    }

    public func claim(owner: String, kinds: Set<String>, lease: Duration) async throws -> ClaimedJob? {
        let logger = self.database.logger
        var binds = try PostgresMemoryStore.bindings(owner, lease.wholeMilliseconds)
        var kindFilter = ""
        if !kinds.isEmpty {
            try binds.append(Array(kinds).sorted())
            kindFilter = "AND j.kind = ANY($3)"
        }
        // Fairness without sorting the whole backlog: the cubes with runnable jobs are found by a skip scan of
        // jobs_cube_runnable_idx, each contributes its first few jobs, and among those the highest priority wins,
        // then the cube served least recently, then the oldest. Workers racing for a job skip it when locked.
        let claim = PostgresQuery(
            unsafeSQL: """
                WITH RECURSIVE cubes AS (
                    (SELECT cube_id FROM jobs WHERE status IN ('waiting', 'failed') ORDER BY cube_id LIMIT 1)
                    UNION ALL
                    SELECT (SELECT j.cube_id FROM jobs j WHERE j.status IN ('waiting', 'failed') AND j.cube_id > c.cube_id
                            ORDER BY j.cube_id LIMIT 1)
                    FROM cubes c WHERE c.cube_id IS NOT NULL
                ), heads AS (
                    SELECT h.cube_id, h.id, h.priority, h.run_at, t.last_claimed_at FROM cubes c
                    CROSS JOIN LATERAL (
                        SELECT j.cube_id, j.id, j.priority, j.run_at FROM jobs j
                        WHERE j.cube_id = c.cube_id AND j.status IN ('waiting', 'failed') AND j.run_at <= now() \(kindFilter)
                        ORDER BY j.priority DESC, j.run_at LIMIT 8
                    ) h
                    LEFT JOIN job_cube_turns t ON t.cube_id = h.cube_id
                    WHERE c.cube_id IS NOT NULL
                ), next AS (
                    SELECT j.cube_id, j.id FROM jobs j JOIN heads h ON j.cube_id = h.cube_id AND j.id = h.id
                    WHERE j.status IN ('waiting', 'failed')
                    ORDER BY h.priority DESC, h.last_claimed_at ASC NULLS FIRST, h.run_at
                    LIMIT 1
                    FOR UPDATE OF j SKIP LOCKED
                )
                UPDATE jobs j SET status = 'in_progress', attempts = j.attempts + 1, lease_owner = $1,
                    lease_expires_at = now() + $2::bigint * interval '1 millisecond', updated_at = now(),
                    started_at = COALESCE(j.started_at, now())
                FROM next WHERE j.cube_id = next.cube_id AND j.id = next.id
                RETURNING \(Self.columns), j.payload::text AS payload, j.created_by
                """,
            binds: binds
        )
        return try await self.database.transaction { connection in
            guard let row = try await connection.rows(claim, logger: logger).first else { return nil }
            let job = try Self.job(from: row)
            try await connection.query(
                """
                INSERT INTO job_cube_turns (cube_id, last_claimed_at) VALUES (\(job.cubeID), clock_timestamp())
                ON CONFLICT (cube_id) DO UPDATE SET last_claimed_at = excluded.last_claimed_at
                """,
                logger: logger
            )
            return ClaimedJob(
                job: job,
                payload: try JSONCoding.decode([String: JSONValue].self, from: try row["payload"].decode(String.self)),
                createdBy: try row["created_by"].decode(UUID?.self),
                owner: owner
            )
        }
    }

    public func heartbeat(_ claimed: ClaimedJob, lease: Duration, progress: Float?) async throws -> Bool {
        try await self.updateHeld(
            claimed,
            set: """
                lease_expires_at = now() + \(lease.wholeMilliseconds)::bigint * interval '1 millisecond',
                progress = COALESCE(\(progress), progress)
                """
        ) != nil
    }

    public func reportProgress(_ claimed: ClaimedJob, progress: Float) async throws -> Bool {
        try await self.updateHeld(claimed, set: "progress = \(progress)") != nil
    }

    public func enqueueUnlessPending(_ job: NewJob) async throws -> Bool {
        let logger = self.database.logger
        let payload = try JSONCoding.string(job.payload)
        return try await self.database.withConnection { connection in
            try await connection.rows(
                """
                INSERT INTO jobs (cube_id, id, kind, priority, payload, session_id, max_attempts, created_by)
                SELECT \(job.cubeID), \(job.id), \(job.kind), \(Int32(job.priority)), \(payload)::jsonb, \(job.sessionID),
                    \(Int32(job.maxAttempts)), \(job.createdBy)
                WHERE NOT EXISTS (
                    SELECT 1 FROM jobs WHERE cube_id = \(job.cubeID) AND kind = \(job.kind)
                        AND status IN ('waiting', 'failed', 'in_progress')
                )
                RETURNING 1
                """,
                logger: logger
            ).count == 1
        }
    }

    public func release(_ claimed: ClaimedJob) async throws -> Bool {
        try await self.updateHeld(
            claimed,
            set:
                "status = 'waiting', attempts = greatest(attempts - 1, 0), lease_owner = NULL, lease_expires_at = NULL, run_at = now()"
        ) != nil
    }

    public func complete(_ claimed: ClaimedJob, result: [String: JSONValue], memoryIDs: [UUID]) async throws -> Bool {
        let json = try JSONCoding.string(result)
        return try await self.updateHeld(
            claimed,
            set: """
                status = 'completed', result = \(json)::jsonb, memory_ids = \(memoryIDs), progress = 1,
                finished_at = now(), lease_owner = NULL, lease_expires_at = NULL
                """
        ) != nil
    }

    public func fail(_ claimed: ClaimedJob, error: String, retryAfter: Duration) async throws -> FailureOutcome {
        let message = String(error.prefix(4_096))
        let row = try await self.updateHeld(
            claimed,
            set: """
                status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'failed' END,
                last_error = \(message),
                run_at = now() + \(retryAfter.wholeMilliseconds)::bigint * interval '1 millisecond',
                finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
                lease_owner = NULL, lease_expires_at = NULL
                """
        )
        guard let row else { return .leaseLost }
        if try row["status"].decode(String.self) == JobStatus.dead.rawValue { return .dead }
        return .retry(runAt: try row["run_at"].decode(Date.self))
    }

    /// Updates the job only while `claimed.owner` holds its lease; returns the updated row, or nil.
    private func updateHeld(
        _ claimed: ClaimedJob,
        set assignments: PostgresQuery
    ) async throws -> PostgresRandomAccessRow? {
        let logger = self.database.logger
        let count = assignments.binds.count
        var binds = assignments.binds
        try binds.append(claimed.job.cubeID)
        try binds.append(claimed.job.id)
        try binds.append(claimed.owner)
        let query = PostgresQuery(
            unsafeSQL: """
                UPDATE jobs SET \(assignments.sql), updated_at = now()
                WHERE cube_id = $\(count + 1) AND id = $\(count + 2) AND lease_owner = $\(count + 3)
                    AND status = 'in_progress'
                RETURNING status, run_at
                """,
            binds: binds
        )
        return try await self.database.withConnection { connection in
            try await connection.rows(query, logger: logger).first
        }
    }

    public func reapExpiredLeases() async throws -> Int {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await connection.rows(
                """
                UPDATE jobs SET status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'failed' END,
                    last_error = 'the worker holding the job stopped before finishing it (lease expired)',
                    finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
                    run_at = now(), lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
                WHERE status = 'in_progress' AND lease_expires_at < now()
                RETURNING id
                """,
                logger: logger
            ).count
        }
    }

    public func recentPayloads(
        cubeID: String,
        sessionID: String,
        kind: String,
        limit: Int
    ) async throws -> [[String: JSONValue]] {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await connection.rows(
                """
                SELECT payload::text FROM jobs
                WHERE cube_id = \(cubeID) AND session_id = \(sessionID) AND kind = \(kind)
                ORDER BY created_at DESC LIMIT \(limit)
                """,
                decoding: String.self,
                logger: logger
            ).map { try JSONCoding.decode([String: JSONValue].self, from: $0) }
        }
    }

    public func metrics() async throws -> QueueMetrics {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            var counts: [String: [JobStatus: Int]] = [:]
            for row in try await connection.rows(
                "SELECT kind, status, count(*) AS n FROM jobs GROUP BY kind, status",
                logger: logger
            ) {
                if let status = JobStatus(rawValue: try row["status"].decode(String.self)) {
                    counts[try row["kind"].decode(String.self), default: [:]][status] = Int(
                        try row["n"].decode(Int64.self)
                    )
                }
            }
            var latency: [String: (completionP50: Double, completionP95: Double, startP50: Double)] = [:]
            let rows = try await connection.rows(
                """
                SELECT kind,
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)) AS p50,
                    percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)) AS p95,
                    coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at)), 0) AS s50
                FROM jobs WHERE status = 'completed' AND finished_at > now() - interval '15 minutes' AND started_at IS NOT NULL
                GROUP BY kind
                """,
                logger: logger
            )
            for row in rows {
                latency[try row["kind"].decode(String.self)] = (
                    try row["p50"].decode(Double.self), try row["p95"].decode(Double.self),
                    try row["s50"].decode(Double.self)
                )
            }
            return QueueMetrics(counts: counts, latency: latency)
        }
    }

    public func notifications(_ wake: @escaping @Sendable () -> Void) async throws {
        try await self.database.withConnection { connection in
            try await connection.listen(on: Self.channel) { notifications in
                for try await _ in notifications { wake() }
            }
        }
    }

    /// The NOTIFY channel a trigger signals when jobs are queued.
    static let channel = "memos_jobs"

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
