import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import MemOSCore
import MemOSProto
import MemOSRPC
import MultipartKit
import NIOCore
import SwiftProtobuf
import Synchronization

/// Documents over HTTP: an upload streamed through to the ingest service's AddDocument as it arrives (never held
/// whole by the gateway), and the document routes.
///
/// `POST /v1/documents` takes either `multipart/form-data` (the fields, then a part with a `filename`: a
/// browser's form or `curl -F`) or the file itself as the body, with its Content-Type and the fields as query
/// parameters (`?cube_id=…&name=…`).
extension Gateway {
    func addDocumentRoutes(to router: Router<GatewayRequestContext>) {
        let ingest = self.clients.ingest
        router.post("/v1/documents") { request, context in
            do {
                let caller = try await self.caller(request, context)
                return try Self.json(try await self.upload(request, caller: caller))
            } catch {
                return self.errorResponse(error, logger: context.logger)
            }
        }
        router.get("/v1/cubes/:cube_id/documents") { request, context in
            await self.handle(request, context) { request, context in
                try Memos_Ingest_V1_ListDocumentsRequest.with {
                    $0.cubeID = try Self.parameter("cube_id", context)
                    $0.statuses = try Self.documentStatuses(request.uri.queryParameters["statuses"])
                    $0.pageSize = try Self.int32(request.uri.queryParameters["page_size"], field: "page_size")
                    $0.pageToken = request.uri.queryParameters["page_token"].map(String.init) ?? ""
                }
            } call: {
                try await ingest.listDocuments($0, metadata: $1)
            }
        }
        router.get("/v1/cubes/:cube_id/documents/:document_id") { request, context in
            await self.handle(request, context) { _, context in
                try Memos_Ingest_V1_GetDocumentRequest.with {
                    $0.cubeID = try Self.parameter("cube_id", context)
                    $0.documentID = try Self.parameter("document_id", context)
                }
            } call: {
                try await ingest.getDocument($0, metadata: $1)
            }
        }
        router.delete("/v1/cubes/:cube_id/documents/:document_id") { request, context in
            await self.handle(request, context) { request, context in
                try Memos_Ingest_V1_DeleteDocumentRequest.with {
                    $0.cubeID = try Self.parameter("cube_id", context)
                    $0.documentID = try Self.parameter("document_id", context)
                    $0.hard = try Self.flag(request.uri.queryParameters["hard"], field: "hard") ?? false
                }
            } call: {
                try await ingest.deleteDocument($0, metadata: $1)
            }
        }
        router.post("/v1/cubes/:cube_id/documents/:document_id/restore") { request, context in
            await self.handle(request, context) { _, context in
                try Memos_Ingest_V1_RestoreDocumentRequest.with {
                    $0.cubeID = try Self.parameter("cube_id", context)
                    $0.documentID = try Self.parameter("document_id", context)
                }
            } call: {
                try await ingest.restoreDocument($0, metadata: $1)
            }
        }
        router.post("/v1/cubes/:cube_id/documents/:document_id/reparse") { request, context in
            await self.handle(request, context) { request, context in
                let overlap = try Self.int32(
                    request.uri.queryParameters["chunk_overlap_tokens"],
                    field: "chunk_overlap_tokens"
                )
                let hasOverlap = request.uri.queryParameters["chunk_overlap_tokens"] != nil
                return try Memos_Ingest_V1_ReparseDocumentRequest.with {
                    $0.cubeID = try Self.parameter("cube_id", context)
                    $0.documentID = try Self.parameter("document_id", context)
                    if hasOverlap { $0.chunkOverlapTokens = overlap }
                }
            } call: {
                try await ingest.reparseDocument($0, metadata: $1)
            }
        }
    }

    /// Streams the request's file to AddDocument. An error of the request itself (a bad field, a body over the
    /// limit) wins over the error the interrupted call then reports.
    func upload(_ request: Request, caller: Caller) async throws -> Memos_Ingest_V1_AddDocumentResponse {
        let contentType = request.headers[.contentType] ?? ""
        var fields: [String: [String]] = [:]
        for (name, value) in request.uri.queryParameters { fields[String(name), default: []].append(String(value)) }
        if let disposition = request.headers[.contentDisposition], fields["name"] == nil,
            let filename = Self.parameters(ofHeader: disposition)["filename"]
        {
            fields["name"] = [filename]
        }
        let body = request.body
        let initialFields = fields
        let local = Mutex<(any Error)?>(nil)
        do {
            return try await self.clients.ingest.addDocument(metadata: caller.metadata) { writer in
                do {
                    if let boundary = Self.multipartBoundary(contentType) {
                        try await Self.streamMultipart(body, boundary: boundary, fields: initialFields, to: writer)
                    } else {
                        let metadata = try Self.documentMetadata(initialFields, contentType)
                        try await writer.write(.with { $0.metadata = metadata })
                        try await Self.stream(body, to: writer)
                    }
                } catch {
                    local.withLock { $0 = error }
                    throw error
                }
            }
        } catch {
            if let own = local.withLock({ $0 }), own is MemOSError || own is NIOTooManyBytesError { throw own }
            throw error
        }
    }

