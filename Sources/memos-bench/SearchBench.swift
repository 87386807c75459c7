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
import NIOCore
import PostgresNIO
import SwiftProtobuf
import Synchronization

/// Search speed through gRPC on synthetic clustered vectors — one cube of N memories, and many memories spread
/// over many cubes — against PostgreSQL alone and, given a server, pgvector's HNSW index.
struct SearchBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract:
            "Search latency and throughput through gRPC, index build rate, and the PostgreSQL and pgvector baselines."
    )

    @Option(help: "PostgreSQL server URL; a fresh database is made and dropped per data set (env MEMOS_DATABASE_URL).")
    var databaseURL: String?
    @Option(help: "Model folder (default: MEMOS_MODEL_DIR or .local/models/all-MiniLM-L6-v2).")
    var modelDir: String?
    @Option(help: "Sizes of one-cube data sets, comma-separated (empty for none).")
    var sizes = "10000,100000"
    @Option(
        help:
            "Memories spread evenly over cubes, as TOTAL/CUBES; each search goes to a random one of the cubes (none to skip)."
    )
    var spread = "1000000/1000"
    @Option(help: "Searches per measurement.")
    var queries = 400
    @Option(help: "Searches for the PostgreSQL-alone baseline (it is slow) and the index's recall.")
    var baselineQueries = 20
    @Option(
        help:
            "A PostgreSQL with pgvector for the HNSW baseline (env MEMOS_PGVECTOR_URL; scripts/pgvector-server.sh prints one)."
    )
    var pgvectorURL: String?
    @Option(help: "Searches per pgvector measurement.")
    var pgvectorQueries = 200
    @Option(help: "Write the figures as JSON to this file too.")
    var json: String?

    static let clusters = 500
    static let concurrencies = [1, 8]

    /// `total` memories spread evenly over `cubes`, in order: the first `perCube` rows in the first cube, and so on.
    struct DataSet: Sendable {
        var name: String
        var total: Int
        var cubes: [String]

        var perCube: Int { self.total / self.cubes.count }
        func cube(ofRow row: Int) -> String { self.cubes[row / self.perCube] }
    }

    /// The benchmark's queries: texts, the vectors the embedder returns for them when embedding is excluded, and
    /// the centres the data's vectors are drawn around.
    struct Workload: Sendable {
        var questions: [String]
        var vectors: [[Float]]
        var centres: [[Float]]
    }

    /// One line of the summary: a latency measurement (milliseconds, searches/s) or a single figure.
    struct Row: Codable, Sendable {
        var data: String
        var measurement: String
        var p50: Double?
        var p95: Double?
        var p99: Double?
        var perSecond: Double?
        var value: Double?
        var unit: String?

        static func figure(_ data: String, _ measurement: String, _ value: Double, _ unit: String) -> Row {
            Row(data: data, measurement: measurement, value: value, unit: unit)
        }

        var line: String {
            if let p50, let p95, let p99, let perSecond {
                return
                    "| \(self.data) | \(self.measurement) | \(format(p50)) / \(format(p95)) / \(format(p99)) | \(format(perSecond)) |"
            }
            let value = self.unit == "" ? String(format: "%.3f", self.value ?? 0) : format(self.value ?? 0)
            return "| \(self.data) | \(self.measurement) | \(value) \(self.unit ?? "") | |"
        }
    }

    struct Report: Codable {
        var machine: String
        var date: String
        /// /proc/loadavg at the start and at the end: other work on the machine inflates every latency.
        var loadAverage: [String]
        var rows: [Row]
    }

    func run() async throws {
        guard let url = self.databaseURL ?? ProcessInfo.processInfo.environment["MEMOS_DATABASE_URL"] else {
            throw ValidationError(
                "pass --database-url or set MEMOS_DATABASE_URL (scripts/local-postgres.sh prints one)"
            )
        }
        let server = try DatabaseConfiguration(url: url)
        let pgvectorURL = self.pgvectorURL ?? ProcessInfo.processInfo.environment["MEMOS_PGVECTOR_URL"]
        let dataSets = try self.dataSets()
        let folder =
            self.modelDir ?? ProcessInfo.processInfo.environment["MEMOS_MODEL_DIR"]
            ?? EmbedderFactory.defaultModelDirectory
        let embedder = PrecomputedEmbedder(
            base: MicroBatchingEmbedder(base: try MiniLMEmbedder(directory: URL(fileURLWithPath: folder)))
        )
        var random = SplitMix64(seed: 42)
        let centres = (0..<Self.clusters).map { _ in random.unitVector(embedder.dimension) }
        let questions = (0..<self.queries).map { index in
            "what does the user remember about " + (0..<3).map { _ in Self.word(&random) }.joined(separator: " ")
                + " (\(index))"
        }
        // Query vectors near the data's clusters, so that the graph is searched as it would be for real data.
        let workload = Workload(
            questions: questions,
            vectors: questions.indices.map { random.near(centres[$0 % Self.clusters], spread: 0.6) },
            centres: centres
        )
        embedder.precomputed.withLock { table in
            for (question, vector) in zip(workload.questions, workload.vectors) { table[question] = vector }
        }
        let started = Machine.loadAverage()
        var rows: [Row] = []
        for dataSet in dataSets {
            let clock = ContinuousClock()
            let start = clock.now
            rows += try await PgvectorBaseline.with(url: pgvectorURL, dimension: embedder.dimension) { pgvector in
                try await BenchStack.run(server: server, embedder: embedder, reader: FastReader(), cubes: dataSet.cubes)
                { stack in
                    try await self.bench(
                        dataSet,
                        workload: workload,
                        embedder: embedder,
                        stack: stack,
                        pgvector: pgvector
                    )
                }
            }
            rows.append(.figure(dataSet.name, "whole run of this data set", Self.seconds(clock.now - start), "s"))
        }
        let report = Report(
            machine: Machine.describe(),
            date: ISO8601DateFormatter().string(from: Date()),
            loadAverage: [started, Machine.loadAverage()],
            rows: rows
        )
        print(
            "Search through gRPC on \(report.machine) (release build), load average \(report.loadAverage.joined(separator: " → "))"
        )
        print("| memories | measurement | p50 / p95 / p99 ms | searches/s |")
        print("|---|---|---|---|")
        for row in rows { print(row.line) }
        if let path = self.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            try encoder.encode(report).write(to: URL(fileURLWithPath: path))
        }
    }

    func dataSets() throws -> [DataSet] {
        var sets = self.sizes.split(separator: ",").map { size -> DataSet? in
            Int(size).map { DataSet(name: "\($0)", total: $0, cubes: ["bench-\($0)"]) }
        }
        if self.spread != "none" {
            let parts = self.spread.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2, parts[1] > 0, parts[0] >= parts[1], parts[0] % parts[1] == 0 else {
                throw ValidationError(
                    "--spread must be TOTAL/CUBES with TOTAL a multiple of CUBES (e.g. 1000000/1000), or none"
                )
            }
            sets.append(
                DataSet(
                    name: "\(parts[0]) in \(parts[1]) cubes",
                    total: parts[0],
                    cubes: (0..<parts[1]).map { "spread-\($0)" }
                )
            )
        }
        guard sets.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--sizes must be whole numbers, comma-separated")
        }
        return sets.compactMap { $0 }
    }

    /// Loads a data set, then measures the index's build, memory, recall and searches, and the baselines.
    func bench(
        _ set: DataSet,
        workload: Workload,
        embedder: PrecomputedEmbedder,
        stack: BenchStack,
        pgvector: PgvectorBaseline?
    ) async throws -> [Row] {
        var rows: [Row] = []
        // Each search goes to a random cube of the set (the one cube, for a one-cube set).
        var random = SplitMix64(seed: UInt64(set.total))
        let targets = workload.questions.indices.map { _ in set.cubes[Int(random.next() % UInt64(set.cubes.count))] }

        let (loadSeconds, pgvectorLoadSeconds) = try await Self.load(
            set,
            centres: workload.centres,
            stack: stack,
            model: embedder.modelID,
            pgvector: pgvector
        )
        rows.append(.figure(set.name, "bulk load by SQL", Double(set.total) / loadSeconds, "memories/s"))
        if let pgvector {
            rows.append(
                .figure(set.name, "pgvector: bulk load by SQL", Double(set.total) / pgvectorLoadSeconds, "memories/s")
            )
            let build = try await pgvector.buildIndex(byCube: set.cubes.count > 1)
            rows.append(
                .figure(
                    set.name,
                    "pgvector: \(PgvectorBaseline.indexDescription) build",
                    Double(set.total) / build,
                    "memories/s"
                )
            )
            rows.append(.figure(set.name, "pgvector: \(PgvectorBaseline.indexDescription) build time", build, "s"))
        }

        // The index loads each cube from PostgreSQL on the cube's first search; eight at a time.
        embedder.usePrecomputed.withLock { $0 = true }
        let clock = ContinuousClock()
        let residentBefore = Machine.residentMegabytes()
        let start = clock.now
        _ = try await Self.concurrently(set.cubes.count, concurrency: 8) { index in
            _ = try await Self.search(workload.questions[0], cube: set.cubes[index], mode: .vector, stack: stack)
        }
        let build = Self.seconds(clock.now - start)
        rows.append(
            .figure(
                set.name,
                "index load from PostgreSQL (first search of each cube)",
                Double(set.total) / build,
                "memories/s"
            )
        )
        rows.append(.figure(set.name, "index load time", build, "s"))
        // Above the HNSW threshold the graph is made in the background; wait for it.
        try await Task.sleep(for: .seconds(1))
        while stack.index.isMakingGraphs { try await Task.sleep(for: .milliseconds(100)) }
        let graph = Self.seconds(clock.now - start) - build
        if graph > 1.5 {
            rows.append(.figure(set.name, "HNSW graph made in the background", Double(set.total) / graph, "memories/s"))
            rows.append(.figure(set.name, "HNSW graph time", graph, "s"))
        }
        let resident = Machine.residentMegabytes()
        rows.append(.figure(set.name, "resident memory of the bench process (index, model, clients)", resident, "MB"))
        rows.append(
            .figure(
                set.name,
                "resident memory growth per memory (index, noisy)",
                (resident - residentBefore) * 1_048_576 / Double(set.total),
                "bytes"
            )
        )

        // Exact answers from PostgreSQL for the recall of the index (vector mode, embedding excluded).
        var found = 0
        var baseline: [Double] = []
        let checked = min(self.baselineQueries, workload.questions.count)
        for index in 0..<checked {
            let sqlStart = clock.now
            let exact = try await Self.sqlSearch(workload.vectors[index], cube: targets[index], stack: stack)
            baseline.append(Self.milliseconds(clock.now - sqlStart))
            let hits = Set(
                try await Self.search(workload.questions[index], cube: targets[index], mode: .vector, stack: stack)
            )
            found += exact.filter(hits.contains).count
        }
        rows.append(.figure(set.name, "index recall@10 against exact SQL", Double(found) / Double(10 * checked), ""))
        rows.append(
            Self.figures(
                set.name,
                "PostgreSQL alone, cosine in SQL, c=1",
                baseline,
                wall: baseline.reduce(0, +) / 1_000
            )
        )
        // The index alone, in this process: the vector side of a search (its 50 candidates), without gRPC,
        // the membership check or the memories' records.
        var nearest: [Double] = []
        for (vector, cube) in zip(workload.vectors, targets) {
            let indexStart = clock.now
            _ = try await stack.index.nearest(vector, in: [cube], k: 50)
            nearest.append(Self.milliseconds(clock.now - indexStart))
        }
        rows.append(
            Self.figures(set.name, "the index alone, 50 nearest, c=1", nearest, wall: nearest.reduce(0, +) / 1_000)
        )

        for (embedding, precomputed) in [("embedding excluded", true), ("MiniLM embedding included", false)] {
            embedder.usePrecomputed.withLock { $0 = precomputed }
            if !precomputed {
                // The embedder alone on the same texts, one at a time, in this run: how much of a search with
                // embedding is the embedding, on the machine as it is during the run.
                let alone = try await EmbedderBench.latencies(embedder.base, workload.questions)
                rows.append(
                    Self.figures(
                        set.name,
                        "the embedder alone on the same queries, c=1",
                        alone.milliseconds,
                        wall: alone.seconds
                    )
                )
            }
            for mode in [Memos_Retrieval_V1_RetrievalMode.vector, .hybrid] {
                for concurrency in Self.concurrencies {
                    let label = "\(mode == .vector ? "vector" : "hybrid"), \(embedding), c=\(concurrency)"
                    rows.append(
                        try await Self.measure(
                            set.name,
                            label,
                            workload.questions,
                            targets: targets,
                            mode: mode,
                            concurrency: concurrency,
                            stack: stack
                        )
                    )
                }
            }
        }
        if let pgvector {
            let count = min(self.pgvectorQueries, workload.questions.count)
            rows += try await pgvector.measure(
                set.name,
                Array(workload.vectors.prefix(count)),
                targets: Array(targets.prefix(count))
            )
        }
        return rows
    }

    /// Inserts the set's memories with vectors around the centres in batches of 1,000 rows per statement, and the
    /// same rows into pgvector's table when given; the seconds each took.
    static func load(
        _ set: DataSet,
        centres: [[Float]],
        stack: BenchStack,
        model: String,
        pgvector: PgvectorBaseline?
    ) async throws -> (memories: Double, pgvector: Double) {
        let logger = Logger(label: "memos.bench")
        let author = UUID.random()
        let clock = ContinuousClock()
        var random = SplitMix64(seed: 7)
        var seconds = (memories: 0.0, pgvector: 0.0)
        // The service stores vectors as bytea, which SQL cannot do arithmetic on; the "PostgreSQL alone" baseline
        // reads its own real[] copy of each vector, in the same row.
        try await stack.database.client.query(
            "ALTER TABLE memories ADD COLUMN IF NOT EXISTS bench_vector real[]",
            logger: logger
        )
        for batchStart in stride(from: 0, to: set.total, by: 1_000) {
            let rows = batchStart..<min(batchStart + 1_000, set.total)
            let ids = rows.map { _ in UUID.random() }
            let cubes = rows.map(set.cube(ofRow:))
            let contents = rows.map { row in
                "memory \(row): " + (0..<8).map { _ in Self.word(&random) }.joined(separator: " ")
            }
            let floats = rows.map { row in random.near(centres[row % Self.clusters], spread: 0.6) }
            let vectors = floats.map { "{" + $0.map { String($0) }.joined(separator: ",") + "}" }
            // The stored form (migration 11): each float's big-endian bits, back to back; each row takes its slice.
            var packed = ByteBuffer()
            for value in floats.joined() { packed.writeInteger(value.bitPattern) }
            let bytes = Int32(4 * (floats.first?.count ?? 0))
            let start = clock.now
            try await stack.database.client.query(
                """
                INSERT INTO memories (cube_id, id, author_user_id, memory_type, content, embedding_model, embedding, bench_vector,
                    change_seq)
                SELECT c, i, \(author), 'LongTermMemory', t, \(model), substring(\(packed)::bytea FROM ((o - 1) * \(bytes) + 1)::int FOR \(bytes)),
                    e::real[], 0
                FROM unnest(\(cubes)::text[], \(ids)::uuid[], \(contents)::text[], \(vectors)::text[]) WITH ORDINALITY AS u(c, i, t, e, o)
                """,
                logger: logger
            )
            let loaded = clock.now
            seconds.memories += self.seconds(loaded - start)
            if let pgvector {
                try await pgvector.insert(ids: ids, cubes: cubes, vectors: vectors)
                seconds.pgvector += self.seconds(clock.now - loaded)
            }
        }
        return seconds
    }

    /// Distinct made-up words for contents and questions.
    static let vocabulary = 20_000

    /// One of ``vocabulary`` made-up words ("w" and a base-36 number), so that a word is in a few dozen memories.
    static func word(_ random: inout SplitMix64) -> String {
        "w" + String(random.next() % UInt64(Self.vocabulary), radix: 36)
    }

    /// Memory ids of one search, best first.
    static func search(
        _ query: String,
        cube: String,
        mode: Memos_Retrieval_V1_RetrievalMode,
        stack: BenchStack
    ) async throws -> [String] {
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
            ORDER BY (SELECT sum(a * b) FROM unnest(m.bench_vector, \(vector)::real[]) AS t(a, b)) DESC
            LIMIT 10
            """,
            logger: Logger(label: "memos.bench")
        )
        var ids: [String] = []
        for try await id in rows.decode(UUID.self) { ids.append(id.lowercasedString) }
        return ids
    }

    /// Each question searched once in its target cube, by `concurrency` callers; after 20 searches to warm up.
    static func measure(
        _ data: String,
        _ label: String,
        _ questions: [String],
        targets: [String],
        mode: Memos_Retrieval_V1_RetrievalMode,
        concurrency: Int,
        stack: BenchStack
    ) async throws -> Row {
        for index in questions.indices.prefix(20) {
            _ = try await Self.search(questions[index], cube: targets[index], mode: mode, stack: stack)
        }
        let clock = ContinuousClock()
        let start = clock.now
        let latencies = try await Self.concurrently(questions.count, concurrency: concurrency) { index in
            _ = try await Self.search(questions[index], cube: targets[index], mode: mode, stack: stack)
        }
        return Self.figures(data, label, latencies, wall: Self.seconds(clock.now - start))
    }

    /// Runs `body` for 0..<count with `concurrency` callers (caller k takes k, k + concurrency, ...); the
    /// milliseconds each call took.
    static func concurrently(
        _ count: Int,
        concurrency: Int,
        _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws -> [Double] {
        let clock = ContinuousClock()
        return try await withThrowingTaskGroup(of: [Double].self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var latencies: [Double] = []
                    for index in stride(from: worker, to: count, by: concurrency) {
                        let begin = clock.now
                        try await body(index)
                        latencies.append(Self.milliseconds(clock.now - begin))
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    static func figures(_ data: String, _ label: String, _ latencies: [Double], wall: Double) -> Row {
        let sorted = latencies.sorted()
        func percentile(_ p: Int) -> Double { sorted[min(sorted.count - 1, sorted.count * p / 100)] }
        return Row(
            data: data,
            measurement: label,
            p50: percentile(50),
            p95: percentile(95),
            p99: percentile(99),
            perSecond: Double(sorted.count) / wall
        )
    }

    static func milliseconds(_ duration: Duration) -> Double { EmbedderBench.milliseconds(duration) }
    static func seconds(_ duration: Duration) -> Double { self.milliseconds(duration) / 1_000 }
}

/// A figure with three significant digits or so.
private func format(_ value: Double) -> String {
    String(format: value >= 100 ? "%.0f" : value >= 10 ? "%.1f" : "%.2f", value)
}

/// The service's embedder (MiniLM behind the micro-batcher, as `memos` runs it), or a vector computed in advance
/// for a known query text when ``usePrecomputed`` is set, so that the same searches can be timed with and without
/// the query's embedding.
final class PrecomputedEmbedder: Embedder {
    let base: any Embedder
    let precomputed = Mutex<[String: [Float]]>([:])
    let usePrecomputed = Mutex(false)

    init(base: any Embedder) {
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
