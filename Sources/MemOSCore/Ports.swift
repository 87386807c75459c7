import Foundation

/// Turns texts into vectors.
///
/// Implementations are safe to call from many concurrent requests.
public protocol Embedder: Sendable {
    /// Id of the model, stored with every vector it makes; vectors of different models are never compared.
    var modelID: String { get }
    /// Length of every vector.
    var dimension: Int { get }
    /// Most tokens (word pieces for MiniLM) one text may have before it is cut off; nil when unknown.
    var maxInputTokens: Int? { get }
    /// Embeds each text; the result has one L2-normalised vector per text, in order.
    func embed(_ texts: [String]) async throws -> [[Float]]
    /// The tokens `text` takes of ``maxInputTokens`` (special tokens included); nil when unknown.
    func tokenCount(_ text: String) -> Int?
}

extension Embedder {
    public var maxInputTokens: Int? { nil }
    public func tokenCount(_ text: String) -> Int? { nil }
}

/// Users, API keys, cubes and memberships.
public protocol AccountStore: Sendable {
    /// The principal owning an API key, or nil when the key is unknown, revoked or its user disabled.
    func principal(forAPIKey key: String) async throws -> Principal?
    /// The caller's role in a cube, or nil when the caller is not a member.
    /// - Throws: ``MemOSError/Code/notFound`` when the cube does not exist.
    func role(of userID: UUID, inCube cubeID: String) async throws -> CubeRole?
    /// The caller's role in each of `cubeIDs` (nil: not a member); a cube that does not exist has no entry.
    /// A store answers in one lookup where it can (a search may name 32 cubes); by default, one per cube.
    func roles(of userID: UUID, inCubes cubeIDs: [String]) async throws -> [String: CubeRole?]
}

extension AccountStore {
    /// Checks that `principal` may access every cube in `cubeIDs`.
    ///
    /// - Throws: `invalidArgument` for a malformed cube id, `notFound` for a cube that does not exist, `permissionDenied` for one the caller is not a
    ///   member of or may only read when `access` is `.write`.
    ///   The cubes are judged in order: the error names the first that fails.
    public func authorize(
        _ principal: Principal,
        cubes cubeIDs: some Sequence<String>,
        for access: CubeAccess
    )
        async throws
    {
        let cubeIDs = Array(cubeIDs)
        for (index, cubeID) in cubeIDs.enumerated() {
            try Validate.cubeID(cubeID, field: cubeIDs.count == 1 ? "cube_id" : "cube_ids[\(index)]")
        }
        let roles = try await self.roles(of: principal.userID, inCubes: cubeIDs)
        for cubeID in cubeIDs {
            switch roles[cubeID] {
            case nil:
                throw Self.noSuchCube(cubeID)
            case .some(nil):
                throw MemOSError.permissionDenied("cube '\(cubeID)' is not shared with you")
            case .some(.some(let role)) where !access.isGranted(by: role):
                throw MemOSError.permissionDenied(
                    "cube '\(cubeID)': your role is \(role.rawValue); writing needs writer or owner"
                )
            case .some(.some):
                continue
            }
        }
    }

    public func roles(of userID: UUID, inCubes cubeIDs: [String]) async throws -> [String: CubeRole?] {
        var roles: [String: CubeRole?] = [:]
        for cubeID in cubeIDs where roles[cubeID] == nil {
            do {
                roles[cubeID] = .some(try await self.role(of: userID, inCube: cubeID))
            } catch let error as MemOSError where error.code == .notFound {
                continue
            }
        }
        return roles
    }

    /// The error for a cube that does not exist (or was deleted).
    public static func noSuchCube(_ cubeID: String) -> MemOSError {
        MemOSError.notFound("cube '\(cubeID)' does not exist")
    }
}

/// A committed write: the change sequence number it got and, for replays of an idempotent request,
/// what the first request produced.
public struct WriteReceipt: Sendable, Hashable, Codable {
    public var memoryIDs: [UUID]
    public var changeSeq: Int64
    public var jobID: UUID?

    public init(memoryIDs: [UUID], changeSeq: Int64, jobID: UUID? = nil) {
        self.memoryIDs = memoryIDs
        self.changeSeq = changeSeq
        self.jobID = jobID
    }