    /// Sends a file already in memory to AddDocument.
    func addDocument(
        _ bytes: [UInt8],
        metadata: Memos_Ingest_V1_DocumentMetadata,
        caller: Caller
    ) async throws -> Memos_Ingest_V1_AddDocumentResponse {
        try await self.clients.ingest.addDocument(metadata: caller.metadata) { writer in
            try await writer.write(.with { $0.metadata = metadata })
            try await Self.write(ByteBuffer(bytes: bytes), to: writer)
        }
    }

    /// The most body bytes an upload may have: the document limit and room for multipart's headers and fields.
    static let maxUploadBodyBytes = Limits.maxDocumentBytes + 1_024 * 1_024

    /// Forwards a raw body, in messages of at most ``Limits/maxDocumentPartBytes``.
    static func stream(
        _ body: RequestBody,
        to writer: RPCWriter<Memos_Ingest_V1_AddDocumentRequest>
    ) async throws {
        var total = 0
        for try await buffer in body {
            total += buffer.readableBytes
            if total > Limits.maxDocumentBytes { throw MemOSError.documentTooLarge }
            try await Self.write(buffer, to: writer)
        }
    }

    static func write(_ buffer: ByteBuffer, to writer: RPCWriter<Memos_Ingest_V1_AddDocumentRequest>) async throws {
        var buffer = buffer
        while buffer.readableBytes > 0 {
            let slice = buffer.readBytes(length: min(buffer.readableBytes, Limits.maxDocumentPartBytes)) ?? []
            try await writer.write(.with { $0.data = Data(slice) })
        }
    }

    /// Reads `multipart/form-data`: fields before the file part fill the metadata, which is sent when the file part
    /// begins; the file's bytes follow as they arrive.
    static func streamMultipart(
        _ body: RequestBody,
        boundary: String,
        fields initial: [String: [String]],
        to writer: RPCWriter<Memos_Ingest_V1_AddDocumentRequest>
    ) async throws {
        guard !boundary.isEmpty else {
            throw MemOSError.invalidArgument("Content-Type multipart/form-data needs a boundary of 1 to 70 characters")
        }
        let parser = MultipartParser(boundary: boundary)
        let state = MultipartState(fields: initial)
        parser.onHeader = { name, value in state.header(name, value) }
        parser.onBody = { buffer in state.body(&buffer) }
        parser.onPartComplete = { state.partComplete() }
        var total = 0
        for try await buffer in body {
            total += buffer.readableBytes
            if total > Self.maxUploadBodyBytes { throw MemOSError.documentTooLarge }
            do { try parser.execute(buffer) } catch {
                throw MemOSError.invalidArgument("the multipart/form-data body is malformed")
            }
            if let problem = state.problem { throw problem }
            if state.fileStarted, !state.metadataSent {
                var fields = state.fields
                if fields["name"] == nil, let filename = state.filename { fields["name"] = [filename] }
                if fields["media_type"] == nil, let type = state.fileContentType { fields["media_type"] = [type] }
                let metadata = try Self.documentMetadata(fields, "")
                try await writer.write(.with { $0.metadata = metadata })
                state.metadataSent = true
            }
            if state.metadataSent {
                for pending in state.takePending() { try await Self.write(pending, to: writer) }
            }
        }
        guard state.fileStarted else {
            throw MemOSError.invalidArgument("file: the multipart/form-data body has no part with a filename")
        }
        guard state.fileComplete else {
            throw MemOSError.invalidArgument("the multipart/form-data body ends inside the file part")
        }
    }

