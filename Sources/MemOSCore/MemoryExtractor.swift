import Foundation

/// Turns stored conversation turns into memories ready to write: the add path shared by a synchronous
/// AddMessages and the scheduler's extraction of an asynchronous one.
public struct MemoryExtractor: Sendable {
    /// How to read the turns.
    public enum Mode: String, Sendable, Hashable, Codable {
        case fast
        case fine
    }

    /// What is added to every memory made.
    public struct Request: Sendable, Hashable {
        public var messages: [StoredMessage]
        public var sessionID: String
        public var mode: Mode
        public var tags: [String]
        public var info: [String: JSONValue]

        public init(messages: [StoredMessage], sessionID: String, mode: Mode, tags: [String], info: [String: JSONValue])
        {
            self.messages = messages
            self.sessionID = sessionID
            self.mode = mode
            self.tags = tags
            self.info = info
        }
    }

    /// The memories and the problems met on the way (never dropped silently).
    public struct Extraction: Sendable {
        public var memories: [NewMemory]
        public var warnings: [String]
    }

    public let embedder: any Embedder
    public let fastReader: FastReader
    public let fineReader: FineReader
    /// The model of the fine reader; nil when none is configured.
    public let chatModel: (any ChatModel)?

    public init(
        embedder: any Embedder,
        fastReader: FastReader = FastReader(),
        fineReader: FineReader = FineReader(),
        chatModel: (any ChatModel)?
    ) {
        self.embedder = embedder
        self.fastReader = fastReader
        self.fineReader = fineReader
        self.chatModel = chatModel
    }

    /// The error a fine request gets when no LLM is configured.
    public static let noChatModel = MemOSError(
        code: .failedPrecondition,
        message: "mode FINE needs an LLM and none is configured: set MEMOS_LLM_URL and MEMOS_LLM_MODEL "
            + "(and MEMOS_LLM_API_KEY if the server wants one) for the ingest and scheduler services, or use mode FAST"
    )

    public func extract(_ request: Request) async throws -> Extraction {
        switch request.mode {
        case .fast:
            return Extraction(memories: try await self.fast(request.messages, request), warnings: [])
        case .fine:
            guard let chatModel = self.chatModel else { throw Self.noChatModel }
            return try await self.fine(request, model: chatModel)
        }
    }

    /// One memory per window of turns.
    func fast(_ messages: [StoredMessage], _ request: Request) async throws -> [NewMemory] {
        let windows = self.fastReader.windows(of: messages, budget: self.embedder.maxInputTokens) {
            self.embedder.tokenCount($0)
        }
        let vectors = try await self.embedder.embed(windows.map(\.text))
        return zip(windows, vectors).map { window, vector in
            self.memory(
                content: window.text,
                key: FastReader.key(for: window.text),
                type: window.memoryType,
                tags: ["mode:fast"] + request.tags,
                sources: window.messages,
                vector: vector,
                confidence: 0.99,
                request: request
            )
        }
    }

    /// The model's facts per window; a window whose answer fails falls back to fast memories, with a warning.
    func fine(_ request: Request, model: any ChatModel) async throws -> Extraction {
        let windows = stride(from: 0, to: request.messages.count, by: self.fineReader.windowSize).map {
            Array(request.messages[$0..<min($0 + self.fineReader.windowSize, request.messages.count)])
        }
        // Windows are independent: ask for them concurrently, a few at a time.
        let answers = try await withThrowingTaskGroup(of: (Int, Result<[FineReader.Extracted], any Error>).self) {
            group in
            var answers = [Result<[FineReader.Extracted], any Error>?](repeating: nil, count: windows.count)
            var next = 0
            func start() {
                guard next < windows.count else { return }
                let index = next
                next += 1
                group.addTask {
                    do {
                        let answer = try await model.complete(
                            system: FineReader.systemPrompt,
                            user: FineReader.prompt(for: windows[index])
                        )
                        return (index, .success(try FineReader.parse(answer).memories))
                    } catch let error as CancellationError {
                        throw error
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            for _ in 0..<4 { start() }
            while let (index, result) = try await group.next() {
                answers[index] = result
                start()
            }
            return answers.map { $0! }
        }
        var memories: [NewMemory] = []
        var warnings: [String] = []
        var pending: [(content: String, key: String, type: MemoryType, tags: [String], window: [StoredMessage])] = []
        for (index, (window, answer)) in zip(windows, answers).enumerated() {
            switch answer {
            case .success(let facts):
                pending += facts.map { ($0.value, $0.key, $0.memoryType, $0.tags, window) }
            case .failure(let error):
                let reason = (error as? MemOSError)?.message ?? "\(error)"
                warnings.append(
                    "fine extraction failed for window \(index + 1) of \(windows.count) (\(reason)); stored fast memories instead"
                )
                memories += try await self.fast(window, request)
            }
        }
        let vectors = try await self.embedder.embed(pending.map(\.content))
        memories += zip(pending, vectors).map { fact, vector in
            self.memory(
                content: fact.content,
                key: fact.key,
                type: fact.type,
                tags: ["mode:fine"] + request.tags + fact.tags.filter { !request.tags.contains($0) },
                sources: fact.window,
                vector: vector,
                confidence: 0.9,
                request: request
            )
        }
        return Extraction(memories: memories, warnings: warnings)
    }

    func memory(
        content: String,
        key: String,
        type: MemoryType,
        tags: [String],
        sources: [StoredMessage],
        vector: [Float],
        confidence: Float,
        request: Request
    ) -> NewMemory {
        NewMemory(
            sessionID: request.sessionID,
            memoryType: type,
            key: key,
            content: content,
            tags: Array(tags.prefix(Limits.maxTags)),
            info: request.info,
            sources: sources.prefix(Limits.maxSources).map { stored in
                Source(
                    type: "chat",
                    role: stored.message.role,
                    messageID: stored.message.messageID.isEmpty ? nil : stored.message.messageID,
                    sessionID: request.sessionID,
                    chatTime: stored.message.chatTime,
                    content: String(stored.message.content.prefix(512))
                )
            },
            confidence: confidence,
            embeddingModel: self.embedder.modelID,
            embedding: vector
        )
    }
}
