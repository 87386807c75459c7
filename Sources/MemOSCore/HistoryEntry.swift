import Foundation

/// One change to a memory.
public struct HistoryEntry: Sendable, Hashable {
    public var id: Int64
    public var memoryID: UUID
    public var action: String
    public var before: MemorySnapshot?
    public var after: MemorySnapshot?
    public var actorUserID: UUID?
    public var jobID: UUID?
    public var reason: String
    public var createdAt: Date

    public init(
        id: Int64,
        memoryID: UUID,
        action: String,
        before: MemorySnapshot?,
        after: MemorySnapshot?,
        actorUserID: UUID?,
        jobID: UUID?,
        reason: String,
        createdAt: Date
    ) {
        self.id = id
        self.memoryID = memoryID
        self.action = action
        self.before = before
        self.after = after
        self.actorUserID = actorUserID
        self.jobID = jobID
        self.reason = reason
        self.createdAt = createdAt
    }
}
