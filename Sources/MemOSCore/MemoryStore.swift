import Foundation

/// A raw conversation turn to keep with the memories made from it.
public struct StoredMessage: Sendable, Hashable {
    public var id: UUID
    public var message: ChatMessage
    public var sessionID: String

    public init(id: UUID = UUID.random(), message: ChatMessage, sessionID: String) {
        self.id = id
        self.message = message
        self.sessionID = sessionID
    }
}

/// The vector of one memory, for the scheduler's scans (reorganisation, working memory).
public struct StoredVector: Sendable {
    public var memoryID: UUID
    public var cubeID: String
    public var embedding: [Float]

    public init(memoryID: UUID, cubeID: String, embedding: [Float]) {
        self.memoryID = memoryID
        self.cubeID = cubeID
        self.embedding = embedding
    }
}

/// Which memories a read considers.
public struct MemoryScope: Sendable, Hashable {
    public var cubeIDs: [String]
    /// Empty means every type.
    public var memoryTypes: Set<MemoryType>
    public var statuses: Set<MemoryStatus>
    /// Only memories matching this expression.
    public var filter: MemoryFilter?

    public init(
        cubeIDs: [String],
        memoryTypes: Set<MemoryType> = [],
        statuses: Set<MemoryStatus> = [.activated],
        filter: MemoryFilter? = nil
    ) {
        self.cubeIDs = cubeIDs
        self.memoryTypes = memoryTypes
        self.statuses = statuses
        self.filter = filter
    }
}

/// What selects the memories a delete applies to.
public enum DeleteSelector: Sendable, Hashable {
    case ids([UUID])
    case session(String)
    case filter(MemoryFilter)
    case wholeCube
}

/// Memories, their history and the raw messages they came from.
public protocol MemoryStore: Sendable {
    /// Stores memories (and the raw messages they came from) in one transaction.
    ///
    /// With an idempotency key already used by `author` in the cube, writes nothing and returns `.replayed`.
    /// With `job`, the job is queued in the same transaction and its id is in the receipt.
    /// - Throws: `alreadyExists` when the key was used with a different fingerprint.
    func add(
        _ memories: [NewMemory],
        messages: [StoredMessage],
        cubeID: String,
        author: UUID,
        idempotency: IdempotencyKey?,
        job: NewJob?
    ) async throws -> WriteOutcome

    /// The raw messages with these ids in the cube, in the order given.
    func messages(ids: [UUID], cubeID: String) async throws -> [StoredMessage]

    /// Ids of the cube's live memories changed at or after `changeSeq`, in the order of their changes.
    func changedMemories(cubeID: String, since changeSeq: Int64) async throws -> [UUID]

    /// Records near-duplicate pairs and their outcome (a pair recorded again gets the new outcome).
    func recordMergeCandidates(_ pairs: [MergeCandidate], cubeID: String) async throws

    /// Archives live memories past their `valid_to` or their cube's time-to-live (history action `expire`);
    /// returns how many.
    func archiveExpired(batch: Int) async throws -> Int

    /// Forgets idempotency keys older than `retention` (a retry after that writes again); returns how many.
    func purgeIdempotencyKeys(olderThan retention: Duration) async throws -> Int

    /// The memories with these ids in the cube, in the order given; unknown ids are left out.
    func memories(ids: [UUID], cubeID: String) async throws -> [Memory]

    /// The vectors of `model` in scope, for an exact scan.
    func vectors(in scope: MemoryScope, model: String) async throws -> [StoredVector]

    /// A page of memories, newest first, after `cursor` (the last memory of the previous page).
    func list(in scope: MemoryScope, after cursor: ListCursor?, limit: Int) async throws -> [Memory]

    /// Deletes the selected memories in one cube in one statement; returns their ids and the change sequence
    /// number.
    ///
    /// Soft by default (status deleted, history kept, restorable); `hard` removes the rows and their history for
    /// good, leaving tombstones.
    func delete(
        _ selector: DeleteSelector,
        cubeID: String,
        actor: UUID,
        dryRun: Bool,
        hard: Bool
    ) async throws -> (
        ids: [UUID], changeSeq: Int64
    )

    /// Sets deleted or archived memories back to activated.
    func restore(ids: [UUID], cubeID: String, actor: UUID) async throws -> (count: Int, changeSeq: Int64)

    /// Rewrites memories in one transaction: `change` gets them (locked, in the order of `ids`) and returns their
    /// new states (same order, same ids); each gets its version bumped and a history row with before and after.
    /// - Throws: `notFound` when an id is unknown; what `change` throws.
    func revise(
        ids: [UUID],
        cubeID: String,
        _ revision: Revision,
        _ change: @escaping @Sendable ([Memory]) throws -> [Memory]
    ) async throws -> [Memory]

    /// Applies `patch` to one memory in one transaction: bumps its version and keeps the prior state in history.
    ///
    /// - Parameter embedding: the new vector when the content changes.
    /// - Throws: `notFound` for an unknown memory, `aborted` when `expectedVersion` is set and differs.
    func update(
        id: UUID,
        cubeID: String,
        patch: MemoryPatch,
        embedding: [Float]?,
        expectedVersion: Int64?,
        actor: UUID
    ) async throws -> Memory

    /// History entries of one memory, newest first, with ids below `before`.
    func history(memoryID: UUID, cubeID: String, before: Int64?, limit: Int) async throws -> [HistoryEntry]

    /// The newest `limitPerMemory` history entries of each memory of `memoryIDs` in the cube, in one query:
    /// grouped by memory, newest first within each.
    func histories(memoryIDs: [UUID], cubeID: String, limitPerMemory: Int) async throws -> [HistoryEntry]

    /// The highest change sequence number committed so far.
    func currentChangeSeq() async throws -> Int64
}

/// Where a page of a listing ends: the sort key of its last memory.
public struct ListCursor: Sendable, Hashable, Codable {
    public var createdAt: Date
    public var id: UUID

    public init(createdAt: Date, id: UUID) {
        self.createdAt = createdAt
        self.id = id
    }
}

extension MemoryStore {
    /// The memories a write stored: those of its outcome, or, for a replayed write, read again by id.
    public func memories(of outcome: WriteOutcome, cubeID: String) async throws -> [Memory] {
        if let memories = outcome.memories { return memories }
        return try await self.memories(ids: outcome.receipt.memoryIDs, cubeID: cubeID)
    }

    /// Stores memories and messages with no job.
    public func add(
        _ memories: [NewMemory],
        messages: [StoredMessage],
        cubeID: String,
        author: UUID,
        idempotency: IdempotencyKey?
    ) async throws -> WriteOutcome {
        try await self.add(
            memories,
            messages: messages,
            cubeID: cubeID,
            author: author,
            idempotency: idempotency,
            job: nil
        )
    }
}
