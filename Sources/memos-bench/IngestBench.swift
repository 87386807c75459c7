import ArgumentParser
import Foundation
import GRPCCore
import MemOSCore
import MemOSEmbedding
import MemOSPostgres
import MemOSProto
import MemOSServer
import SwiftProtobuf
import Synchronization

/// Write-path figures through gRPC: fast-mode AddMessages beside the embedder's own throughput on the same
/// texts, AddMemories of pre-embedded memories (an import), and deleting 10,000 memories in one request.
struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Ingest throughput (fast mode and pre-embedded import) and bulk delete, through gRPC."
    )

    @Option(help: "PostgreSQL server URL; a fresh database is made and dropped (env MEMOS_DATABASE_URL).")
    var databaseURL: String?
    @Option(help: "Model folder (default: MEMOS_MODEL_DIR or .local/models/all-MiniLM-L6-v2).")
    var modelDir: String?
    @Option(help: "Conversation turns sent in fast mode.")
    var turns = 3_000
    @Option(
        help: """
            Turns per AddMessages request; repeat the option for several sizes (each runs fast mode, the embedder \
            alone before and after it, and the service with constant vectors).
            """
    )
    var turnsPerRequest: [Int] = [30, 100]
    @Option(help: "Pre-embedded memories imported with AddMemories.")
    var importCount = 50_000
    @Option(help: "Memories per AddMemories request.")
    var batch = 500
    @Option(help: "Requests in flight at once.")
    var concurrency = 4
    @Option(help: "Memories deleted by one DeleteMemories request.")
    var deleteCount = 10_000
    @Option(help: "Write the figures as JSON to this file too.")
    var json: String?

    func validate() throws {
        if self.turnsPerRequest.isEmpty { throw ValidationError("--turns-per-request needs at least one size") }
        for size in self.turnsPerRequest where !(1...Limits.maxMessagesPerRequest).contains(size) {
            throw ValidationError("--turns-per-request must be 1–\(Limits.maxMessagesPerRequest), not \(size)")
        }
        if self.turns < 1 || self.concurrency < 1 || self.batch < 1 {
            throw ValidationError("--turns, --concurrency and --batch must be at least 1")
        }
    }

    /// Fast mode at one request size beside the embedder alone on the same windows.
    struct FastModeRun {
        var turnsPerRequest: Int
        var turns: Int
        var requests: Int
        var windows: Int
        var memoriesMade: Int
        var seconds: Double
        /// The embedder alone on the same windows, batched as ingest batches them: before and after fast mode
        /// (this machine's speed drifts from minute to minute; the mean of the two is the reference).
        var embedSecondsBefore: Double
        var embedSecondsAfter: Double
        /// Time the embedder spent embedding inside fast mode, and the texts it embedded.
        var busySeconds: Double
        var busyTexts: Int
        /// The same requests with constant vectors in place of the model (the service's own work).
        var bareMemories: Int
        var bareSeconds: Double
        var bareCPUSeconds: Double

        var embedRate: Double { Double(self.windows) / ((self.embedSecondsBefore + self.embedSecondsAfter) / 2) }
        var memoryRate: Double { Double(self.memoriesMade) / self.seconds }
        var share: Double { self.memoryRate / self.embedRate }

        var json: [String: Double] {
            [
                "turns_per_request": Double(self.turnsPerRequest), "turns": Double(self.turns),
                "requests": Double(self.requests), "windows": Double(self.windows),
                "memories_made": Double(self.memoriesMade), "fast_seconds": self.seconds,
                "embed_seconds_before": self.embedSecondsBefore, "embed_seconds_after": self.embedSecondsAfter,
                "embedder_busy_seconds": self.busySeconds, "embedder_busy_texts": Double(self.busyTexts),
                "bare_memories": Double(self.bareMemories), "bare_seconds": self.bareSeconds,
                "bare_cpu_seconds": self.bareCPUSeconds, "share_of_embedder": self.share,
            ]
        }
    }

    func run() async throws {
        guard let url = self.databaseURL ?? ProcessInfo.processInfo.environment["MEMOS_DATABASE_URL"] else {
            throw ValidationError(
                "pass --database-url or set MEMOS_DATABASE_URL (scripts/local-postgres.sh prints one)"
            )
        }
        let folder =
            self.modelDir ?? ProcessInfo.processInfo.environment["MEMOS_MODEL_DIR"]
            ?? EmbedderFactory.defaultModelDirectory
        let minilm = try MiniLMEmbedder(directory: URL(fileURLWithPath: folder))
        let busy = BusyEmbedder(base: minilm)
        let embedder = MicroBatchingEmbedder(base: busy)
        let reader = FastReader()
        _ = try await minilm.embed(Array(repeating: "A warm-up text for the model.", count: 4))

        let server = try DatabaseConfiguration(url: url, maxConnections: 16)
        let sizes = Self.distinct(self.turnsPerRequest)
        let cubes = ["import", "erase"] + sizes.flatMap { ["chat-\($0)", "bare-\($0)"] }
        let (runs, figures) = try await BenchStack.run(server: server, embedder: embedder, reader: reader, cubes: cubes)
        { stack in
            var runs: [FastModeRun] = []
            for size in sizes {
                runs.append(
                    try await self.fastMode(
                        turnsPerRequest: size,
                        stack: stack,
                        minilm: minilm,
                        busy: busy,
                        reader: reader
                    )
                )
            }

            // Import of pre-embedded memories.
            let vectors = Self.vectors(count: 1_024, dimension: minilm.dimension)
            let imports = stride(from: 0, to: self.importCount, by: self.batch).map { start in
                (start..<min(start + self.batch, self.importCount)).map { index in
                    Memos_Ingest_V1_MemoryInput.with {
                        $0.content =
                            "Imported memory number \(index): \(EmbedderBench.sentences[index % EmbedderBench.sentences.count])"
                        $0.embedding = vectors[index % vectors.count]
                        $0.embeddingModel = minilm.modelID
                        $0.tags = ["import"]
                    }
                }
            }
            let importStart = ContinuousClock.now
            let importCPUStart = Machine.busyCPUSeconds()
            try await Self.inParallel(imports, concurrency: self.concurrency, label: "import") { items in
                // An importer holds the memories already: it asks for their ids only.
                _ = try await stack.ingest.addMemories(
                    .with {
                        $0.cubeID = "import"
                        $0.idsOnly = true
                        $0.items = items
                    },
                    metadata: stack.metadata
                )
                return 0
            } collect: { _ in
            }
            let importSeconds = LoCoMoBench.seconds(ContinuousClock.now - importStart)
            let importCPU: Double =
                if let start = importCPUStart, let end = Machine.busyCPUSeconds() { end - start } else { .nan }

            // Bulk delete: soft, then hard, of the same memories.
            let erase = Array(imports.joined().prefix(self.deleteCount))
            for start in stride(from: 0, to: erase.count, by: self.batch) {
                _ = try await stack.ingest.addMemories(
                    .with {
                        $0.cubeID = "erase"
                        $0.items = Array(erase[start..<min(start + self.batch, erase.count)])
                    },
                    metadata: stack.metadata
                )
            }
            func delete(hard: Bool) async throws -> (Int64, Double) {
                let start = ContinuousClock.now
                let response = try await stack.ingest.deleteMemories(
                    .with {
                        $0.cubeID = "erase"
                        $0.wholeCube = true
                        $0.hard = hard
                    },
                    metadata: stack.metadata
                )
                return (response.deletedCount, LoCoMoBench.seconds(ContinuousClock.now - start))
            }
            let soft = try await delete(hard: false)
            let hard = try await delete(hard: true)
            LoCoMoBench.progress("")
            let figures: [String: Double] = [
                "imported": Double(self.importCount), "import_seconds": importSeconds, "import_cpu_seconds": importCPU,
                "soft_deleted": Double(soft.0), "soft_delete_seconds": soft.1,
                "hard_deleted": Double(hard.0), "hard_delete_seconds": hard.1,
            ]
            return (runs, figures)
        }

        let machine = Machine.describe()
        let f = figures
        func format(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }
        var lines = [
            "Ingest through gRPC on \(machine), \(Date().formatted(.iso8601)); concurrency \(self.concurrency)",
            "",
            "Fast mode, \(self.turns) turns at each request size, beside the embedder alone on the same windows:",
            "",
            "| turns per request | fast mode | the embedder alone (before / after) | fast mode reaches | embedder inside fast mode | the service with constant vectors |",
            "|---|---|---|---|---|---|",
        ]
        for run in runs {
            let embedAlone =
                "\(format(run.embedRate)) texts/s (\(format(Double(run.windows) / run.embedSecondsBefore)) / "
                + "\(format(Double(run.windows) / run.embedSecondsAfter))), \(format(2e6 / run.embedRate)) µs of two cores each"
            let inside =
                "busy \(format(100 * run.busySeconds / run.seconds))%, \(format(Double(run.busyTexts) / run.busySeconds)) texts/s"
            let bare =
                "\(format(Double(run.bareMemories) / run.bareSeconds)) memories/s; CPU \(format(1e6 * run.bareCPUSeconds / Double(run.bareMemories))) µs "
                + "per memory, \(format(1e3 * run.bareCPUSeconds / Double(run.requests), 2)) ms per request"
            lines.append(
                "| \(run.turnsPerRequest) (\(format(Double(run.windows) / Double(run.requests), 1)) windows) "
                    + "| \(format(run.memoryRate)) memories/s, \(format(Double(run.turns) / run.seconds)) messages/s "
                    + "| \(embedAlone) | **\(format(100 * run.share))%** | \(inside) | \(bare) |"
            )
        }
        lines += [
            "",
            "| workload | figure |",
            "|---|---|",
            "| import: \(self.importCount) pre-embedded memories, \(self.batch) per request | \(format(f["imported"]! / f["import_seconds"]!)) memories/s, \(format(1e6 * f["import_cpu_seconds"]! / f["imported"]!)) µs of machine CPU each |",
            "| soft delete of \(format(f["soft_deleted"]!)) memories, one request | \(format(f["soft_delete_seconds"]! * 1_000)) ms |",
            "| hard delete of the same \(format(f["hard_deleted"]!)), one request | \(format(f["hard_delete_seconds"]! * 1_000)) ms |",
        ]
        print(lines.joined(separator: "\n"))
        if let path = self.json {
            var output: [String: Any] = f
            output["fast_mode"] = runs.map(\.json)
            output["concurrency"] = self.concurrency
            output["machine"] = machine
            output["date"] = ISO8601DateFormatter().string(from: Date())
            try JSONSerialization.data(withJSONObject: output, options: [.prettyPrinted, .sortedKeys])
                .write(to: URL(fileURLWithPath: path))
        }
    }

    /// Fast-mode ingest of `turns` at `turnsPerRequest` into its own cube, the embedder alone on the same windows
    /// before and after, and the same requests with constant vectors in place of the model.
    func fastMode(
        turnsPerRequest: Int,
        stack: BenchStack,
        minilm: MiniLMEmbedder,
        busy: BusyEmbedder,
        reader: FastReader
    ) async throws -> FastModeRun {
        let requests = Self.conversation(turns: self.turns, perRequest: turnsPerRequest)
        // The embedder alone, on exactly the texts ingest will embed, batched as ingest batches them.
        let windowTexts = requests.map { turns in
            reader.windows(of: turns.map { StoredMessage(message: $0, sessionID: "s") }, budget: minilm.maxInputTokens)
            {
                minilm.tokenCount($0)
            }.map(\.text)
        }
        @Sendable func embedAlone() async throws -> Double {
            let start = ContinuousClock.now
            for texts in windowTexts { _ = try await minilm.embed(texts) }
            return LoCoMoBench.seconds(ContinuousClock.now - start)
        }
        /// Every request into `cube`: the memories made, the seconds and the machine's CPU seconds it took.
        func ingest(into cube: String, label: String) async throws -> (made: Int, seconds: Double, cpu: Double) {
            let start = ContinuousClock.now
            let cpuStart = Machine.busyCPUSeconds()
            var made = 0
            try await Self.inParallel(requests, concurrency: self.concurrency, label: label) { turns in
                let response = try await stack.ingest.addMessages(
                    .with {
                        $0.cubeID = cube
                        $0.sessionID = "bench"
                        $0.messages = turns.map { turn in
                            .with {
                                $0.role = turn.role
                                $0.content = turn.content
                                $0.messageID = turn.messageID
                            }
                        }
                    },
                    metadata: stack.metadata
                )
                return response.memories.count
            } collect: {
                made += $0
            }
            let cpu: Double = if let cpuStart, let end = Machine.busyCPUSeconds() { end - cpuStart } else { .nan }
            return (made, LoCoMoBench.seconds(ContinuousClock.now - start), cpu)
        }

        let embedBefore = try await embedAlone()
        let busyBefore = busy.total
        let fast = try await ingest(
            into: "chat-\(turnsPerRequest)",
            label: "fast ingest, \(turnsPerRequest) turns a request"
        )
        let busyAfter = busy.total
        let embedAfter = try await embedAlone()
        // The service's own work per memory (gRPC, reading the windows, PostgreSQL, the response), which the
        // embedder shares the cores with.
        busy.bypassesModel = true
        defer { busy.bypassesModel = false }
        let bare = try await ingest(into: "bare-\(turnsPerRequest)", label: "the same without the model")
        return FastModeRun(
            turnsPerRequest: turnsPerRequest,
            turns: self.turns,
            requests: requests.count,
            windows: windowTexts.map(\.count).reduce(0, +),
            memoriesMade: fast.made,
            seconds: fast.seconds,
            embedSecondsBefore: embedBefore,
            embedSecondsAfter: embedAfter,
            busySeconds: busyAfter.seconds - busyBefore.seconds,
            busyTexts: busyAfter.texts - busyBefore.texts,
            bareMemories: bare.made,
            bareSeconds: bare.seconds,
            bareCPUSeconds: bare.cpu
        )
    }

    /// `values` in their order, each once.
    static func distinct(_ values: [Int]) -> [Int] {
        var seen = Set<Int>()
        return values.filter { seen.insert($0).inserted }
    }

    /// Turns alternating user/assistant, grouped into requests.
    static func conversation(turns: Int, perRequest: Int) -> [[ChatMessage]] {
        let all = (0..<turns).map { index in
            ChatMessage(
                role: index % 2 == 0 ? "user" : "assistant",
                content: EmbedderBench.sentences[index % EmbedderBench.sentences.count]
                    + " That was on day \(index / 10).",
                messageID: "T\(index)"
            )
        }
        return stride(from: 0, to: all.count, by: perRequest).map { Array(all[$0..<min($0 + perRequest, all.count)]) }
    }

    /// Deterministic unit vectors.
    static func vectors(count: Int, dimension: Int) -> [[Float]] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            VectorMath.normalized(
                (0..<dimension).map { _ in
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    return Float(Int64(bitPattern: state >> 11) % 2_000) / 1_000 - 1
                }
            )
        }
    }

    /// Runs `work` over `items` with at most `concurrency` in flight, showing progress.
    static func inParallel<Item: Sendable, Output: Sendable>(
        _ items: [Item],
        concurrency: Int,
        label: String,
        _ work: @escaping @Sendable (Item) async throws -> Output,
        collect: (Output) -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Output.self) { group in
            var next = 0
            var done = 0
            while next < min(concurrency, items.count) {
                let item = items[next]
                group.addTask { try await work(item) }
                next += 1
            }
            while let output = try await group.next() {
                collect(output)
                done += 1
                LoCoMoBench.progress("\(label): \(done)/\(items.count) requests")
                if next < items.count {
                    let item = items[next]
                    group.addTask { try await work(item) }
                    next += 1
                }
            }
        }
    }
}

