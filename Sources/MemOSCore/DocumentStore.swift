import Foundation

/// Documents, their bytes, and the memories made from them.
public protocol DocumentStore: Sendable {
    /// Stores a new document with its bytes in one transaction: `ready` with the memories of `parsed` (parsed
    /// inline), or `queued` with `job`.
    ///
    /// When the cube already holds a live document with the same SHA-256, writes nothing and returns that one with
    /// `duplicate` true.
    func add(
        _ document: Document,
        bytes: [UInt8],
        parsed: ParsedContent?,
        job: NewJob?
    ) async throws -> (document: Document, duplicate: Bool, changeSeq: Int64)

    func document(id: UUID, cubeID: String) async throws -> Document?

    /// A page of the cube's documents with these statuses, newest first, after `cursor`.
    func documents(
        cubeID: String,
        statuses: Set<DocumentStatus>,
        after cursor: ListCursor?,
        limit: Int
    ) async throws -> [Document]

    /// The document's uploaded bytes.
    func bytes(documentID: UUID, cubeID: String) async throws -> [UInt8]?

    /// Records progress of a parse: status `parsing`, the chunks known and done. False when the document is no
    /// longer being parsed by `jobID` (deleted, or a newer parse took over).
    func reportProgress(
        documentID: UUID,
        cubeID: String,
        jobID: UUID,
        chunkCount: Int,
        chunksDone: Int
    ) async throws -> Bool

    /// Marks the document failed with the reason (its earlier chunks, if any, stay as they were).
    func fail(documentID: UUID, cubeID: String, jobID: UUID, reason: String, message: String) async throws

    /// Replaces the document's memories with those of `parsed` (the old ones deleted, history kept) and marks it
    /// ready, in one transaction. Writes nothing and returns nil when `jobID` no longer owns the document.
    func complete(
        documentID: UUID,
        cubeID: String,
        jobID: UUID,
        author: UUID,
        parsed: ParsedContent
    ) async throws -> Int64?

    /// Deletes the document and its memories in one transaction: soft (restorable) or for good.
    /// - Throws: `notFound` for an unknown document (or, soft, one already deleted).
    func delete(
        documentID: UUID,
        cubeID: String,
        actor: UUID,
        hard: Bool
    ) async throws -> (document: Document, memoryCount: Int, changeSeq: Int64)

    /// Brings a soft-deleted document and the memories deleted with it back.
    /// - Throws: `notFound` for an unknown document; `failedPrecondition` when it is not deleted, or when the cube
    ///   holds another live document with the same bytes.
    func restore(
        documentID: UUID,
        cubeID: String,
        actor: UUID
    ) async throws -> (document: Document, memoryCount: Int, changeSeq: Int64)

    /// Queues the document for another parse with `job` (status `queued`), in one transaction.
    /// - Throws: `notFound`; `failedPrecondition` when it is deleted or being parsed.
    func reparse(documentID: UUID, cubeID: String, chunkOverlapTokens: Int?, job: NewJob) async throws -> Document
}
