import Foundation
import MemOSCore

/// Turns a document's bytes into the memories its row and chunks become: parse, chunk, embed, and in mode fine
/// extract facts from each chunk. Shared by the ingest service (small files, parsed inline) and the scheduler
/// (queued files).
public struct DocumentIngestor: Sendable {
    public let embedder: any Embedder
    public let extractor: MemoryExtractor
    /// Describes uploaded images; without one, images are refused.
    public let visionModel: (any VisionModel)?
    public let limits: DocumentLimits
    /// Chunks embedded per call to the embedder (and per progress report).
    public var batchSize = 32

    public init(
        embedder: any Embedder,
        chatModel: (any ChatModel)?,
        visionModel: (any VisionModel)? = nil,
        limits: DocumentLimits = .default
    ) {
        self.embedder = embedder
        self.extractor = MemoryExtractor(embedder: embedder, chatModel: chatModel)
        self.visionModel = visionModel
        self.limits = limits
    }

    /// What a vision model is asked about an image.
    public static let imagePrompt = """
        Describe this image for a search index: what it shows, any text in it (verbatim), names, numbers, dates and \
        places. Plain prose, no preamble.
        """

    /// The error an image gets when no vision model is configured.
    public static let noVisionModel = MemOSError(
        code: .failedPrecondition,
        message: "images need a vision-capable model and none is configured: set MEMOS_VISION_MODEL (served by "
            + "MEMOS_LLM_URL) for the ingest and scheduler services"
    )

    /// The most tokens of the embedder a chunk may take (special tokens included).
    var maxTokens: Int { self.embedder.maxInputTokens ?? 256 }

    /// The media type of `bytes` (an image's, or a document format's), without parsing them.
    /// - Throws: `invalidArgument` naming the cause for an empty or unsupported file; `failedPrecondition` for an
    ///   image without a vision model.
    public func mediaType(of bytes: [UInt8], declaredMediaType: String?, name: String) throws -> String {
        if let image = ImageKind.mediaType(of: bytes) {
            guard self.visionModel != nil else { throw Self.noVisionModel }
            return image
        }
        do {
            if bytes.isEmpty { throw DocumentError(reason: .empty, message: "the file is empty") }
            return try DocumentFormat.detect(data: Data(bytes), declaredMediaType: declaredMediaType, name: name)
                .rawValue
        } catch let error as DocumentError {
            throw error.invalidArgument
        }
    }

    /// Parses and chunks `bytes`.
    /// - Throws: ``DocumentError`` when the file cannot be read.
    public func chunks(of bytes: [UInt8], document: Document) async throws -> (ParsedDocument, [Chunk]) {
        let parsed: ParsedDocument
        if let image = ImageKind.mediaType(of: bytes) {
            guard let visionModel = self.visionModel else { throw Self.noVisionModel }
            let description = try await visionModel.describe(image: bytes, mediaType: image, prompt: Self.imagePrompt)
            parsed = ParsedDocument(
                format: .plainText,
                pageCount: 0,
                title: nil,
                blocks: [TextBlock(text: description, sectionPath: [], page: 0)]
            )
        } else {
            parsed = try await DocumentParsers.parse(
                Data(bytes),
                declaredMediaType: document.mediaType,
                name: document.name,
                limits: self.limits
            )
        }
        let embedder = self.embedder
        let chunker = Chunker(
            maxTokens: self.maxTokens,
            overlapTokens: document.chunkOverlapTokens,
            countTokens: { text in embedder.tokenCount(text) ?? Self.estimatedTokens(text) }
        )
        let chunks = chunker.chunks(of: parsed)
        if chunks.isEmpty { throw DocumentError(reason: .empty, message: "the file holds no text") }
        if chunks.count > Limits.maxDocumentChunks {
            throw DocumentError(
                reason: .tooLarge,
                message: "the file makes \(chunks.count) chunks; at most \(Limits.maxDocumentChunks) are allowed"
            )
        }
        return (parsed, chunks)
    }

