import Foundation
import GRPCCore
import MemOSCore
import MemOSDocuments
import MemOSProto
import MemOSRPC
import SwiftProtobuf

// Documents: upload, read, list, delete, restore and re-parse. An image is described by the vision model and its
// description is the document's text (FAILED_PRECONDITION without one).
//
// A file of at most `Limits.maxInlineDocumentBytes` that is not a PDF is parsed inside the call, and a file that
// cannot be read is refused with `invalidArgument` with nothing written. When it makes at most
// `Limits.maxInlineDocumentChunks` chunks they are embedded too, and its row, bytes and memories commit in one
// transaction. A larger file, one with more chunks, a PDF (parsed by a subprocess, the slow part) or an `async`
// upload commits its row, bytes and a parse job in one transaction and the scheduler does the rest; a file that
// then cannot be read leaves its document FAILED with the reason.
extension IngestService {
    public func addDocument(
        request: RPCAsyncSequence<Memos_Ingest_V1_AddDocumentRequest, any Error>,
        context: ServerContext
    ) async throws -> Memos_Ingest_V1_AddDocumentResponse {
        let principal = try RequestIdentity.require()
        var parts = request.makeAsyncIterator()
        guard case .metadata(let metadata)? = try await parts.next()?.part else {
            throw MemOSError.invalidArgument("the first message of AddDocument must carry `metadata`")
        }
        try Self.validate(metadata)
        let mode: MemoryExtractor.Mode = metadata.mode == .fine ? .fine : .fast
        if mode == .fine, self.extractor.chatModel == nil { throw MemoryExtractor.noChatModel }
        // Membership first: a stranger's bytes are never read.
        try await self.accounts.authorize(principal, cubes: [metadata.cubeID], for: .write)

        var upload = DocumentUpload(expectedSize: Int(clamping: metadata.sizeBytes))
        while let part = try await parts.next() {
            switch part.part {
            case .data(let data):
                if data.count > Limits.maxDocumentPartBytes {
                    throw MemOSError.invalidArgument(
                        "data: one message carries at most \(Limits.describe(bytes: Limits.maxDocumentPartBytes))"
                    )
                }
                try upload.append(data)
            case .metadata:
                throw MemOSError.invalidArgument("metadata may only be sent in the first message of AddDocument")
            case .none:
                continue
            }
        }
        let mediaType = try self.documentIngestor.mediaType(
            of: upload.bytes,
            declaredMediaType: metadata.mediaType.nilIfEmpty,
            name: metadata.name
        )
        let now = Date()
        var document = Document(
            id: UUID.random(),
            cubeID: metadata.cubeID,
            name: metadata.name,
            mediaType: mediaType,
            sizeBytes: Int64(upload.bytes.count),
            sha256: upload.sha256,
            status: .queued,
            authorUserID: principal.userID,
            sessionID: metadata.sessionID,
            tags: metadata.tags,
            info: metadata.info.jsonObject,
            mode: mode.rawValue,
            chunkOverlapTokens: metadata.hasChunkOverlapTokens
                ? Int(metadata.chunkOverlapTokens) : Limits.defaultChunkOverlapTokens,
            createdAt: now,
            updatedAt: now
        )
        var parsed: ParsedContent?
        var job: NewJob?
        if !metadata.async, upload.bytes.count <= Limits.maxInlineDocumentBytes,
            mediaType != DocumentFormat.pdf.rawValue
        {
            // Parsed here; embedded here too unless it makes more chunks than a call should wait for.
            do {
                let (text, chunks) = try await self.documentIngestor.chunks(of: upload.bytes, document: document)
                if chunks.count <= Limits.maxInlineDocumentChunks {
                    parsed = try await self.documentIngestor.content(of: document, parsed: text, chunks: chunks)
                }
            } catch let error as DocumentError {
                throw error.invalidArgument
            }
        }
        if parsed == nil {
            let parse = DocumentJob(documentID: document.id).newJob(cubeID: document.cubeID, author: principal.userID)
            job = parse
            document.jobID = parse.id
        }
        let stored = try await self.documents.add(document, bytes: upload.bytes, parsed: parsed, job: job)
        return .with {
            $0.document = stored.document.proto
            $0.duplicate = stored.duplicate
            $0.changeSeq = stored.changeSeq
            if !stored.duplicate, let job { $0.jobID = job.id.lowercasedString }
        }
    }

    static func validate(_ metadata: Memos_Ingest_V1_DocumentMetadata) throws {
        try Validate.cubeID(metadata.cubeID, field: "metadata.cube_id")
        try Validate.text(metadata.name, field: "metadata.name", maxBytes: Limits.maxDocumentNameBytes)
        try Validate.optionalText(metadata.mediaType, field: "metadata.media_type", maxBytes: Limits.maxKeyBytes)
        try Validate.optionalText(
            metadata.sessionID,
            field: "metadata.session_id",
            maxBytes: Limits.maxIdentifierBytes
        )
        try Validate.tags(metadata.tags, field: "metadata.tags")
        try Validate.info(metadata.info.jsonObject, field: "metadata.info")
        if case .UNRECOGNIZED = metadata.mode {
            throw MemOSError.invalidArgument("metadata.mode must be FAST or FINE")
        }
        if metadata.hasChunkOverlapTokens {
            try Self.validateOverlap(metadata.chunkOverlapTokens, field: "metadata.chunk_overlap_tokens")
        }
        if metadata.sizeBytes < 0 { throw MemOSError.invalidArgument("metadata.size_bytes must not be negative") }
        if metadata.sizeBytes > Limits.maxDocumentBytes { throw MemOSError.documentTooLarge }
    }

