import ArgumentParser
import Foundation
import GRPCCore
import Logging
import MemOSCore
import MemOSEmbedding
import MemOSPostgres
import MemOSProto
import MemOSRetrieval
import MemOSServer
import PostgresNIO
import SwiftProtobuf
import Synchronization

/// Search speed through gRPC on a cube of N memories with synthetic clustered vectors, against PostgreSQL alone.
struct SearchBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search latency and throughput through gRPC, index build rate, and the PostgreSQL-alone baseline."
    )

    @Option(help: "PostgreSQL server URL; a fresh database is made and dropped per size (env MEMOS_DATABASE_URL).")
    var databaseURL: String?
    @Option(help: "Model folder (default: MEMOS_MODEL_DIR or .local/models/all-MiniLM-L6-v2).")
    var modelDir: String?
    @Option(help: "Cube sizes, comma-separated.")
    var sizes = "10000,100000"
    @Option(help: "Searches per measurement.")
    var queries = 400
    @Option(help: "Searches for the PostgreSQL-alone baseline (it is slow).")
    var baselineQueries = 20
    @Option(help: "Write the figures as JSON to this file too.")
    var json: String?

    static let clusters = 500
    static let concurrencies = [1, 8]

    struct Figures: Codable {
        var label: String
        var p50: Double
        var p95: Double
        var p99: Double
        var perSecond: Double
    }

    func run() async throws {
        guard let url = self.databaseURL ?? ProcessInfo.processInfo.environment["MEMOS_DATABASE_URL"] else {
            throw ValidationError("pass --database-url or set MEMOS_DATABASE_URL (scripts/local-postgres.sh prints one)")
        }
        let server = try DatabaseConfiguration(url: url)
        let folder = self.modelDir ?? ProcessInfo.processInfo.environment["MEMOS_MODEL_DIR"] ?? EmbedderFactory.defaultModelDirectory
        let embedder = PrecomputedEmbedder(base: try MiniLMEmbedder(directory: URL(fileURLWithPath: folder)))
        var random = SplitMix64(seed: 42)
        let centres = (0..<Self.clusters).map { _ in random.unitVector(embedder.dimension) }
        let questions = (0..<self.queries).map { index in
            "what does the user remember about " + (0..<3).map { _ in Self.word(&random) }.joined(separator: " ") + " (\(index))"
        }
        // Query vectors near the data's clusters, so that the graph is searched as it would be for real data.
        let questionVectors = questions.indices.map { random.near(centres[$0 % Self.clusters], spread: 0.6) }
        embedder.precomputed.withLock { table in
            for (question, vector) in zip(questions, questionVectors) { table[question] = vector }
        }
        var lines: [String] = []
        var figures: [Figures] = []
        for size in self.sizes.split(separator: ",").compactMap({ Int($0) }) {
            let cube = "bench-\(size)"
            try await BenchStack.run(server: server, embedder: embedder, reader: FastReader(), cubes: [cube]) { stack in
                let loadSeconds = try await Self.load(size, cube: cube, centres: centres, stack: stack, random: &random, model: embedder.modelID)
                lines.append("| \(size) | bulk load by SQL | \(Self.format(Double(size) / loadSeconds)) memories/s |")
                let clock = ContinuousClock()
                let residentBefore = Machine.residentMegabytes()
                let start = clock.now
                _ = try await Self.search(questions[0], cube: cube, mode: .vector, stack: stack)
                let build = Self.seconds(clock.now - start)
                lines.append("| \(size) | index load from PostgreSQL (first search) | \(Self.format(Double(size) / build)) memories/s (\(Self.format(build)) s) |")
                // Above the HNSW threshold the graph is made in the background; wait for it.
                try await Task.sleep(for: .seconds(1))
                while stack.index.isMakingGraphs { try await Task.sleep(for: .milliseconds(100)) }
                let graph = Self.seconds(clock.now - start) - build
                if graph > 1.5 {
                    lines.append("| \(size) | HNSW graph made in the background | \(Self.format(Double(size) / graph)) memories/s (\(Self.format(graph)) s) |")
                }
                let grown = (Machine.residentMegabytes() - residentBefore) * 1_048_576 / Double(size)
                lines.append("| \(size) | resident memory growth per memory (index, noisy) | \(Self.format(grown)) bytes |")

                // Exact answers from PostgreSQL for the recall of the index (vector mode, embedding excluded).
                embedder.usePrecomputed.withLock { $0 = true }
                var found = 0
                var baseline: [Double] = []
                for question in questions.prefix(self.baselineQueries) {
                    let vector = questionVectors[questions.firstIndex(of: question)!]
                    let sqlStart = clock.now
                    let exact = try await Self.sqlSearch(vector, cube: cube, stack: stack)
                    baseline.append(Self.milliseconds(clock.now - sqlStart))
                    let hits = Set(try await Self.search(question, cube: cube, mode: .vector, stack: stack))
                    found += exact.filter(hits.contains).count
                }
                let recall = Double(found) / Double(10 * min(self.baselineQueries, questions.count))
                lines.append("| \(size) | index recall@10 against exact SQL | \(String(format: "%.3f", recall)) |")
                let sql = Self.figures("PostgreSQL alone, cosine in SQL, c=1", baseline, wall: baseline.reduce(0, +) / 1_000)
                figures.append(sql)
                lines.append(Self.row(size, sql))

                for (embedding, precomputed) in [("embedding excluded", true), ("MiniLM embedding included", false)] {
                    embedder.usePrecomputed.withLock { $0 = precomputed }
                    for mode in [Memos_Retrieval_V1_RetrievalMode.vector, .hybrid] {
                        for concurrency in Self.concurrencies {
                            let label = "\(mode == .vector ? "vector" : "hybrid"), \(embedding), c=\(concurrency)"
                            let measured = try await Self.measure(label, questions, cube: cube, mode: mode, concurrency: concurrency, stack: stack)
                            figures.append(measured)
                            lines.append(Self.row(size, measured))
                        }
                    }
                }
            }
        }
        print("Search through gRPC on \(Machine.describe()) (release build)")
        print("| memories | measurement | p50 / p95 / p99 ms | searches/s |")
        print("|---|---|---|---|")
        for line in lines { print(line) }
        if let path = self.json {
            try JSONEncoder().encode(figures).write(to: URL(fileURLWithPath: path))
        }
    }

    /// Inserts `count` memories with vectors around the centres in batches of 1,000 rows per statement.
    static func load(
        _ count: Int, cube: String, centres: [[Float]], stack: BenchStack, random: inout SplitMix64, model: String
    ) async throws -> Double {
        let logger = Logger(label: "memos.bench")
        let author = UUID()
        let clock = ContinuousClock()
        let start = clock.now
        for batchStart in stride(from: 0, to: count, by: 1_000) {
            let rows = batchStart..<min(batchStart + 1_000, count)
            let contents = rows.map { row in "memory \(row): " + (0..<8).map { _ in Self.word(&random) }.joined(separator: " ") }
            let vectors = rows.map { row in
                "{" + random.near(centres[row % Self.clusters], spread: 0.6).map { String($0) }.joined(separator: ",") + "}"
            }
            try await stack.database.client.query(
                """
                INSERT INTO memories (cube_id, id, author_user_id, memory_type, content, embedding_model, embedding, change_seq)
                SELECT \(cube), gen_random_uuid(), \(author), 'LongTermMemory', c, \(model), e::real[], 0
                FROM unnest(\(contents)::text[], \(vectors)::text[]) AS u(c, e)
                """,
                logger: logger
            )
        }
        return self.seconds(clock.now - start)
    }

    /// Distinct made-up words for contents and questions.
    static let vocabulary = 20_000

    /// One of ``vocabulary`` made-up words ("w" and a base-36 number), so that a word is in a few dozen memories.
    static func word(_ random: inout SplitMix64) -> String {
        "w" + String(random.next() % UInt64(Self.vocabulary), radix: 36)
    }

    /// Memory ids of one search, best first.
    static func search(_ query: String, cube: String, mode: Memos_Retrieval_V1_RetrievalMode, stack: BenchStack) async throws -> [String] {
        try await stack.retrieval.search(
            .with {
                $0.cubeIds = [cube]
                $0.query = query
                $0.retrievalMode = mode
                $0.relativity = 0
                $0.dedup = .none
            },
            metadata: stack.metadata
        ).hits.map(\.memory.id)
    }

    /// The exact top 10 by cosine computed in SQL over the stored vectors.
    static func sqlSearch(_ vector: [Float], cube: String, stack: BenchStack) async throws -> [String] {
        let rows = try await stack.database.client.query(
            """
            SELECT m.id FROM memories m
            WHERE m.cube_id = \(cube) AND m.status = 'activated'
            ORDER BY (SELECT sum(a * b) FROM unnest(m.embedding, \(vector)::real[]) AS t(a, b)) DESC
            LIMIT 10
            """,
            logger: Logger(label: "memos.bench")
        )
        var ids: [String] = []
        for try await id in rows.decode(UUID.self) { ids.append(id.uuidString.lowercased()) }
        return ids
    }

    static func measure(
        _ label: String, _ questions: [String], cube: String, mode: Memos_Retrieval_V1_RetrievalMode, concurrency: Int,
        stack: BenchStack
    ) async throws -> Figures {
        for question in questions.prefix(20) { _ = try await Self.search(question, cube: cube, mode: mode, stack: stack) }
        let clock = ContinuousClock()
        let start = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var latencies: [Double] = []
                    for index in stride(from: worker, to: questions.count, by: concurrency) {
                        let begin = clock.now
                        _ = try await Self.search(questions[index], cube: cube, mode: mode, stack: stack)
                        latencies.append(Self.milliseconds(clock.now - begin))
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return Self.figures(label, latencies, wall: Self.seconds(clock.now - start))
    }

    static func figures(_ label: String, _ latencies: [Double], wall: Double) -> Figures {
        let sorted = latencies.sorted()
        func percentile(_ p: Int) -> Double { sorted[min(sorted.count - 1, sorted.count * p / 100)] }
        return Figures(label: label, p50: percentile(50), p95: percentile(95), p99: percentile(99), perSecond: Double(sorted.count) / wall)
    }

    static func row(_ size: Int, _ figures: Figures) -> String {
        "| \(size) | \(figures.label) | \(Self.format(figures.p50)) / \(Self.format(figures.p95)) / \(Self.format(figures.p99)) | \(Self.format(figures.perSecond)) |"
    }

    static func format(_ value: Double) -> String {
        String(format: value >= 100 ? "%.0f" : value >= 10 ? "%.1f" : "%.2f", value)
    }

    static func milliseconds(_ duration: Duration) -> Double { EmbedderBench.milliseconds(duration) }
    static func seconds(_ duration: Duration) -> Double { self.milliseconds(duration) / 1_000 }
}

/// MiniLM, or a vector computed in advance for a known query text when ``usePrecomputed`` is set, so that the
/// same searches can be timed with and without the query's embedding.
final class PrecomputedEmbedder: Embedder {
    let base: MiniLMEmbedder
    let precomputed = Mutex<[String: [Float]]>([:])
    let usePrecomputed = Mutex(false)

    init(base: MiniLMEmbedder) {
        self.base = base
    }

    var modelID: String { self.base.modelID }
    var dimension: Int { self.base.dimension }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        if self.usePrecomputed.withLock({ $0 }) {
            let known = self.precomputed.withLock { table in texts.compactMap { table[$0] } }
            if known.count == texts.count { return known }
        }
        return try await self.base.embed(texts)
    }
}

extension SplitMix64 {
    mutating func unitVector(_ dimension: Int) -> [Float] {
        VectorMath.normalized((0..<dimension).map { _ in self.symmetricUnit() })
    }

    /// A unit vector around `centre` (a unit vector), with uniform noise of size `spread` per coordinate.
    mutating func near(_ centre: [Float], spread: Float) -> [Float] {
        let scale = Float(centre.count).squareRoot() / 2
        return VectorMath.normalized(centre.map { $0 * scale + spread * self.symmetricUnit() })
    }
}
