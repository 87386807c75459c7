import Foundation

/// Where a document is in its life.
public enum DocumentStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Stored with its parse job; not started.
    case queued
    /// Being parsed, chunked and embedded.
    case parsing
    /// Its chunks are memories.
    case ready
    /// It could not be parsed; ``Document/error`` says why.
    case failed
    /// Deleted with its memories; restorable unless deleted for good.
    case deleted
}

/// An uploaded file and what became of it.
public struct Document: Sendable, Hashable {
    public var id: UUID
    public var cubeID: String
    public var name: String
    /// The media type the bytes were recognised as.
    public var mediaType: String
    public var sizeBytes: Int64
    /// SHA-256 of the bytes, lower-case hex.
    public var sha256: String
    public var status: DocumentStatus
    public var title: String
    /// 0 for formats without pages.
    public var pageCount: Int
    public var chunkCount: Int
    public var chunksDone: Int
    public var error: String
    /// The cause of a failure as one word ("corrupt", "encrypted", ...).
    public var errorReason: String
    public var authorUserID: UUID
    public var jobID: UUID?
    public var sessionID: String
    public var tags: [String]
    public var info: [String: JSONValue]
    /// "fast" or "fine".
    public var mode: String
    public var chunkOverlapTokens: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID,
        cubeID: String,
        name: String,
        mediaType: String,
        sizeBytes: Int64,
        sha256: String,
        status: DocumentStatus,
        title: String = "",
        pageCount: Int = 0,
        chunkCount: Int = 0,
        chunksDone: Int = 0,
        error: String = "",
        errorReason: String = "",
        authorUserID: UUID,
        jobID: UUID? = nil,
        sessionID: String = "",
        tags: [String] = [],
        info: [String: JSONValue] = [:],
        mode: String = "fast",
        chunkOverlapTokens: Int = Limits.defaultChunkOverlapTokens,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.cubeID = cubeID
        self.name = name
        self.mediaType = mediaType
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.status = status
        self.title = title
        self.pageCount = pageCount
        self.chunkCount = chunkCount
        self.chunksDone = chunksDone
        self.error = error
        self.errorReason = errorReason
        self.authorUserID = authorUserID
        self.jobID = jobID
        self.sessionID = sessionID
        self.tags = tags
        self.info = info
        self.mode = mode
        self.chunkOverlapTokens = chunkOverlapTokens
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What parsing made of a document: its memories and the figures its row records.
public struct ParsedContent: Sendable {
    public var title: String
    public var pageCount: Int
    /// The chunks' memories first, in chunk order, then any facts extracted from them.
    public var memories: [NewMemory]
    public var chunkCount: Int

    public init(title: String, pageCount: Int, memories: [NewMemory], chunkCount: Int) {
        self.title = title
        self.pageCount = pageCount
        self.memories = memories
        self.chunkCount = chunkCount
    }
}

extension MemOSError {
    /// The error of an upload over ``Limits/maxDocumentBytes``, whichever process counts the bytes.
    public static let documentTooLarge = MemOSError.invalidArgument(
        "file is larger than \(Limits.describe(bytes: Limits.maxDocumentBytes)), the most a document may have"
    )
}

extension Limits {
    /// A byte limit as the API's messages spell it: "50 MiB (52,428,800 bytes)".
    public static func describe(bytes: Int) -> String {
        var digits = String(bytes)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        return "\(bytes / 1_048_576) MiB (\(digits + grouped) bytes)"
    }
}