    /// The document's metadata from form fields or query parameters.
    static func documentMetadata(
        _ fields: [String: [String]],
        _ contentType: String
    ) throws
        -> Memos_Ingest_V1_DocumentMetadata
    {
        func one(_ name: String) -> String? { fields[name]?.last }
        var metadata = Memos_Ingest_V1_DocumentMetadata()
        metadata.cubeID = one("cube_id") ?? ""
        guard let name = one("name"), !name.isEmpty else {
            throw MemOSError.invalidArgument(
                "name is required: the file's name, as a form field, a query parameter or the filename of the upload"
            )
        }
        metadata.name = name
        let declared = one("media_type") ?? contentType
        let mediaType = declared.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        metadata.mediaType = mediaType == "application/octet-stream" ? "" : mediaType
        metadata.sessionID = one("session_id") ?? ""
        metadata.tags = (fields["tags"] ?? []).flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let info = one("info"), !info.isEmpty {
            guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(info.utf8)) else {
                throw MemOSError.invalidArgument("info must be a JSON object")
            }
            metadata.info = Google_Protobuf_Struct(jsonObject: object)
        }
        switch one("mode")?.lowercased() {
        case nil, "", "fast": metadata.mode = .fast
        case "fine": metadata.mode = .fine
        default: throw MemOSError.invalidArgument("mode must be fast or fine")
        }
        metadata.async = try Self.flag(one("async").map { Substring($0) }, field: "async") ?? false
        if let overlap = one("chunk_overlap_tokens") {
            metadata.chunkOverlapTokens = try Self.int32(Substring(overlap), field: "chunk_overlap_tokens")
        }
        return metadata
    }

    /// The boundary of a `multipart/form-data` Content-Type; nil for any other type.
    static func multipartBoundary(_ contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        guard let boundary = Self.parameters(ofHeader: contentType)["boundary"], !boundary.isEmpty,
            boundary.utf8.count <= 70
        else { return "" }
        return boundary
    }

    /// The `key=value` parameters of a header such as Content-Type or Content-Disposition, keys lower-cased,
    /// quotes removed.
    static func parameters(ofHeader value: String) -> [String: String] {
        var parameters: [String: String] = [:]
        for item in value.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            var text = pair[1].trimmingCharacters(in: .whitespaces)
            if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") {
                text = String(text.dropFirst().dropLast())
            }
            parameters[pair[0].trimmingCharacters(in: .whitespaces).lowercased()] = text
        }
        return parameters
    }

    static func flag(_ value: Substring?, field: String) throws -> Bool? {
        switch value?.lowercased() {
        case nil: return nil
        case "true", "1", "yes", "": return true
        case "false", "0", "no": return false
        default: throw MemOSError.invalidArgument("\(field) must be true or false")
        }
    }

    static func documentStatuses(_ value: Substring?) throws -> [Memos_Ingest_V1_DocumentStatus] {
        guard let value, !value.isEmpty else { return [] }
        return try value.split(separator: ",").map { name in
            guard let status = DocumentStatus(rawValue: name.lowercased()) else {
                throw MemOSError.invalidArgument(
                    "statuses must be a comma-separated list of queued, parsing, ready, failed, deleted"
                )
            }
            return status.proto
        }
    }
}

/// What a multipart parser's callbacks learned, read between its runs.
final class MultipartState: @unchecked Sendable {
    // Only touched by the task that runs the parser.
    var fields: [String: [String]]
    var problem: MemOSError?
    var fileStarted = false
    var fileComplete = false
    var metadataSent = false
    var filename: String?
    var fileContentType: String?
    private var partName: String?
    private var partFilename: String?
    private var partContentType: String?
    private var inFile = false
    private var fieldValue: [UInt8] = []
    private var pending: [ByteBuffer] = []

    init(fields: [String: [String]]) { self.fields = fields }

    func header(_ name: String, _ value: String) {
        switch name.lowercased() {
        case "content-disposition":
            let parameters = Gateway.parameters(ofHeader: value)
            self.partName = parameters["name"]
            self.partFilename = parameters["filename"]
        case "content-type":
            self.partContentType = value
        default:
            break
        }
    }

    func body(_ buffer: inout ByteBuffer) {
        if self.isFilePart {
            if self.fileStarted, !self.inFile {
                self.problem = MemOSError.invalidArgument("file: send one file per upload")
                return
            }
            if !self.inFile {
                self.inFile = true
                self.fileStarted = true
                self.filename = self.partFilename
                self.fileContentType = self.partContentType
            }
            self.pending.append(buffer)
        } else {
            if self.fileStarted, self.problem == nil {
                self.problem = MemOSError.invalidArgument(
                    "\(self.partName ?? "a field") must come before the file part of the form"
                )
            }
            if self.fieldValue.count + buffer.readableBytes > 65_536 {
                self.problem = MemOSError.invalidArgument("\(self.partName ?? "a field") is longer than 65,536 bytes")
                return
            }
            self.fieldValue += buffer.readableBytesView
        }
    }

    func partComplete() {
        if self.isFilePart {
            if !self.inFile, !self.fileStarted {
                // An empty file: its part had no body.
                self.fileStarted = true
                self.filename = self.partFilename
                self.fileContentType = self.partContentType
            }
            self.inFile = false
            self.fileComplete = true
        } else if let name = self.partName {
            self.fields[name, default: []].append(String(decoding: self.fieldValue, as: UTF8.self))
        }
        self.partName = nil
        self.partFilename = nil
        self.partContentType = nil
        self.fieldValue = []
    }

    func takePending() -> [ByteBuffer] {
        defer { self.pending = [] }
        return self.pending
    }

    private var isFilePart: Bool { self.partFilename != nil || self.partName == "file" }
}
