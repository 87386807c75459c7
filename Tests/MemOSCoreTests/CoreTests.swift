import Foundation
import MemOSCore
import Synchronization
import Testing

@Suite("Feature-hashing embedder")
struct FeatureHashingEmbedderTests {
    @Test("is deterministic, unit length and scores shared words above unrelated text")
    func basics() async throws {
        let embedder = FeatureHashingEmbedder(dimension: 384)
        let vectors = try await embedder.embed([
            "Alice likes green tea", "Alice likes green tea", "quarterly tax filing", "",
        ])
        #expect(vectors[0] == vectors[1])
        #expect(abs(VectorMath.dot(vectors[0], vectors[0]) - 1) < 1e-5)
        let query = embedder.vector(for: "does Alice like tea?")
        #expect(VectorMath.cosine(query, vectors[0]) > VectorMath.cosine(query, vectors[2]))
        #expect(vectors[3].allSatisfy { $0 == 0 })
        #expect(embedder.modelID == "feature-hash-384")
    }

    @Test("matches Chinese text without spaces")
    func chinese() {
        let embedder = FeatureHashingEmbedder()
        let memory = embedder.vector(for: "我喜欢喝绿茶")
        #expect(
            VectorMath.cosine(embedder.vector(for: "绿茶"), memory)
                > VectorMath.cosine(embedder.vector(for: "报税"), memory)
        )
    }
}

@Suite("Fast reader")
struct FastReaderTests {
    func messages(_ roles: [String]) -> [StoredMessage] {
        roles.enumerated().map { index, role in
            StoredMessage(
                message: ChatMessage(role: role, content: "turn \(index)", messageID: "m\(index)"),
                sessionID: "s"
            )
        }
    }

    @Test("windows cover every turn in order; all-user windows are UserMemory")
    func windows() {
        let reader = FastReader(windowSize: 3, overlap: 0)
        let windows = reader.windows(of: self.messages(["user", "assistant", "user", "user", "user"]))
        #expect(windows.map { $0.messages.map(\.message.messageID) } == [["m0", "m1", "m2"], ["m3", "m4"]])
        #expect(windows.map(\.memoryType) == [.longTermMemory, .userMemory])
        #expect(windows[0].text == "user: turn 0\nassistant: turn 1\nuser: turn 2")
    }

    @Test("overlapping windows share turns")
    func overlap() {
        let windows = FastReader(windowSize: 3, overlap: 1).windows(
            of: self.messages(Array(repeating: "user", count: 5))
        )
        #expect(windows.map { $0.messages.map(\.message.messageID) } == [["m0", "m1", "m2"], ["m2", "m3", "m4"]])
    }

    @Test("with an input budget, windows close early and a long turn is split into parts that each fit")
    func budget() {
        // One token per word plus two special tokens, as the MiniLM embedder counts them.
        let count: (String) -> Int? = { $0.split(whereSeparator: \.isWhitespace).count + 2 }
        let long = (1...30).map { "w\($0)" }.joined(separator: " ")
        let messages = [
            StoredMessage(message: ChatMessage(role: "user", content: "short one", messageID: "a"), sessionID: "s"),
            StoredMessage(message: ChatMessage(role: "assistant", content: long, messageID: "b"), sessionID: "s"),
            StoredMessage(message: ChatMessage(role: "user", content: "short two", messageID: "c"), sessionID: "s"),
        ]
        let windows = FastReader(windowSize: 3, overlap: 0).windows(of: messages, budget: 12, count: count)
        #expect(windows.allSatisfy { count($0.text)! <= 12 })
        // Each window but the last took every turn that fit: the next piece would have broken the budget.
        for (window, next) in zip(windows, windows.dropFirst()) {
            #expect(
                count(window.text + "\n" + next.messages[0].message.role + ": " + next.messages[0].message.content)!
                    > 12
            )
        }
        #expect(windows.flatMap { $0.messages.map(\.message.messageID) } == ["a", "b", "b", "b", "b", "c"])
        let parts = windows.flatMap(\.messages).filter { $0.message.messageID == "b" }.map(\.message.content)
        #expect(parts.joined(separator: " ") == long)
        // Without a budget nothing changes.
        #expect(FastReader(windowSize: 3, overlap: 0).windows(of: messages).count == 1)
    }

    @Test("a key is the first line that is not empty, cut to the limit with an ellipsis")
    func keys() {
        let long = String(repeating: "é", count: 81)
        #expect(FastReader.key(for: "user: hello\nassistant: hi") == "user: hello")
        #expect(FastReader.key(for: "\n\r\nuser: hello") == "user: hello")
        #expect(FastReader.key(for: String(long.dropLast()) + "\nmore") == String(long.dropLast()))
        #expect(FastReader.key(for: long) == String(long.prefix(80)) + "…")
        #expect(FastReader.key(for: "short", maxCharacters: 3) == "sho…")
        #expect(FastReader.key(for: "") == "")
    }
}

