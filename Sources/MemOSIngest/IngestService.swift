import Foundation
import GRPCCore
import MemOSCore
import MemOSDocuments
import MemOSProto
import MemOSRPC
import SwiftProtobuf

/// The ingest service: turns conversations and items into memories.
///
/// Every write is one PostgreSQL transaction and is acknowledged only after it commits.
public struct IngestService: Memos_Ingest_V1_IngestService.SimpleServiceProtocol {
    let store: any MemoryStore
    let accounts: any AccountStore
    let embedder: any Embedder
    let extractor: MemoryExtractor
    let pageTokens: PageTokens
    let documents: any DocumentStore
    let documentIngestor: DocumentIngestor

    /// - Parameters:
    ///   - chatModel: the LLM of mode FINE; without one, FINE requests fail with `failedPrecondition`.
    ///   - visionModel: describes uploaded images; without one, images fail with `failedPrecondition`.
    public init(
        store: any MemoryStore,
        accounts: any AccountStore,
        documents: any DocumentStore,
        embedder: any Embedder,
        reader: FastReader = FastReader(),
        chatModel: (any ChatModel)? = nil,
        visionModel: (any VisionModel)? = nil,
        pageTokens: PageTokens
    ) {
        self.pageTokens = pageTokens
        self.documents = documents
        self.documentIngestor = DocumentIngestor(embedder: embedder, chatModel: chatModel, visionModel: visionModel)
        self.store = store
        self.accounts = accounts
        self.embedder = embedder
        self.extractor = MemoryExtractor(embedder: embedder, fastReader: reader, chatModel: chatModel)
    }

    public func addMessages(
        request: Memos_Ingest_V1_AddMessagesRequest,
        context: ServerContext
    ) async throws -> Memos_Ingest_V1_AddMessagesResponse {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        try Validate.optionalText(request.sessionID, field: "session_id", maxBytes: Limits.maxIdentifierBytes)
        try Validate.count(request.messages.count, field: "messages", max: Limits.maxMessagesPerRequest)
        for (index, message) in request.messages.enumerated() {
            try Self.validate(message, field: "messages[\(index)]")
        }
        try Validate.tags(request.customTags, field: "custom_tags")
        let info = request.info.jsonObject
        try Validate.info(info, field: "info")
        try Validate.optionalText(request.idempotencyKey, field: "idempotency_key", maxBytes: Limits.maxIdentifierBytes)
        let mode: MemoryExtractor.Mode = request.mode == .fine ? .fine : .fast
        if mode == .fine, self.extractor.chatModel == nil { throw MemoryExtractor.noChatModel }
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .write)

