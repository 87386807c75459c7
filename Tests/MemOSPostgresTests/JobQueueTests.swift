import Foundation
import Logging
import MemOSCore
import MemOSPostgres
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Testing

@testable import MemOSScheduler
@testable import MemOSTestSupport

/// The durable queue and its workers, against PostgreSQL.
@Suite("Job queue")
struct JobQueueTests {
    /// A handler that runs a closure.
    struct Handler: JobHandler {
        let body: @Sendable (ClaimedJob) async throws -> JobResult

        func run(_ job: ClaimedJob) async throws -> JobResult { try await self.body(job) }
    }

    static let fast = JobWorkerPool.Configuration(
        workers: 2,
        lease: .seconds(5),
        pollInterval: .milliseconds(50),
        initialBackoff: .milliseconds(20),
        maxBackoff: .milliseconds(100)
    )

    /// Runs worker pools over `queue` while `body` runs.
    static func withPools(
        _ pools: [JobWorkerPool],
        _ body: () async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for pool in pools { group.addTask { try await pool.run() } }
            defer { group.cancelAll() }
            try await body()
        }
    }

    /// Polls until `condition` holds (bounded, so a bug fails the test instead of hanging it).
    static func eventually(_ what: Comment, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<600 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting until \(what)")
    }

    static func statuses(_ queue: PostgresJobStore, cube: String) async throws -> [JobStatus: Int] {
        try await queue.countsByStatus(cubeIDs: [cube])
    }

    @Test("two pools never run one job at the same time, and every job runs once")
    func exclusive() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let queue = PostgresJobStore(database: database)
            let running = Mutex<Set<UUID>>([])
            let runs = Mutex<[UUID: Int]>([:])
            let overlaps = Mutex(0)
            let handler = Handler { claimed in
                let fresh = running.withLock { $0.insert(claimed.job.id).inserted }
                if !fresh { overlaps.withLock { $0 += 1 } }
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...10)))
                running.withLock { _ = $0.remove(claimed.job.id) }
                runs.withLock { $0[claimed.job.id, default: 0] += 1 }
                return JobResult()
            }
            var ids: [UUID] = []
            for _ in 0..<40 { ids.append(try await queue.enqueue(NewJob(cubeID: "c", kind: "noop")).id) }
            // A lease far longer than the test: when the suite starves this process for seconds, a missed heartbeat
            // must not hand a running job to the other pool (running again after a lost lease is another test's).
            var configuration = Self.fast
            configuration.lease = .seconds(300)
            let pools = (0..<2).map { index in
                JobWorkerPool(
                    configuration: configuration,
                    queue: queue,
                    handlers: ["noop": handler],
                    name: "pool\(index)",
                    logger: TestDatabase.logger
                )
            }
            try await Self.withPools(pools) {
                try await Self.eventually("every job completed") {
                    try await Self.statuses(queue, cube: "c")[.completed] == 40
                }
            }
            #expect(overlaps.withLock { $0 } == 0)
            #expect(runs.withLock { $0 } == Dictionary(uniqueKeysWithValues: ids.map { ($0, 1) }))
        }
    }

    @Test("a job whose worker died is run again after its lease, and its effect happens once")
    func reclaimAfterLease() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let queue = PostgresJobStore(database: database)
            let store = PostgresMemoryStore(database: database)
            let author = UUID()
            // The job's effect is an idempotent write keyed by the job id, as the scheduler's handlers do it.
            @Sendable func effect(_ claimed: ClaimedJob) async throws -> JobResult {
                let outcome = try await store.add(
                    [NewMemory.fixture("written once by job \(claimed.job.id)")],
                    messages: [],
                    cubeID: "c",
                    author: author,
                    idempotency: IdempotencyKey(key: "job:\(claimed.job.id)", fingerprint: "job")
                )
                return JobResult(memoryIDs: outcome.receipt.memoryIDs)
            }
            let job = try await queue.enqueue(NewJob(cubeID: "c", kind: "write"))
            // A worker claims it with a short lease, does the work, and dies before recording completion.
            let dead = try #require(try await queue.claim(owner: "doomed", kinds: ["write"], lease: .milliseconds(300)))
            #expect(dead.job.id == job.id)
            _ = try await effect(dead)

            let pool = JobWorkerPool(
                configuration: Self.fast,
                queue: queue,
                handlers: ["write": Handler(body: effect)],
                name: "survivor",
                logger: TestDatabase.logger
            )
            try await Self.withPools([pool]) {
                try await Self.eventually("the job completed") {
                    try await queue.job(id: job.id, cubeID: "c")?.status == .completed
                }
            }
            let finished = try #require(try await queue.job(id: job.id, cubeID: "c"))
            #expect(finished.attempts == 2)
            #expect(finished.memoryIDs.count == 1)
            #expect(try await TestDatabase.count("memories", in: database) == 1)
            // The dead worker can no longer complete or fail the job.
            #expect(try await !queue.complete(dead, result: [:], memoryIDs: []))
            #expect(try await queue.fail(dead, error: "late", retryAfter: .zero) == .leaseLost)
        }
    }

    @Test("a failed attempt waits for its backoff before running again")
    func backoff() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let queue = PostgresJobStore(database: database)
            let job = try await queue.enqueue(NewJob(cubeID: "c", kind: "flaky"))
            let claimed = try #require(try await queue.claim(owner: "w", kinds: [], lease: .seconds(5)))
            let failedAt = Date()
            // A backoff long enough that the next claim comes before it even on a loaded machine.
            guard case .retry(let runAt) = try await queue.fail(claimed, error: "boom", retryAfter: .seconds(3)) else {
                Issue.record("expected a retry")
                return
            }
            #expect(runAt >= failedAt.addingTimeInterval(2.9))
            // Not runnable before its time ...
            #expect(try await queue.claim(owner: "w", kinds: [], lease: .seconds(5)) == nil)
            let failed = try #require(try await queue.job(id: job.id, cubeID: "c"))
            #expect(failed.status == .failed)
            #expect(failed.lastError == "boom")
            // ... and runnable after it: its time is moved into the past rather than waited for.
            try await database.client.query(
                "UPDATE jobs SET run_at = now() - interval '1 second' WHERE id = \(job.id)",
                logger: TestDatabase.logger
            )
            let again = try #require(try await queue.claim(owner: "w", kinds: [], lease: .seconds(5)))
            #expect(again.job.id == job.id)
            #expect(again.job.attempts == 2)
        }
    }

    @Test("the worker pool's backoff grows per attempt, with jitter, up to its cap")
    func backoffSchedule() {
        let configuration = JobWorkerPool.Configuration(initialBackoff: .seconds(1), maxBackoff: .seconds(10))
        for attempt in 1...6 {
            let delay = configuration.backoff(afterAttempt: attempt)
            let full = min(Duration.seconds(1) * (1 << (attempt - 1)), .seconds(10))
            #expect(delay >= full * 0.5 && delay <= full)
        }
    }

    @Test("a job that always fails ends dead with its last error")
    func dead() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let queue = PostgresJobStore(database: database)
            let attempts = Mutex(0)
            let handler = Handler { _ in
                let attempt = attempts.withLock { count in
                    count += 1
                    return count
                }
                throw MemOSError(code: .unavailable, message: "attempt \(attempt) failed")
            }
            let job = try await queue.enqueue(NewJob(cubeID: "c", kind: "doomed", maxAttempts: 3))
            let pool = JobWorkerPool(
                configuration: Self.fast,
                queue: queue,
                handlers: ["doomed": handler],
                logger: TestDatabase.logger
            )
            try await Self.withPools([pool]) {
                try await Self.eventually("the job is dead") {
                    try await queue.job(id: job.id, cubeID: "c")?.status == .dead
                }
            }
            let final = try #require(try await queue.job(id: job.id, cubeID: "c"))
            #expect(final.attempts == 3)
            #expect(final.lastError == "attempt 3 failed")
            #expect(final.finishedAt != nil)
            #expect(attempts.withLock { $0 } == 3)
        }
    }

    @Test("a quiet cube's job is not starved by a busy cube's backlog")
    func fairness() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let queue = PostgresJobStore(database: database)
            for _ in 0..<30 { _ = try await queue.enqueue(NewJob(cubeID: "busy", kind: "noop")) }
            _ = try await queue.enqueue(NewJob(cubeID: "quiet", kind: "noop"))
            // One worker takes jobs one at a time; the quiet cube's job comes within the first two.
            var order: [String] = []
            while let claimed = try await queue.claim(owner: "w", kinds: [], lease: .seconds(5)) {
                order.append(claimed.job.cubeID)
                #expect(try await queue.complete(claimed, result: [:], memoryIDs: []))
            }
            #expect(order.count == 31)
            #expect(order.prefix(2).contains("quiet"))
            // Priority still comes first.
            _ = try await queue.enqueue(NewJob(cubeID: "busy", kind: "noop"))
            let urgent = try await queue.enqueue(NewJob(cubeID: "quiet", kind: "noop", priority: 5))
            #expect(try await queue.claim(owner: "w", kinds: [], lease: .seconds(5))?.job.id == urgent.id)
        }
    }

    @Test("a cancelled job stops its worker and stays cancelled")
    func cancel() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let queue = PostgresJobStore(database: database)
            let started = Mutex(false)
            let handler = Handler { _ in
                started.withLock { $0 = true }
                try await Task.sleep(for: .seconds(60))
                return JobResult()
            }
            let job = try await queue.enqueue(NewJob(cubeID: "c", kind: "slow"))
            var configuration = Self.fast
            configuration.lease = .milliseconds(300)
            configuration.workers = 1
            let pool = JobWorkerPool(
                configuration: configuration,
                queue: queue,
                handlers: ["slow": handler],
                logger: TestDatabase.logger
            )
            try await Self.withPools([pool]) {
                try await Self.eventually("the job started") { started.withLock { $0 } }
                _ = try await queue.cancel(id: job.id, cubeID: "c")
                // The worker notices at its next heartbeat and is free for other work.
                let next = try await queue.enqueue(NewJob(cubeID: "c", kind: "slow"))
                try await Self.eventually("the next job started") {
                    try await queue.job(id: next.id, cubeID: "c")?.status == .inProgress
                }
            }
            #expect(try await queue.job(id: job.id, cubeID: "c")?.status == .cancelled)
        }
    }

    @Test("a pool that stops gracefully gives its running job back at once, the attempt not counted")
    func releaseOnShutdown() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let queue = PostgresJobStore(database: database)
            let started = Mutex(false)
            let handler = Handler { _ in
                started.withLock { $0 = true }
                try await Task.sleep(for: .seconds(60))
                return JobResult()
            }
            let job = try await queue.enqueue(NewJob(cubeID: "c", kind: "slow"))
            var configuration = Self.fast
            configuration.workers = 1
            configuration.lease = .seconds(60)
            let pool = JobWorkerPool(
                configuration: configuration,
                queue: queue,
                handlers: ["slow": handler],
                logger: TestDatabase.logger
            )
            let group = ServiceGroup(services: [pool], logger: TestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await Self.eventually("the job started") { started.withLock { $0 } }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            // Waiting again, with no lease and no attempt spent, long before its 60-second lease would have expired.
            let released = try #require(try await queue.job(id: job.id, cubeID: "c"))
            #expect(released.status == .waiting)
            #expect(released.attempts == 0)
        }
    }

    @Test("a periodic system job is queued once while pending")
    func systemJob() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let queue = PostgresJobStore(database: database)
            #expect(try await queue.enqueueSystemJob(kind: JobKind.lifecycleSweep))
            #expect(try await !queue.enqueueSystemJob(kind: JobKind.lifecycleSweep))
            let claimed = try #require(
                try await queue.claim(owner: "w", kinds: [JobKind.lifecycleSweep], lease: .seconds(5))
            )
            #expect(try await !queue.enqueueSystemJob(kind: JobKind.lifecycleSweep))
            #expect(try await queue.complete(claimed, result: [:], memoryIDs: []))
            #expect(try await queue.enqueueSystemJob(kind: JobKind.lifecycleSweep))
        }
    }

    @Test("the lifecycle sweep archives expired memories with history and forgets old idempotency keys")
    func lifecycleSweep() async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let store = PostgresMemoryStore(database: database)
            var expired = NewMemory.fixture("the offer ends yesterday")
            expired.validTo = Date().addingTimeInterval(-60)
            var current = NewMemory.fixture("the offer ends next year")
            current.validTo = Date().addingTimeInterval(3_600 * 24 * 365)
            let author = UUID()
            _ = try await store.add([expired, current], messages: [], cubeID: "c", author: author, idempotency: nil)
            _ = try await store.add(
                [NewMemory.fixture("old request")],
                messages: [],
                cubeID: "c",
                author: author,
                idempotency: IdempotencyKey(key: "old", fingerprint: "f")
            )
            _ = try await store.add(
                [NewMemory.fixture("new request")],
                messages: [],
                cubeID: "c",
                author: author,
                idempotency: IdempotencyKey(key: "new", fingerprint: "f")
            )
            try await database.client.query(
                "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old'",
                logger: TestDatabase.logger
            )
            let claimed = ClaimedJob(
                job: try await PostgresJobStore(database: database).enqueue(
                    NewJob(cubeID: "", kind: JobKind.lifecycleSweep)
                ),
                payload: [:],
                createdBy: nil,
                owner: "w"
            )
            let result = try await LifecycleSweepHandler(store: store).run(claimed)
            #expect(result.result["archived"] == .number(1))
            #expect(result.result["idempotency_keys_forgotten"] == .number(1))
            let memories = try await store.memories(ids: [expired.id, current.id], cubeID: "c")
            #expect(memories.map(\.status) == [.archived, .activated])
            let history = try await store.history(memoryID: expired.id, cubeID: "c", before: nil, limit: 10)
            #expect(history.first?.action == "expire")
            #expect(try await TestDatabase.count("idempotency_keys", in: database) == 1)
        }
    }
}
