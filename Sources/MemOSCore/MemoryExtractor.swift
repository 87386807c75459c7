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

    /// The memories of a conversation: its turns read by the mode's reader (tool answers, and assistant turns that
    /// only call tools, left out), one ToolTrajectoryMemory per tool call (``ToolTrajectory``), and the user's
    /// preferences as PreferenceMemory: in FAST mode those stated explicitly (``PreferenceDetector``), in FINE mode
    /// those the model finds, stated or implied.
    public func extract(_ request: Request) async throws -> Extraction {
        let conversation = request.messages.filter { stored in
            stored.message.role != "tool" && !stored.message.content.isEmpty
        }
        var extraction: Extraction
        switch request.mode {
        case .fast:
            extraction = Extraction(
                memories: try await self.fast(conversation, request)
                    + (try await self.preferences(conversation, request)),
                warnings: []
            )
        case .fine:
            guard let chatModel = self.chatModel else { throw Self.noChatModel }
            var fineRequest = request
            fineRequest.messages = conversation
            extraction = try await self.fine(fineRequest, model: chatModel)
        }
        extraction.memories += try await self.toolTrajectories(request)
        return extraction
    }

    /// One ToolTrajectoryMemory per call of a tool, with its answer.
    func toolTrajectories(_ request: Request) async throws -> [NewMemory] {
        let trajectories = ToolTrajectory.pairs(in: request.messages)
        guard !trajectories.isEmpty else { return [] }
        let vectors = try await self.embedder.embed(trajectories.map(\.content))
        return zip(trajectories, vectors).map { trajectory, vector in
            self.memory(
                content: trajectory.content,
                key: "tool: \(trajectory.name)",
                type: .toolTrajectoryMemory,
                tags: trajectory.tags + request.tags,
                sources: trajectory.messages,
                vector: vector,
                confidence: 1,
                request: request,
                info: trajectory.info
            )
        }
    }

    /// The preferences the user's turns state explicitly, found by rule: one PreferenceMemory per topic and
    /// speaker (the last statement wins), whose `info` holds `preference_type` ("explicit_preference"), `topic`,
    /// `holder` (the speaker's name, empty for the user), `polarity` and `object`.
    func preferences(_ messages: [StoredMessage], _ request: Request) async throws -> [NewMemory] {
        var found: [String: (preference: DetectedPreference, message: StoredMessage)] = [:]
        var order: [String] = []
        for stored in messages where stored.message.role == "user" {
            for preference in PreferenceDetector.detect(in: stored.message.content) {
                let slot = stored.message.name + "\u{1F}" + preference.topic
                if found[slot] == nil { order.append(slot) }
                found[slot] = (preference, stored)
            }
        }
        guard !order.isEmpty else { return [] }
        let chosen = order.compactMap { found[$0] }
        let texts = chosen.map { preference, stored in
            (stored.message.name.isEmpty ? "The user" : stored.message.name) + " said: " + preference.text
        }
        let vectors = try await self.embedder.embed(texts)
        return zip(zip(chosen, texts), vectors).map { pair, vector in
            let ((preference, stored), text) = pair
            return self.memory(
                content: text,
                key: "preference: \(preference.topic)",
                type: .preferenceMemory,
                tags: ["mode:fast", "preference"] + request.tags,
                sources: [stored],
                vector: vector,
                confidence: 0.9,
                request: request,
                info: Self.preferenceInfo(
                    type: "explicit_preference",
                    topic: preference.topic,
                    holder: stored.message.name,
                    polarity: preference.polarity.rawValue,
                    object: preference.object
                )
            )
        }
    }

    static func preferenceInfo(
        type: String,
        topic: String,
        holder: String,
        polarity: String?,
        object: String?
    ) -> [String: JSONValue] {
        var info: [String: JSONValue] = [
            "preference_type": .string(type), "topic": .string(topic), "holder": .string(holder),
        ]
        if let polarity { info["polarity"] = .string(polarity) }
        if let object { info["object"] = .string(String(object.prefix(256))) }
        return info
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
        var pending: [(fact: FineReader.Extracted, window: [StoredMessage])] = []
        for (index, (window, answer)) in zip(windows, answers).enumerated() {
            switch answer {
            case .success(let facts):
                pending += facts.map { ($0, window) }
            case .failure(let error):
                let reason = (error as? MemOSError)?.message ?? "\(error)"
                warnings.append(
                    "fine extraction failed for window \(index + 1) of \(windows.count) (\(reason)); stored fast memories instead"
                )
                memories += try await self.fast(window, request)
            }
        }
        let vectors = try await self.embedder.embed(pending.map(\.fact.value))
        memories += zip(pending, vectors).map { pending, vector in
            let fact = pending.fact
            return self.memory(
                content: fact.value,
                key: fact.key,
                type: fact.memoryType,
                tags: ["mode:fine"] + request.tags + fact.tags,
                sources: pending.window,
                vector: vector,
                confidence: fact.confidence,
                request: request,
                info: fact.info
            )
        }
        return Extraction(memories: memories, warnings: warnings)
    }

    static func unique(_ tags: [String]) -> [String] {
        var seen = Set<String>()
        return tags.filter { seen.insert($0).inserted }
    }

    func memory(
        content: String,
        key: String,
        type: MemoryType,
        tags: [String],
        sources: [StoredMessage],
        vector: [Float],
        confidence: Float,
        request: Request,
        info: [String: JSONValue] = [:]
    ) -> NewMemory {
        NewMemory(
            sessionID: request.sessionID,
            memoryType: type,
            key: key,
            content: content,
            tags: Array(Self.unique(tags).prefix(Limits.maxTags)),
            info: request.info.merging(info) { _, own in own },
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
