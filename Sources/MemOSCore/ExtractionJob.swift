import Foundation

/// The payload of an ``JobKind/extract`` job: which stored messages to read, and how.
///
/// The messages themselves stay in the `messages` table, committed with the job.
public struct ExtractionJob: Sendable, Hashable {
    public var messageIDs: [UUID]
    public var sessionID: String
    public var mode: MemoryExtractor.Mode
    public var tags: [String]
    public var info: [String: JSONValue]

    public init(_ request: MemoryExtractor.Request) {
        self.messageIDs = request.messages.map(\.id)
        self.sessionID = request.sessionID
        self.mode = request.mode
        self.tags = request.tags
        self.info = request.info
    }

    /// Reads a job's payload.
    /// - Throws: `invalidArgument` when it is not an extraction payload.
    public init(payload: [String: JSONValue]) throws {
        guard case .array(let ids)? = payload["message_ids"],
            case .string(let mode)? = payload["mode"], let mode = MemoryExtractor.Mode(rawValue: mode)
        else {
            throw MemOSError.invalidArgument("the job's payload is not an extraction payload")
        }
        self.messageIDs = ids.compactMap { if case .string(let id) = $0 { UUID(uuidString: id) } else { nil } }
        if case .string(let session)? = payload["session_id"] { self.sessionID = session } else { self.sessionID = "" }
        self.mode = mode
        if case .array(let tags)? = payload["tags"] {
            self.tags = tags.compactMap { if case .string(let tag) = $0 { tag } else { nil } }
        } else {
            self.tags = []
        }
        if case .object(let info)? = payload["info"] { self.info = info } else { self.info = [:] }
    }

    public var payload: [String: JSONValue] {
        [
            "message_ids": .array(self.messageIDs.map { .string($0.lowercasedString) }),
            "session_id": .string(self.sessionID),
            "mode": .string(self.mode.rawValue),
            "tags": .array(self.tags.map(JSONValue.string)),
            "info": .object(self.info),
        ]
    }

    /// The job to queue for a cube, run on behalf of `author`.
    public func newJob(cubeID: String, author: UUID) -> NewJob {
        NewJob(
            cubeID: cubeID,
            kind: JobKind.extract,
            payload: self.payload,
            sessionID: self.sessionID,
            createdBy: author
        )
    }

    /// The extraction request, with the messages read back.
    public func request(messages: [StoredMessage]) -> MemoryExtractor.Request {
        MemoryExtractor.Request(
            messages: messages,
            sessionID: self.sessionID,
            mode: self.mode,
            tags: self.tags,
            info: self.info
        )
    }
}