    /// Embeds the chunks (reporting how many are done after each batch) and, in mode fine, extracts facts from
    /// them.
    public func content(
        of document: Document,
        parsed: ParsedDocument,
        chunks: [Chunk],
        progress: @Sendable (Int) async throws -> Void = { _ in }
    ) async throws -> ParsedContent {
        var memories: [NewMemory] = []
        memories.reserveCapacity(chunks.count)
        for start in stride(from: 0, to: chunks.count, by: self.batchSize) {
            let batch = Array(chunks[start..<min(start + self.batchSize, chunks.count)])
            let vectors = try await self.embedder.embed(batch.map(\.text))
            for (chunk, vector) in zip(batch, vectors) {
                memories.append(
                    NewMemory(
                        sessionID: document.sessionID,
                        memoryType: .rawFileMemory,
                        key: Self.key(for: chunk, of: document),
                        content: chunk.text,
                        tags: document.tags,
                        info: document.info,
                        sources: [Self.source(of: chunk, in: document)],
                        confidence: 1,
                        embeddingModel: self.embedder.modelID,
                        embedding: VectorMath.normalized(vector)
                    )
                )
            }
            try await progress(memories.count)
        }
        if document.mode == MemoryExtractor.Mode.fine.rawValue {
            memories += try await self.facts(from: chunks, of: document)
        }
        return ParsedContent(
            title: parsed.title.map { String($0.utf8.prefix(Limits.maxKeyBytes)) ?? "" } ?? "",
            pageCount: parsed.pageCount,
            memories: memories,
            chunkCount: chunks.count
        )
    }

    /// Parses, chunks and embeds in one go.
    public func content(of document: Document, bytes: [UInt8]) async throws -> ParsedContent {
        let (parsed, chunks) = try await self.chunks(of: bytes, document: document)
        return try await self.content(of: document, parsed: parsed, chunks: chunks)
    }

    /// The fine reader's facts from each chunk, each citing its chunk.
    func facts(from chunks: [Chunk], of document: Document) async throws -> [NewMemory] {
        let messages = chunks.map { chunk in
            StoredMessage(
                message: ChatMessage(role: "user", content: chunk.text, messageID: "chunk:\(chunk.index)"),
                sessionID: document.sessionID
            )
        }
        let extraction = try await self.extractor.extract(
            MemoryExtractor.Request(
                messages: messages,
                sessionID: document.sessionID,
                mode: .fine,
                tags: document.tags,
                info: document.info
            )
        )
        let byIndex = Dictionary(chunks.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
        return extraction.memories.map { memory in
            var memory = memory
            memory.sources = memory.sources.compactMap { source in
                guard let id = source.messageID, id.hasPrefix("chunk:"), let index = Int(id.dropFirst(6)),
                    let chunk = byIndex[index]
                else { return nil }
                return Self.source(of: chunk, in: document)
            }
            return memory
        }
    }

    static func source(of chunk: Chunk, in document: Document) -> Source {
        Source(
            type: "doc",
            sessionID: document.sessionID.isEmpty ? nil : document.sessionID,
            docPath: document.name,
            chunkIndex: chunk.index,
            documentID: document.id.lowercasedString,
            section: chunk.sectionPath.isEmpty ? nil : chunk.sectionPath,
            pageStart: chunk.pageStart == 0 ? nil : chunk.pageStart,
            pageEnd: chunk.pageEnd == 0 ? nil : chunk.pageEnd,
            mediaType: document.mediaType
        )
    }

    /// "name › innermost heading", cut to the key limit.
    static func key(for chunk: Chunk, of document: Document) -> String {
        let key = ([document.name] + chunk.sectionPath.suffix(1)).joined(separator: " › ")
        return String(key.utf8.prefix(Limits.maxKeyBytes)) ?? String(key.prefix(Limits.maxKeyBytes / 4))
    }

    /// A token count for embedders that cannot count: about four characters per token.
    static func estimatedTokens(_ text: String) -> Int { text.utf8.count / 4 + 2 }
}

extension DocumentError {
    /// The error a caller gets for a file that could not be read inline.
    public var invalidArgument: MemOSError { MemOSError.invalidArgument("file: \(self.message)") }
}