        let stored = request.messages.map { message in
            StoredMessage(
                message: ChatMessage(
                    role: message.role.lowercased(),
                    content: message.content,
                    chatTime: message.hasChatTime ? message.chatTime.date : nil,
                    messageID: message.messageID,
                    name: message.name,
                    tool: Self.toolTurn(of: message)
                ),
                sessionID: request.sessionID
            )
        }
        let extraction = MemoryExtractor.Request(
            messages: stored,
            sessionID: request.sessionID,
            mode: mode,
            tags: request.customTags,
            info: info
        )
        let idempotency = try IdempotencyKey(request.idempotencyKey, for: request)
        if request.async {
            // The raw messages and the job commit together; the scheduler makes the memories.
            let outcome = try await self.store.add(
                [],
                messages: stored,
                cubeID: request.cubeID,
                author: principal.userID,
                idempotency: idempotency,
                job: ExtractionJob(extraction).newJob(cubeID: request.cubeID, author: principal.userID)
            )
            return .with {
                $0.jobID = outcome.receipt.jobID?.lowercasedString ?? ""
                $0.changeSeq = outcome.receipt.changeSeq
                if case .written = outcome { $0.messageIds = stored.map { $0.id.lowercasedString } }
            }
        }
        let made = try await self.extractor.extract(extraction)
        let outcome = try await self.store.add(
            made.memories,
            messages: stored,
            cubeID: request.cubeID,
            author: principal.userID,
            idempotency: idempotency
        )
        let receipt = outcome.receipt
        let memories = try await self.store.memories(of: outcome, cubeID: request.cubeID)
        try await Supersession.apply(
            made: memories,
            store: self.store,
            cubeID: request.cubeID,
            actor: principal.userID
        )
        let protos = memories.map { $0.proto() }
        return .with {
            if ResponseBudget.fitting(protos) == protos.count {
                $0.memories = protos
            } else {
                $0.memoryIds = memories.map(\.id.lowercasedString)
            }
            $0.changeSeq = receipt.changeSeq
            $0.warnings = made.warnings
            if case .written = outcome { $0.messageIds = stored.map { $0.id.lowercasedString } }
        }
    }

    public func addMemories(
        request: Memos_Ingest_V1_AddMemoriesRequest,
        context: ServerContext
    ) async throws -> Memos_Ingest_V1_AddMemoriesResponse {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        try Validate.optionalText(request.sessionID, field: "session_id", maxBytes: Limits.maxIdentifierBytes)
        try Validate.count(request.items.count, field: "items", max: Limits.maxItemsPerRequest)
        try Validate.optionalText(request.idempotencyKey, field: "idempotency_key", maxBytes: Limits.maxIdentifierBytes)
        for (index, item) in request.items.enumerated() {
            try self.validate(item, field: "items[\(index)]")
        }
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .write)

        let toEmbed = request.items.enumerated().filter { $0.element.embedding.isEmpty }
        var vectors = request.items.map(\.embedding)
        if !toEmbed.isEmpty {
            let made = try await self.embedder.embed(toEmbed.map(\.element.content))
            for (position, vector) in zip(toEmbed.map(\.offset), made) { vectors[position] = vector }
        }
        let memories = zip(request.items, vectors).map { item, vector in
            NewMemory(
                sessionID: request.sessionID,
                memoryType: MemoryType(item.memoryType) ?? .longTermMemory,
                key: item.key.isEmpty ? FastReader.key(for: item.content) : item.key,
                content: item.content,
                tags: item.tags,
                info: item.info.jsonObject,
                sources: item.sources.isEmpty
                    ? [Source(type: "api", sessionID: request.sessionID.isEmpty ? nil : request.sessionID)]
                    : item.sources.map(Source.init),
                confidence: item.hasConfidence ? item.confidence : 1,
                embeddingModel: self.embedder.modelID,
                embedding: VectorMath.normalized(vector),
                validFrom: item.hasValidFrom ? item.validFrom.date : nil,
                validTo: item.hasValidTo ? item.validTo.date : nil
            )
        }
        let outcome = try await self.store.add(
            memories,
            messages: [],
            cubeID: request.cubeID,
            author: principal.userID,
            idempotency: try IdempotencyKey(request.idempotencyKey, for: request)
        )
        let receipt = outcome.receipt
        let superseding = memories.contains { Supersession.types.contains($0.memoryType) }
        let made =
            request.idsOnly && !superseding ? [] : try await self.store.memories(of: outcome, cubeID: request.cubeID)
        if superseding {
            try await Supersession.apply(
                made: made,
                store: self.store,
                cubeID: request.cubeID,
                actor: principal.userID
            )
        }
        let protos = request.idsOnly ? [] : made.map { $0.proto() }
        return .with {
            // Memories that would not fit in a response are left to GetMemories; their ids are always here.
            if ResponseBudget.fitting(protos) == protos.count { $0.memories = protos }
            $0.changeSeq = receipt.changeSeq
            $0.memoryIds = receipt.memoryIDs.map(\.lowercasedString)
        }
    }

    public func updateMemory(
        request: Memos_Ingest_V1_UpdateMemoryRequest,
        context: ServerContext
    ) async throws -> Memos_Ingest_V1_UpdateMemoryResponse {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        let id = try Validate.uuid(request.memoryID, field: "memory_id")
        let patch = try Self.patch(from: request)
        if request.expectedVersion < 0 { throw MemOSError.invalidArgument("expected_version must not be negative") }
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .write)
        var embedding: [Float]?
        if let content = patch.content { embedding = try await self.embedder.embed([content])[0] }
        let memory = try await self.store.update(
            id: id,
            cubeID: request.cubeID,
            patch: patch,
            embedding: embedding,
            expectedVersion: request.expectedVersion == 0 ? nil : request.expectedVersion,
            actor: principal.userID
        )
        return .with {
            $0.memory = memory.proto()
            $0.changeSeq = memory.changeSeq
        }
    }

    /// The fields named in `update_mask`, validated as for new memories.
    static func patch(from request: Memos_Ingest_V1_UpdateMemoryRequest) throws -> MemoryPatch {
        let paths = request.updateMask.paths
        if paths.isEmpty { throw MemOSError.invalidArgument("update_mask must name at least one field") }
        let source = request.patch
        var patch = MemoryPatch()
        for path in paths {
            switch path {
            case "content":
                try Validate.text(source.content, field: "patch.content", maxBytes: Limits.maxContentBytes)
                patch.content = source.content
            case "key":
                try Validate.optionalText(source.key, field: "patch.key", maxBytes: Limits.maxKeyBytes)
                patch.key = source.key
            case "tags":
                try Validate.tags(source.tags, field: "patch.tags")
                patch.tags = source.tags
            case "info":
                try Validate.info(source.info.jsonObject, field: "patch.info")
                patch.info = source.info.jsonObject
            case "memory_type":
                guard let type = MemoryType(source.memoryType) else {
                    throw MemOSError.invalidArgument("patch.memory_type must be a known memory type")
                }
                patch.memoryType = type
            case "valid_from":
                patch.validFrom = .some(source.hasValidFrom ? source.validFrom.date : nil)
            case "valid_to":
                patch.validTo = .some(source.hasValidTo ? source.validTo.date : nil)
            case "confidence":
                guard (0...1).contains(source.confidence) else {
                    throw MemOSError.invalidArgument("patch.confidence must be between 0 and 1")
                }
                patch.confidence = source.confidence
            default:
                throw MemOSError.invalidArgument(
                    "update_mask names '\(path)'; allowed: content, key, tags, info, memory_type, valid_from, valid_to, confidence"
                )
            }
        }
        if case .some(.some(let from)) = patch.validFrom, case .some(.some(let to)) = patch.validTo, to < from {
            throw MemOSError.invalidArgument("patch.valid_to must not be before patch.valid_from")
        }
        return patch
    }

    public func deleteMemories(
        request: Memos_Ingest_V1_DeleteMemoriesRequest,
        context: ServerContext
    ) async throws -> Memos_Ingest_V1_DeleteMemoriesResponse {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        let selector: DeleteSelector
        switch request.selector {
        case .ids(let list):
            selector = .ids(try Validate.uuids(list.ids, field: "ids.ids"))
        case .sessionID(let sessionID):
            try Validate.text(sessionID, field: "session_id", maxBytes: Limits.maxIdentifierBytes)
            selector = .session(sessionID)
        case .filter(let filter):
            selector = .filter(try MemoryFilter(filter))
        case .wholeCube(let all):
            guard all else { throw MemOSError.invalidArgument("whole_cube must be true when it is the selector") }
            selector = .wholeCube
        case .none:
            throw MemOSError.invalidArgument("one of ids, filter, session_id or whole_cube is required")
        }
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .write)
        try Validate.optionalText(request.idempotencyKey, field: "idempotency_key", maxBytes: Limits.maxIdentifierBytes)
        let result = try await self.store.delete(
            selector,
            cubeID: request.cubeID,
            actor: principal.userID,
            dryRun: request.dryRun,
            hard: request.hard
        )
        return .with {
            $0.deletedCount = Int64(result.ids.count)
            $0.memoryIds = result.ids.prefix(Limits.maxIDsPerRequest).map { $0.lowercasedString }
            $0.changeSeq = result.changeSeq
        }
    }

    public func restoreMemories(
        request: Memos_Ingest_V1_RestoreMemoriesRequest,
        context: ServerContext
    ) async throws -> Memos_Ingest_V1_RestoreMemoriesResponse {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        let ids = try Validate.uuids(request.memoryIds, field: "memory_ids")
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .write)
        let result = try await self.store.restore(ids: ids, cubeID: request.cubeID, actor: principal.userID)
        return .with {
            $0.restoredCount = Int64(result.count)
            $0.changeSeq = result.changeSeq
        }
    }

    public func archiveMemories(
        request: Memos_Ingest_V1_ArchiveMemoriesRequest,
        context: ServerContext
    ) async throws -> Memos_Ingest_V1_ArchiveMemoriesResponse {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        let ids = try Validate.uuids(request.memoryIds, field: "memory_ids")
        try Validate.optionalText(request.reason, field: "reason", maxBytes: Limits.maxKeyBytes)
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .write)
        let found = try await self.store.memories(ids: ids, cubeID: request.cubeID)
        let foundIDs = Set(found.map(\.id))
        if let missing = ids.first(where: { !foundIDs.contains($0) }) {
            throw MemOSError.notFound("memory '\(missing.lowercasedString)' does not exist in cube '\(request.cubeID)'")
        }
        let active = found.filter { $0.status == .activated }.map(\.id)
        if active.isEmpty {
            let current = try await self.store.currentChangeSeq()
            return .with { $0.changeSeq = current }
        }
        let revision = Revision(action: "archive", actor: principal.userID, reason: request.reason)
        let archived = try await self.store.revise(ids: active, cubeID: request.cubeID, revision) { memories in
            memories.map { memory in
                var memory = memory
                memory.status = .archived
                return memory
            }
        }
        return .with {
            $0.archivedCount = Int64(archived.count)
            $0.changeSeq = archived.map(\.changeSeq).max() ?? 0
        }
    }

    public func getHistory(
        request: Memos_Ingest_V1_GetHistoryRequest,
        context: ServerContext
    ) async throws -> Memos_Ingest_V1_GetHistoryResponse {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        let memoryID = try Validate.uuid(request.memoryID, field: "memory_id")
        let pageSize = try PageSize.resolve(request.pageSize, max: 200)
        let listing = "history/\(request.cubeID)/\(memoryID.lowercasedString)"
        let before =
            try await request.pageToken.isEmpty
            ? nil : self.pageTokens.decode(Int64.self, from: request.pageToken, listing: listing)
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .read)
        let entries = try await self.store.history(
            memoryID: memoryID,
            cubeID: request.cubeID,
            before: before,
            limit: pageSize + 1
        )
        let (protos, last) = ResponseBudget.page(entries, pageSize: pageSize) { $0.proto(cubeID: request.cubeID) }
        var response = Memos_Ingest_V1_GetHistoryResponse()
        response.entries = protos
        if let last { response.nextPageToken = try await self.pageTokens.encode(last.id, listing: listing) }
        return response
    }

    /// Entries per memory a batch history read returns at most (GetHistory pages through longer histories).
    static let batchHistoryDepth = 200

    public func batchGetHistory(
        request: Memos_Ingest_V1_BatchGetHistoryRequest,
        context: ServerContext
    ) async throws -> Memos_Ingest_V1_BatchGetHistoryResponse {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        try Validate.count(request.memoryIds.count, field: "memory_ids", max: Self.batchHistoryDepth)
        let memoryIDs = try Validate.uuids(request.memoryIds, field: "memory_ids")
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .read)
        let entries = try await self.store.histories(
            memoryIDs: memoryIDs,
            cubeID: request.cubeID,
            limitPerMemory: Self.batchHistoryDepth + 1
        )
        // One entry past the depth tells that a memory's history is longer.
        var kept: [HistoryEntry] = []
        var counts: [UUID: Int] = [:]
        var truncated: Set<UUID> = []
        for entry in entries {
            let count = counts[entry.memoryID, default: 0] + 1
            counts[entry.memoryID] = count
            if count > Self.batchHistoryDepth { truncated.insert(entry.memoryID) } else { kept.append(entry) }
        }
        // Entries past the response's size limit are left out; their memories count as truncated.
        let protos = kept.map { $0.proto(cubeID: request.cubeID) }
        let fitting = ResponseBudget.fitting(protos)
        for entry in kept.dropFirst(fitting) { truncated.insert(entry.memoryID) }
        return .with {
            $0.entries = Array(protos.prefix(fitting))
            $0.truncatedMemoryIds = truncated.map { $0.lowercasedString }.sorted()
        }
    }

    /// The tool side of a turn; nil for a turn that neither calls a tool nor answers one.
    static func toolTurn(of message: Memos_Common_V1_ChatMessage) -> ToolTurn? {
        let answers = message.role.lowercased() == "tool"
        guard answers || !message.toolCalls.isEmpty else { return nil }
        return ToolTurn(
            calls: message.toolCalls.map { ToolCall(id: $0.id, name: $0.name, arguments: $0.arguments) },
            callID: answers && !message.toolCallID.isEmpty ? message.toolCallID : nil,
            failed: answers && message.hasToolError ? message.toolError : nil,
            durationMilliseconds: answers && message.toolDurationMs > 0 ? message.toolDurationMs : nil
        )
    }

    // MARK: Validation

    static let roles: Set<String> = ["user", "assistant", "system", "tool"]

    static func validate(_ message: Memos_Common_V1_ChatMessage, field: @autoclosure () -> String) throws {
        if !Self.roles.contains(message.role.lowercased()) {
            throw MemOSError.invalidArgument("\(field()).role must be one of user, assistant, system, tool")
        }
        if message.toolCalls.isEmpty || !message.content.isEmpty {
            try Validate.text(message.content, field: "\(field()).content", maxBytes: Limits.maxMessageBytes)
        }
        try Validate.count(message.toolCalls.count, field: "\(field()).tool_calls", min: 0, max: Limits.maxToolCalls)
        for (index, call) in message.toolCalls.enumerated() {
            try Validate.optionalText(
                call.id,
                field: "\(field()).tool_calls[\(index)].id",
                maxBytes: Limits.maxIdentifierBytes
            )
            try Validate.text(
                call.name,
                field: "\(field()).tool_calls[\(index)].name",
                maxBytes: Limits.maxIdentifierBytes
            )
            try Validate.optionalText(
                call.arguments,
                field: "\(field()).tool_calls[\(index)].arguments",
                maxBytes: Limits.maxContentBytes
            )
        }
        try Validate.optionalText(
            message.toolCallID,
            field: "\(field()).tool_call_id",
            maxBytes: Limits.maxIdentifierBytes
        )
        if message.toolDurationMs < 0 {
            throw MemOSError.invalidArgument("\(field()).tool_duration_ms must not be negative")
        }
        try Validate.optionalText(
            message.messageID,
            field: "\(field()).message_id",
            maxBytes: Limits.maxIdentifierBytes
        )
        try Validate.optionalText(message.name, field: "\(field()).name", maxBytes: Limits.maxIdentifierBytes)
    }

    func validate(_ item: Memos_Ingest_V1_MemoryInput, field: @autoclosure () -> String) throws {
        try Validate.text(item.content, field: "\(field()).content", maxBytes: Limits.maxContentBytes)
        try Validate.optionalText(item.key, field: "\(field()).key", maxBytes: Limits.maxKeyBytes)
        try Validate.tags(item.tags, field: "\(field()).tags")
        try Validate.info(item.info.jsonObject, field: "\(field()).info")
        try Validate.count(item.sources.count, field: "\(field()).sources", min: 0, max: Limits.maxSources)
        if case .UNRECOGNIZED = item.memoryType {
            throw MemOSError.invalidArgument("\(field()).memory_type is not a known memory type")
        }
        if item.hasConfidence, !(0...1).contains(item.confidence) {
            throw MemOSError.invalidArgument("\(field()).confidence must be between 0 and 1")
        }
        if item.hasValidFrom, item.hasValidTo, item.validTo.date < item.validFrom.date {
            throw MemOSError.invalidArgument("\(field()).valid_to must not be before valid_from")
        }
        if !item.embedding.isEmpty {
            if item.embeddingModel != self.embedder.modelID {
                throw MemOSError.invalidArgument(
                    "\(field()).embedding_model must be '\(self.embedder.modelID)', the model this service embeds with"
                )
            }
            if item.embedding.count != self.embedder.dimension {
                throw MemOSError.invalidArgument(
                    "\(field()).embedding has \(item.embedding.count) dimensions; the model has \(self.embedder.dimension)"
                )
            }
            if !item.embedding.allSatisfy(\.isFinite) {
                throw MemOSError.invalidArgument("\(field()).embedding must hold finite numbers")
            }
        }
    }

}
