import Foundation

/// State of a background job.
public enum JobStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case waiting
    case inProgress = "in_progress"
    case completed
    case failed
    case cancelled
    case dead

    /// True while the job may still run.
    public var isPending: Bool { self == .waiting || self == .inProgress || self == .failed }
}

/// A durable unit of background work on one cube.
public struct Job: Sendable, Hashable {
    public var id: UUID
    public var cubeID: String
    public var kind: String
    public var status: JobStatus
    public var priority: Int
    public var attempts: Int
    public var maxAttempts: Int
    public var lastError: String
    public var progress: Float
    public var result: [String: JSONValue]
    public var memoryIDs: [UUID]
    public var sessionID: String
    public var createdAt: Date
    public var updatedAt: Date
    public var runAt: Date
    public var finishedAt: Date?

    public init(
        id: UUID,
        cubeID: String,
        kind: String,
        status: JobStatus,
        priority: Int,
        attempts: Int,
        maxAttempts: Int,
        lastError: String,
        progress: Float,
        result: [String: JSONValue],
        memoryIDs: [UUID],
        sessionID: String,
        createdAt: Date,
        updatedAt: Date,
        runAt: Date,
        finishedAt: Date?
    ) {
        self.id = id
        self.cubeID = cubeID
        self.kind = kind
        self.status = status
        self.priority = priority
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.lastError = lastError
        self.progress = progress
        self.result = result
        self.memoryIDs = memoryIDs
        self.sessionID = sessionID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.runAt = runAt
        self.finishedAt = finishedAt
    }
}

/// Kinds of job the scheduler runs.
public enum JobKind {
    /// Makes memories from the raw messages of an async AddMessages (fast or fine reader).
    public static let extract = "extract"
    /// Refreshes a session's WorkingMemory from its recent queries.
    public static let workingMemoryRefresh = "working_memory_refresh"
    /// Finds near duplicates among a cube's new memories (queued by every write that adds memories).
    public static let reorganize = "reorganize"
    /// Moves a cube's vectors to the configured embedding model.
    public static let reembed = "reembed"
    /// Erases a cube or a user for good.
    public static let purge = "purge"
    /// System-wide upkeep: archives memories past their validity, forgets old idempotency keys.
    public static let lifecycleSweep = "lifecycle_sweep"
    /// Parses, chunks and embeds a queued document (``DocumentJob``).
    public static let parseDocument = "parse_document"
    /// Applies feedback on memories: explicit edits, and what the LLM judges the feedback asks (``FeedbackJob``).
    public static let feedback = "feedback"
    /// An event with no work of its own (`answer`, `add`), recorded as completed.
    public static let event = "event"
}

/// A job to queue.
public struct NewJob: Sendable, Hashable {
    public var id: UUID
    public var cubeID: String
    public var kind: String
    public var priority: Int
    public var payload: [String: JSONValue]
    public var sessionID: String
    public var maxAttempts: Int
    /// The user on whose behalf the job runs (its writes are theirs).
    public var createdBy: UUID?
    /// `waiting`, or `completed` for a record of an event that has no work of its own.
    public var status: JobStatus

    public init(
        id: UUID = UUID.random(),
        cubeID: String,
        kind: String,
        priority: Int = 0,
        payload: [String: JSONValue] = [:],
        sessionID: String = "",
        maxAttempts: Int = 5,
        createdBy: UUID? = nil,
        status: JobStatus = .waiting
    ) {
        self.status = status
        self.id = id
        self.cubeID = cubeID
        self.kind = kind
        self.priority = priority
        self.payload = payload
        self.sessionID = sessionID
        self.maxAttempts = maxAttempts
        self.createdBy = createdBy
    }
}

/// A job a worker holds under a lease.
public struct ClaimedJob: Sendable, Hashable {
    public var job: Job
    public var payload: [String: JSONValue]
    public var createdBy: UUID?
    /// The worker holding the lease; every later call about the job names it.
    public var owner: String

    public init(job: Job, payload: [String: JSONValue], createdBy: UUID?, owner: String) {
        self.job = job
        self.payload = payload
        self.createdBy = createdBy
        self.owner = owner
    }
}

/// What happened to a job whose attempt failed.
public enum FailureOutcome: Sendable, Hashable {
    /// It will run again at `runAt`.
    case retry(runAt: Date)
    /// It used its last attempt.
    case dead
    /// The worker no longer held the lease (it expired, or the job was cancelled).
    case leaseLost
}

/// The queue's state for monitoring, over every cube (no cube is named).
public struct QueueMetrics: Sendable, Hashable {
    /// Jobs by kind and status.
    public var counts: [String: [JobStatus: Int]]
    /// Of the jobs finished in the last 15 minutes, per kind: seconds from enqueue to completion (p50, p95) and
    /// from enqueue to first start (p50).
    public var latency: [String: (completionP50: Double, completionP95: Double, startP50: Double)]

    public init(
        counts: [String: [JobStatus: Int]],
        latency: [String: (completionP50: Double, completionP95: Double, startP50: Double)]
    ) {
        self.counts = counts
        self.latency = latency
    }

