import Foundation

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