    enum CodingKeys: String, CodingKey {
        case memoryIDs = "memory_ids"
        case changeSeq = "change_seq"
        case jobID = "job_id"
    }
}

/// An idempotency key with a fingerprint of the request it came with.
public struct IdempotencyKey: Sendable, Hashable {
    public var key: String
    /// A hash of the request body; the same key with another fingerprint is rejected.
    public var fingerprint: String

    public init(key: String, fingerprint: String) {
        self.key = key
        self.fingerprint = fingerprint
    }
}

/// The outcome of an idempotent write.
public enum WriteOutcome: Sendable, Hashable {
    /// The write was made now; `memories` are the stored memories, in the order of the receipt's ids.
    case written(WriteReceipt, memories: [Memory])
    /// The same request was made before; nothing was written.
    case replayed(WriteReceipt)

    public var receipt: WriteReceipt {
        switch self {
        case .written(let receipt, _), .replayed(let receipt): receipt
        }
    }

    /// The stored memories when the write was made now (nil for a replay, whose memories may have changed since).
    public var memories: [Memory]? {
        if case .written(_, let memories) = self { return memories }
        return nil
    }
}

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

/// Cubes visible to a user.
public protocol CubeDirectory: Sendable {
    /// Ids of every cube the user is a member of.
    func cubeIDs(readableBy userID: UUID) async throws -> [String]
}

extension MemoryStore {
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

/// A memory that is nearly the same as an older one of its cube, and what reorganisation did about it.
public struct MergeCandidate: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable {
        /// Recorded; nothing done (below the merge threshold, or no decision could be made).
        case pending
        /// The two became one: the newer kept (tags and sources joined), the older archived.
        case merged
        /// The older was contradicted by the newer and archived.
        case retired
        /// Judged distinct facts.
        case dismissed
    }

    public var memoryID: UUID
    public var duplicateOf: UUID
    /// Cosine similarity of their vectors.
    public var similarity: Float
    public var outcome: Outcome

    public init(memoryID: UUID, duplicateOf: UUID, similarity: Float, outcome: Outcome = .pending) {
        self.memoryID = memoryID
        self.duplicateOf = duplicateOf
        self.similarity = similarity
        self.outcome = outcome
    }
}

/// How a change to memories is recorded in their history.
public struct Revision: Sendable, Hashable {
    /// The history action, for example `update`, `merge` or `retire`.
    public var action: String
    public var actor: UUID?
    public var jobID: UUID?
    public var reason: String

    public init(action: String, actor: UUID? = nil, jobID: UUID? = nil, reason: String = "") {
        self.action = action
        self.actor = actor
        self.jobID = jobID
        self.reason = reason
    }
}

/// Erasure for good (the right-to-erasure request), in batches.
public protocol Eraser: Sendable {
    /// Removes a cube and everything in it; returns how many memories were removed. `keepingJob` spares the job
    /// doing the work, so it can be marked completed.
    func purgeCube(_ cubeID: String, keepingJob jobID: UUID?, batch: Int) async throws -> Int
    /// Removes a user, the cubes they own, and everything they wrote anywhere; returns how many memories.
    func purgeUser(_ userID: UUID, keepingJob jobID: UUID?, batch: Int) async throws -> Int
}

/// Moving a cube's vectors to another embedding model without a gap: the new vectors are staged beside the live
/// ones, then one statement switches the cube over.
public protocol ReembeddingStore: Sendable {
    /// Cubes with memories (deleted ones aside) embedded by another model than `model`.
    func cubesNeedingReembedding(model: String) async throws -> [String]
    /// Of a cube's memories still on another model: how many have `model`'s vector staged, how many not yet.
    func reembeddingProgress(cubeID: String, model: String) async throws -> (staged: Int, remaining: Int)
    /// Up to `limit` memories still to embed with `model`.
    func textsToReembed(cubeID: String, model: String, limit: Int) async throws -> [(id: UUID, text: String)]
    /// Stages vectors of `model`; the live vectors stay in use.
    func stageEmbeddings(_ vectors: [(id: UUID, embedding: [Float])], cubeID: String, model: String) async throws
    /// Makes the staged vectors of `model` the live ones, in one statement; returns how many.
    func switchEmbeddings(cubeID: String, model: String) async throws -> Int
}