    public static func == (lhs: QueueMetrics, rhs: QueueMetrics) -> Bool {
        lhs.counts == rhs.counts
            && lhs.latency.mapValues { [$0.0, $0.1, $0.2] } == rhs.latency.mapValues { [$0.0, $0.1, $0.2] }
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(self.counts) }

    /// The Prometheus text exposition of these figures.
    public var prometheus: String {
        var lines = [
            "# HELP memos_jobs Jobs in the queue by kind and status (dead: failed on every attempt; failed: awaiting a retry).",
            "# TYPE memos_jobs gauge",
        ]
        for (kind, statuses) in self.counts.sorted(by: { $0.key < $1.key }) {
            for (status, count) in statuses.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                lines.append("memos_jobs{kind=\"\(kind)\",status=\"\(status.rawValue)\"} \(count)")
            }
        }
        lines += [
            "# HELP memos_job_latency_seconds Enqueue to completion (p50, p95) and to first start (start_p50) of jobs finished in the last 15 minutes.",
            "# TYPE memos_job_latency_seconds gauge",
        ]
        for (kind, figures) in self.latency.sorted(by: { $0.key < $1.key }) {
            lines.append("memos_job_latency_seconds{kind=\"\(kind)\",quantile=\"p50\"} \(figures.completionP50)")
            lines.append("memos_job_latency_seconds{kind=\"\(kind)\",quantile=\"p95\"} \(figures.completionP95)")
            lines.append("memos_job_latency_seconds{kind=\"\(kind)\",quantile=\"start_p50\"} \(figures.startP50)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The durable job queue.
///
/// A worker claims a runnable job (waiting, or failed and due) under a lease and keeps the lease alive with
/// heartbeats; a job whose lease expires (its worker died) is made runnable again by ``reapExpiredLeases()``.
/// Completion and failure are accepted only from the lease holder.
public protocol JobStore: Sendable {
    /// Queues a job on its own.
    func enqueue(_ job: NewJob) async throws -> Job
    /// Queues a job of the whole system (cube id empty) unless one of that kind is pending; true when queued.
    func enqueueSystemJob(kind: String) async throws -> Bool
    /// Claims the most urgent runnable job of the given kinds (all kinds when empty): highest priority first,
    /// then the cube served least recently (so one busy cube cannot starve the others), then the oldest.
    func claim(owner: String, kinds: Set<String>, lease: Duration) async throws -> ClaimedJob?
    /// Extends the lease; false when the worker no longer holds it (cancelled, or expired and reclaimed).
    func heartbeat(_ claimed: ClaimedJob, lease: Duration, progress: Float?) async throws -> Bool
    /// Records the job's progress (0 to 1); false when the worker no longer holds the lease.
    func reportProgress(_ claimed: ClaimedJob, progress: Float) async throws -> Bool
    /// Queues a job unless one of its kind is pending in its cube; true when queued.
    func enqueueUnlessPending(_ job: NewJob) async throws -> Bool
    /// Marks the job completed with its result; false when the worker no longer held the lease.
    func complete(_ claimed: ClaimedJob, result: [String: JSONValue], memoryIDs: [UUID]) async throws -> Bool
    /// Gives a job back unfinished (its worker is stopping): runnable again at once by any worker, the attempt
    /// not counted; false when the worker no longer held the lease.
    func release(_ claimed: ClaimedJob) async throws -> Bool
    /// Records a failed attempt: retried after `retryAfter`, or dead when no attempts remain.
    func fail(_ claimed: ClaimedJob, error: String, retryAfter: Duration) async throws -> FailureOutcome
    /// Makes jobs whose lease expired runnable again (or dead after their last attempt); returns how many.
    func reapExpiredLeases() async throws -> Int
    /// Payloads of the most recent jobs of a kind in a session of a cube, newest first.
    func recentPayloads(
        cubeID: String,
        sessionID: String,
        kind: String,
        limit: Int
    ) async throws -> [[String: JSONValue]]
    /// Counts and latencies for monitoring.
    func metrics() async throws -> QueueMetrics
    /// Calls `wake` whenever a job is queued, until the task is cancelled (LISTEN/NOTIFY).
    func notifications(_ wake: @escaping @Sendable () -> Void) async throws

    func job(id: UUID, cubeID: String) async throws -> Job?
    /// A page of a cube's jobs, newest first, after `cursor`.
    func jobs(
        cubeID: String,
        statuses: Set<JobStatus>,
        kinds: Set<String>,
        after cursor: ListCursor?,
        limit: Int
    )
        async throws -> [Job]
    /// Cancels a pending job; returns the job as it is afterwards, or nil when it does not exist.
    func cancel(id: UUID, cubeID: String) async throws -> Job?
    /// Jobs of a cube that may still run.
    func pendingCount(cubeID: String) async throws -> Int
    /// Job counts by status over the given cubes.
    func countsByStatus(cubeIDs: [String]) async throws -> [JobStatus: Int]
}
