import Foundation

/// One memory as the retrieval process's in-memory index holds it: what search needs to score and to filter
/// cheaply. Everything else stays in PostgreSQL.
public struct IndexedMemory: Sendable, Hashable {
    public var cubeID: String
    public var id: UUID
    public var status: MemoryStatus
    public var memoryType: MemoryType
    public var sessionID: String
    public var changeSeq: Int64
    /// The vector; nil when another embedding model made it (such a memory is not searchable until re-embedded).
    public var embedding: [Float]?
    /// Key and content, for keyword search.
    public var key: String
    public var content: String

    public init(
        cubeID: String,
        id: UUID,
        status: MemoryStatus,
        memoryType: MemoryType,
        sessionID: String,
        changeSeq: Int64,
        embedding: [Float]?,
        key: String = "",
        content: String = ""
    ) {
        self.cubeID = cubeID
        self.id = id
        self.status = status
        self.memoryType = memoryType
        self.sessionID = sessionID
        self.changeSeq = changeSeq
        self.embedding = embedding
        self.key = key
        self.content = content
    }
}

/// A memory removed for good (hard delete), at a change sequence number.
public struct RemovedMemory: Sendable, Hashable {
    public var cubeID: String
    public var id: UUID
    public var changeSeq: Int64

    public init(cubeID: String, id: UUID, changeSeq: Int64) {
        self.cubeID = cubeID
        self.id = id
        self.changeSeq = changeSeq
    }
}

/// What a reader's database snapshot says about the change sequence.
public struct ChangeSnapshot: Sendable, Hashable {
    /// The highest change sequence number committed and visible in the snapshot.
    public var highestVisible: Int64
    /// The sequence's last allocated number, read after the snapshot was taken (it may be uncommitted).
    public var allocated: Int64
    /// Every transaction with an id below this had ended when the snapshot was taken.
    public var xmin: UInt64
    /// Every transaction with an id at or above this had not started when the snapshot was taken.
    public var xmax: UInt64
    /// True when some transaction with an id was running when the snapshot was taken.
    public var hadRunningWriters: Bool

    public init(highestVisible: Int64, allocated: Int64, xmin: UInt64, xmax: UInt64, hadRunningWriters: Bool) {
        self.highestVisible = highestVisible
        self.allocated = allocated
        self.xmin = xmin
        self.xmax = xmax
        self.hadRunningWriters = hadRunningWriters
    }
}

/// The changes of some cubes after a change sequence number, read in one snapshot.
public struct ChangeBatch: Sendable {
    public var snapshot: ChangeSnapshot
    /// Current state of every memory changed (inserted or updated) after the number.
    public var memories: [IndexedMemory]
    /// Memories removed for good after the number.
    public var removed: [RemovedMemory]

    public init(snapshot: ChangeSnapshot, memories: [IndexedMemory], removed: [RemovedMemory]) {
        self.snapshot = snapshot
        self.memories = memories
        self.removed = removed
    }
}

/// The memories' change sequence, for an index that follows the store.
public protocol ChangeFeed: Sendable {
    /// The state, in one snapshot, of every memory of `cubeIDs` changed after `since` (0: all of them).
    ///
    /// - Parameter model: vectors of other embedding models come back as nil.
    func changes(in cubeIDs: [String], since: Int64, model: String) async throws -> ChangeBatch

    /// Calls `onChange` with the cube id and change sequence number of every change committed from now on,
    /// until cancelled. Returns or throws when the connection is lost; notifications may be missed then.
    func follow(_ onChange: @escaping @Sendable (_ cubeID: String, _ changeSeq: Int64) -> Void) async throws

    /// Ids of the memories in scope (its statuses, types and filter expression), for filters the index
    /// cannot evaluate itself.
    func memoryIDs(in scope: MemoryScope) async throws -> [UUID]
}

/// Access bookkeeping: how often and when memories were last returned to a reader.
public protocol UsageRecorder: Sendable {
    /// Adds `count` accesses to each memory and sets its last access time to `at`, in one statement.
    func recordAccess(_ accesses: [UsageKey: Int], at: Date) async throws
}

/// A memory named by its cube and id.
public struct UsageKey: Sendable, Hashable {
    public var cubeID: String
    public var id: UUID

    public init(cubeID: String, id: UUID) {
        self.cubeID = cubeID
        self.id = id
    }
}

/// Aggregate figures over memories.
public protocol MemoryStatistics: Sendable {
    /// How many memories in scope there are of each type (types without memories are left out).
    func countsByType(in scope: MemoryScope) async throws -> [MemoryType: Int]
}