    static func validateOverlap(_ overlap: Int32, field: String) throws {
        guard (0...Int32(Limits.maxChunkOverlapTokens)).contains(overlap) else {
            throw MemOSError.invalidArgument("\(field) must be between 0 and \(Limits.maxChunkOverlapTokens)")
        }
    }

    public func getDocument(
        request: Memos_Ingest_V1_GetDocumentRequest,
        context: ServerContext
    ) async throws -> Memos_Ingest_V1_Document {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        let id = try Validate.uuid(request.documentID, field: "document_id")
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .read)
        return try await self.document(id, in: request.cubeID).proto
    }

    func document(_ id: UUID, in cubeID: String) async throws -> Document {
        guard let document = try await self.documents.document(id: id, cubeID: cubeID) else {
            throw MemOSError.notFound("document '\(id.lowercasedString)' does not exist in cube '\(cubeID)'")
        }
        return document
    }

    public func listDocuments(
        request: Memos_Ingest_V1_ListDocumentsRequest,
        context: ServerContext
    ) async throws -> Memos_Ingest_V1_ListDocumentsResponse {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        let pageSize = try PageSize.resolve(request.pageSize, max: Limits.maxPageSize)
        var statuses = Set<DocumentStatus>()
        for (index, status) in request.statuses.enumerated() {
            guard let status = DocumentStatus(status) else {
                throw MemOSError.invalidArgument("statuses[\(index)] must be a known document status")
            }
            statuses.insert(status)
        }
        if statuses.isEmpty { statuses = Set(DocumentStatus.allCases).subtracting([.deleted]) }
        let listing = "documents/\(request.cubeID)"
        let after =
            try await request.pageToken.isEmpty
            ? nil : self.pageTokens.decode(ListCursor.self, from: request.pageToken, listing: listing)
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .read)
        let documents = try await self.documents.documents(
            cubeID: request.cubeID,
            statuses: statuses,
            after: after,
            limit: pageSize + 1
        )
        var response = Memos_Ingest_V1_ListDocumentsResponse()
        response.documents = documents.prefix(pageSize).map(\.proto)
        if documents.count > pageSize, let last = documents.prefix(pageSize).last {
            response.nextPageToken = try await self.pageTokens.encode(
                ListCursor(createdAt: last.createdAt, id: last.id),
                listing: listing
            )
        }
        return response
    }

    public func deleteDocument(
        request: Memos_Ingest_V1_DeleteDocumentRequest,
        context: ServerContext
    ) async throws -> Memos_Ingest_V1_DeleteDocumentResponse {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        let id = try Validate.uuid(request.documentID, field: "document_id")
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .write)
        let result = try await self.documents.delete(
            documentID: id,
            cubeID: request.cubeID,
            actor: principal.userID,
            hard: request.hard
        )
        return .with {
            $0.document = result.document.proto
            $0.deletedMemoryCount = Int64(result.memoryCount)
            $0.changeSeq = result.changeSeq
        }
    }

    public func restoreDocument(
        request: Memos_Ingest_V1_RestoreDocumentRequest,
        context: ServerContext
    ) async throws -> Memos_Ingest_V1_RestoreDocumentResponse {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        let id = try Validate.uuid(request.documentID, field: "document_id")
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .write)
        let result = try await self.documents.restore(documentID: id, cubeID: request.cubeID, actor: principal.userID)
        return .with {
            $0.document = result.document.proto
            $0.restoredMemoryCount = Int64(result.memoryCount)
            $0.changeSeq = result.changeSeq
        }
    }

    public func reparseDocument(
        request: Memos_Ingest_V1_ReparseDocumentRequest,
        context: ServerContext
    ) async throws -> Memos_Ingest_V1_ReparseDocumentResponse {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        let id = try Validate.uuid(request.documentID, field: "document_id")
        if request.hasChunkOverlapTokens {
            try Self.validateOverlap(request.chunkOverlapTokens, field: "chunk_overlap_tokens")
        }
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .write)
        let job = DocumentJob(documentID: id).newJob(cubeID: request.cubeID, author: principal.userID)
        let document = try await self.documents.reparse(
            documentID: id,
            cubeID: request.cubeID,
            chunkOverlapTokens: request.hasChunkOverlapTokens ? Int(request.chunkOverlapTokens) : nil,
            job: job
        )
        return .with {
            $0.document = document.proto
            $0.jobID = job.id.lowercasedString
        }
    }
}