@Suite("Validation")
struct ValidationTests {
    @Test("errors name the field and the limit")
    func messages() {
        #expect(throws: MemOSError.self) { try Validate.text("", field: "content", maxBytes: 10) }
        do {
            try Validate.text("01234567890", field: "items[2].content", maxBytes: 10)
            Issue.record("expected an error")
        } catch let error as MemOSError {
            #expect(error.code == .invalidArgument)
            #expect(error.message == "items[2].content is 11 bytes; the limit is 10 bytes")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(
        "cube ids are restricted to a safe alphabet",
        arguments: ["", "a b", "cube/1", String(repeating: "c", count: 129)]
    )
    func badCubeIDs(_ id: String) {
        #expect(throws: MemOSError.self) { try Validate.cubeID(id) }
    }

    @Test("a UUID's lower-case text is uuidString lower-cased")
    func uuidText() {
        for id in (0..<1_000).map({ _ in UUID() }) + [UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))] {
            #expect(id.lowercasedString == id.uuidString.lowercased())
        }
    }

    @Test("random ids are version 4 (RFC 9562 variant), distinct, and read back from their text")
    func randomIDs() async {
        // Drawn from several tasks at once: the bytes are shared, 4 KB per draw from the system.
        let ids = await withTaskGroup(of: [UUID].self) { group in
            for _ in 0..<8 { group.addTask { (0..<1_250).map { _ in UUID.random() } } }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let text = id.lowercasedString
            #expect(Array(text)[14] == "4")
            #expect("89ab".contains(Array(text)[19]))
            #expect(UUID(uuidString: text) == id)
        }
    }

    @Test("fingerprints are stable")
    func fingerprint() {
        #expect(Fingerprint.of(Array("abc".utf8)) == Fingerprint.of(Array("abc".utf8)))
        #expect(Fingerprint.of(Array("abc".utf8)) != Fingerprint.of(Array("abd".utf8)))
    }
}

@Suite("Micro-batching")
struct MicroBatchingTests {
    /// Records the batch sizes that reach it; each call takes 50 ms, so requests pile up behind it.
    final class CountingEmbedder: Embedder {
        let inner = FeatureHashingEmbedder(dimension: 16)
        let batches = Mutex<[Int]>([])
        var modelID: String { self.inner.modelID }
        var dimension: Int { 16 }

        func embed(_ texts: [String]) async throws -> [[Float]] {
            self.batches.withLock { $0.append(texts.count) }
            try await Task.sleep(for: .milliseconds(50))
            return try await self.inner.embed(texts)
        }
    }

    static func embedConcurrently(_ texts: [String], with embedder: any Embedder) async throws -> [Int: [[Float]]] {
        try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask { (index, try await embedder.embed([text])) }
            }
            return try await group.reduce(into: [Int: [[Float]]]()) { $0[$1.0] = $1.1 }
        }
    }

    @Test("concurrent requests share calls and each gets its own vectors")
    func batches() async throws {
        let counting = CountingEmbedder()
        let batching = MicroBatchingEmbedder(base: counting, maxBatch: 64)
        let texts = (0..<16).map { "text number \($0)" }
        let results = try await Self.embedConcurrently(texts, with: batching)
        for (index, text) in texts.enumerated() {
            #expect(results[index] == [counting.inner.vector(for: text)])
        }
        #expect(counting.batches.withLock { $0.count } < texts.count)
    }

    @Test("a failed call fails the requests of its batch only: those queued behind it still get their vectors")
    func failedBatch() async throws {
        /// Fails its first call (after 50 ms, while the others queue), then embeds.
        final class FailingFirst: Embedder {
            let inner = FeatureHashingEmbedder(dimension: 16)
            let calls = Mutex(0)
            var modelID: String { self.inner.modelID }
            var dimension: Int { 16 }

            func embed(_ texts: [String]) async throws -> [[Float]] {
                let first = self.calls.withLock { calls in
                    calls += 1
                    return calls == 1
                }
                try await Task.sleep(for: .milliseconds(50))
                if first { throw MemOSError(code: .unavailable, message: "the model is away") }
                return try await self.inner.embed(texts)
            }
        }
        let failing = FailingFirst()
        let batching = MicroBatchingEmbedder(base: failing, maxBatch: 64)
        let first = Task { try await batching.embed(["the first text"]) }
        try await Task.sleep(for: .milliseconds(10))
        let queued = try await Self.embedConcurrently((0..<8).map { "text number \($0)" }, with: batching)
        await #expect(throws: MemOSError.self) { try await first.value }
        for index in 0..<8 {
            #expect(queued[index] == [failing.inner.vector(for: "text number \(index)")])
        }
    }

    @Test("a batch holds at most maxBatch texts; a request of maxBatch texts or more goes alone")
    func batchLimit() async throws {
        let counting = CountingEmbedder()
        let batching = MicroBatchingEmbedder(base: counting, maxBatch: 4)
        let texts = (0..<12).map { "text number \($0)" }
        let results = try await Self.embedConcurrently(texts, with: batching)
        for (index, text) in texts.enumerated() {
            #expect(results[index] == [counting.inner.vector(for: text)])
        }
        #expect(counting.batches.withLock { $0 }.allSatisfy { $0 <= 4 })
        #expect(counting.batches.withLock { $0 }.reduce(0, +) == texts.count)

        let alone = try await batching.embed(Array(texts.prefix(6)))
        #expect(counting.batches.withLock { $0.last } == 6)
        #expect(alone == texts.prefix(6).map { counting.inner.vector(for: $0) })
    }

    @Test("a batch holds at most maxBatchBytes of text, in whole requests; a longer request still goes, alone")
    func byteBudget() async throws {
        let counting = CountingEmbedder()
        let batching = MicroBatchingEmbedder(base: counting, maxBatch: 32, maxBatchBytes: 250)
        let texts = (0..<10).map { String(repeating: "\($0)", count: 100) }  // 100 bytes each
        let results = try await Self.embedConcurrently(texts, with: batching)
        for (index, text) in texts.enumerated() {
            #expect(results[index] == [counting.inner.vector(for: text)])
        }
        // Requests did pile up and go together, two at a time at most: the byte budget is what held them.
        #expect(counting.batches.withLock { $0 }.allSatisfy { $0 <= 2 })
        #expect(counting.batches.withLock { $0 }.contains(2))
        #expect(counting.batches.withLock { $0 }.reduce(0, +) == texts.count)

        // 300 bytes in one request, queued behind a running batch: its own batch, whole.
        async let running = batching.embed([texts[0]])
        try await Task.sleep(for: .milliseconds(10))
        let long = try await batching.embed(Array(texts.suffix(3)))
        _ = try await running
        #expect(long == texts.suffix(3).map { counting.inner.vector(for: $0) })
        #expect(counting.batches.withLock { $0.suffix(2) } == [1, 3])
    }
}

