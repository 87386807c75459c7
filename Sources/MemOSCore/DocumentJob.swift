import Foundation

/// The payload of a ``JobKind/parseDocument`` job: the document to parse. Everything else (its bytes, mode and
/// chunk overlap) is read from the document's row when the job runs.
public struct DocumentJob: Sendable, Hashable {
    public var documentID: UUID

    public init(documentID: UUID) {
        self.documentID = documentID
    }

    /// Reads a job's payload.
    /// - Throws: `invalidArgument` when it is not a document payload.
    public init(payload: [String: JSONValue]) throws {
        guard case .string(let text)? = payload["document_id"], let id = UUID(uuidString: text) else {
            throw MemOSError.invalidArgument("the job's payload is not a document payload")
        }
        self.documentID = id
    }

    public var payload: [String: JSONValue] { ["document_id": .string(self.documentID.lowercasedString)] }

    /// The job to queue for a cube, run on behalf of `author`: three attempts (a file that cannot be read fails
    /// at once; only outages are retried).
    public func newJob(cubeID: String, author: UUID) -> NewJob {
        NewJob(cubeID: cubeID, kind: JobKind.parseDocument, payload: self.payload, maxAttempts: 3, createdBy: author)
    }
}