/// The time an embedder spends embedding, and the texts it embeds: in fast mode the micro-batcher calls it one
/// batch at a time, so this tells gaps between batches (busy below 100 % of the time) from batches that run
/// slower beside the rest of the service (a lower rate while busy than alone).
final class BusyEmbedder: Embedder {
    let base: any Embedder
    private let spent = Mutex((seconds: 0.0, texts: 0))
    private let bypass = Atomic(false)

    /// Returns constant unit vectors instead of embedding (and counts nothing).
    var bypassesModel: Bool {
        get { self.bypass.load(ordering: .relaxed) }
        set { self.bypass.store(newValue, ordering: .relaxed) }
    }

    init(base: any Embedder) { self.base = base }

    var modelID: String { self.base.modelID }
    var dimension: Int { self.base.dimension }
    var maxInputTokens: Int? { self.base.maxInputTokens }
    func tokenCount(_ text: String) -> Int? { self.base.tokenCount(text) }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        if self.bypassesModel {
            let constant = [Float](repeating: 1 / Float(self.dimension).squareRoot(), count: self.dimension)
            return texts.map { _ in constant }
        }
        let start = ContinuousClock.now
        defer {
            let seconds = LoCoMoBench.seconds(ContinuousClock.now - start)
            self.spent.withLock { $0 = ($0.seconds + seconds, $0.texts + texts.count) }
        }
        return try await self.base.embed(texts)
    }

    var total: (seconds: Double, texts: Int) { self.spent.withLock { $0 } }
}
