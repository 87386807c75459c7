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
        id: UUID, cubeID: String, kind: String, status: JobStatus, priority: Int, attempts: Int, maxAttempts: Int,
        lastError: String, progress: Float, result: [String: JSONValue], memoryIDs: [UUID], sessionID: String,
        createdAt: Date, updatedAt: Date, runAt: Date, finishedAt: Date?
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

/// The durable job queue.
public protocol JobStore: Sendable {
    func job(id: UUID, cubeID: String) async throws -> Job?
    /// A page of a cube's jobs, newest first, after `cursor`.
    func jobs(cubeID: String, statuses: Set<JobStatus>, kinds: Set<String>, after cursor: ListCursor?, limit: Int)
        async throws -> [Job]
    /// Cancels a pending job; returns the job as it is afterwards, or nil when it does not exist.
    func cancel(id: UUID, cubeID: String) async throws -> Job?
    /// Jobs of a cube that may still run.
    func pendingCount(cubeID: String) async throws -> Int
    /// Job counts by status over the given cubes.
    func countsByStatus(cubeIDs: [String]) async throws -> [JobStatus: Int]
}