@Suite("Cube access")
struct CubeAccessTests {
    /// Roles by cube for one caller; cubes not listed do not exist.
    struct Accounts: AccountStore {
        var roles: [String: CubeRole?]

        func principal(forAPIKey key: String) async throws -> Principal? { nil }

        func role(of userID: UUID, inCube cubeID: String) async throws -> CubeRole? {
            guard let role = self.roles[cubeID] else { throw MemOSError.notFound("cube '\(cubeID)' does not exist") }
            return role
        }
    }

    static let caller = Principal(userID: UUID(), userName: "u", role: .user, apiKeyID: UUID())
    static let accounts = Accounts(roles: [
        "own": .owner, "shared-w": .writer, "shared-r": .reader, "foreign": CubeRole?.none,
    ])

    static func outcome(_ cubes: [String], _ access: CubeAccess) async -> MemOSError.Code? {
        do {
            try await Self.accounts.authorize(Self.caller, cubes: cubes, for: access)
            return nil
        } catch let error as MemOSError {
            return error.code
        } catch {
            return .internalError
        }
    }

    @Test("owners and writers write, readers only read, strangers nothing, unknown cubes are not found")
    func roles() async {
        #expect(await Self.outcome(["own", "shared-w"], .write) == nil)
        #expect(await Self.outcome(["shared-r"], .read) == nil)
        #expect(await Self.outcome(["shared-r"], .write) == .permissionDenied)
        #expect(await Self.outcome(["foreign"], .read) == .permissionDenied)
        #expect(await Self.outcome(["own", "foreign"], .read) == .permissionDenied)
        #expect(await Self.outcome(["nowhere"], .read) == .notFound)
    }
}

@Suite("Request deadlines")
struct RequestDeadlineTests {
    @Test("grpc-timeout values parse by their unit; malformed ones do not")
    func parse() {
        #expect(RequestDeadline.parseGRPCTimeout("15S") == .seconds(15))
        #expect(RequestDeadline.parseGRPCTimeout("250m") == .milliseconds(250))
        #expect(RequestDeadline.parseGRPCTimeout("99999999H") == .seconds(99_999_999 * 3_600))
        #expect(RequestDeadline.parseGRPCTimeout("5000000u") == .seconds(5))
        for bad in ["", "S", "15", "15s", "-1S", "123456789S", "1.5S"] {
            #expect(RequestDeadline.parseGRPCTimeout(bad) == nil, "\(bad)")
        }
    }

    @Test("a request's deadline comes a tenth before the client's, and never after the server's default")
    func deadline() {
        let now = ContinuousClock.now
        #expect(
            RequestDeadline.forRequest(arrivingAt: now, clientTimeout: nil)
                == now.advanced(by: RequestDeadline.serverDefault)
        )
        #expect(
            RequestDeadline.forRequest(arrivingAt: now, clientTimeout: .seconds(10)) == now.advanced(by: .seconds(9))
        )
        #expect(
            RequestDeadline.forRequest(arrivingAt: now, clientTimeout: .milliseconds(100))
                == now.advanced(by: .milliseconds(50))
        )
        #expect(
            RequestDeadline.forRequest(arrivingAt: now, clientTimeout: .seconds(3_600))
                == now.advanced(by: RequestDeadline.serverDefault)
        )
    }
}
