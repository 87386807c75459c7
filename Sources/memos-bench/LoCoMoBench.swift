import ArgumentParser
import Foundation
import GRPCCore
import MemOSCore
import MemOSEmbedding
import MemOSPostgres
import MemOSProto
import MemOSServer
import SwiftProtobuf

/// LoCoMo retrieval: ingest each conversation into its own cube in fast mode, ask every question of
/// categories 1–4, and score how many of its evidence turns the retrieved memories' sources name.
struct LoCoMoBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "locomo",
        abstract: "Evidence recall on LoCoMo for each retrieval mode and reader window setting."
    )

    @Option(help: "Path of locomo10.json (read in place; never copied).")
    var data = "../shared/data/locomo10.json"
    @Option(help: "PostgreSQL server URL; a fresh database is made and dropped per setting (env MEMOS_DATABASE_URL).")
    var databaseURL: String?
    @Option(help: "Embedder: minilm or feature-hash.")
    var embedder = "minilm"
    @Option(help: "Model folder (default: MEMOS_MODEL_DIR or .local/models/all-MiniLM-L6-v2).")
    var modelDir: String?
    @Option(help: "Reader settings to compare, as windowSize/overlap, comma-separated.")
    var windows = "3/0,4/0"
    @Option(help: "Only the first N conversations (default all 10).")
    var conversations = 10
    @Option(help: "Write the results as JSON to this file too.")
    var json: String?
    @Flag(
        inversion: .prefixedNo,
        help: "Also compute the plain BM25 / MiniLM / RRF baselines (no service, about a minute)."
    )
    var baselines = true
    @Flag(help: "Also fuse the service's vector and keyword lists offline with other weights, to choose the fusion.")
    var fusionGrid = false
    @Option(
        help:
            "Write the features of every hybrid hit (top 20, own cube and another conversation's) as JSON Lines, for scripts/fit-relevance.py."
    )
    var features: String?

    static let ks = [5, 10, 20]
    static let categories = [1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"]

    struct Sample: Decodable {
        struct QA: Decodable {
            var question: String
            var evidence: [String]?
            var category: Int
        }

        var sample_id: String
        var conversation: [String: JSONValue]
        var qa: [QA]

        /// One turn: its dialogue id (the evidence names it), speaker and text.
        struct Turn {
            var id: String
            var speaker: String
            var text: String
        }

        /// The sessions in order, each with its date as written (`1:56 pm on 8 May, 2023`) and its non-empty turns.
        var sessions: [(date: String, turns: [Turn])] {
            var sessions: [(date: String, turns: [Turn])] = []
            var number = 1
            while case .array(let entries) = self.conversation["session_\(number)"] {
                var date = ""
                if case .string(let text) = self.conversation["session_\(number)_date_time"] { date = text }
                let turns = entries.compactMap { entry -> Turn? in
                    guard case .object(let turn) = entry, case .string(let speaker) = turn["speaker"],
                        case .string(let text) = turn["text"], case .string(let id) = turn["dia_id"], !text.isEmpty
                    else { return nil }
                    return Turn(id: id.trimmingCharacters(in: .whitespaces), speaker: speaker, text: text)
                }
                sessions.append((date, turns))
                number += 1
            }
            return sessions
        }
    }

    struct Score: Codable {
        var questions = 0
        var recall: [Int: Double] = [:]
        var hits: [Int: Double] = [:]
        var pieces: [Int: Double] = [:]
    }

    func run() async throws {
        let samples = Array(
            try JSONDecoder().decode([Sample].self, from: Data(contentsOf: URL(fileURLWithPath: self.data))).prefix(
                self.conversations
            )
        )
        guard let url = self.databaseURL ?? ProcessInfo.processInfo.environment["MEMOS_DATABASE_URL"] else {
            throw ValidationError(
                "pass --database-url or set MEMOS_DATABASE_URL (scripts/local-postgres.sh prints one)"
            )
        }
        let server = try DatabaseConfiguration(url: url)
        let folder =
            self.modelDir ?? ProcessInfo.processInfo.environment["MEMOS_MODEL_DIR"]
            ?? EmbedderFactory.defaultModelDirectory
        // The MiniLM tokenizer measures context size whichever embedder runs.
        let miniLM = try MiniLMEmbedder(directory: URL(fileURLWithPath: folder))
        let embedder: any Embedder =
            self.embedder == "minilm" ? MicroBatchingEmbedder(base: miniLM) : FeatureHashingEmbedder()
        let tokenizer = miniLM.tokenizer
        let settings = try self.windows.split(separator: ",").map { pair -> (Int, Int) in
            let parts = pair.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] >= 0, parts[1] < parts[0] else {
                throw ValidationError("--windows takes size/overlap pairs such as 3/1")
            }
            return (parts[0], parts[1])
        }

        var baselineFigures: [LoCoMoBaselines.Figures] = []
        if self.baselines {
            baselineFigures = try await LoCoMoBaselines.run(samples, embedder: miniLM)
        }
        var results: [String: Score] = [:]
        var ingestRates: [String: Double] = [:]
        for (size, overlap) in settings {
            let label = "window \(size)/\(overlap)"
            let cubes = samples.map { "locomo-\($0.sample_id)" }
            try await BenchStack.run(
                server: server,
                embedder: embedder,
                reader: FastReader(windowSize: size, overlap: overlap),
                cubes: cubes
            ) { stack in
                let clock = ContinuousClock()
                let start = clock.now
                var turns = 0
                for (index, sample) in samples.enumerated() {
                    turns += try await Self.ingest(sample, cube: cubes[index], stack: stack)
                    Self.progress("\(label): ingested \(index + 1)/\(samples.count) conversations")
                }
                let seconds = Self.seconds(clock.now - start)
                ingestRates[label] = Double(turns) / seconds
                for mode in [Memos_Retrieval_V1_RetrievalMode.vector, .keyword, .hybrid] {
                    let name = "\(label), \(mode == .vector ? "vector" : mode == .keyword ? "keyword" : "hybrid")"
                    results[name] = try await Self.evaluate(
                        samples,
                        cubes: cubes,
                        mode: mode,
                        stack: stack,
                        tokenizer: tokenizer,
                        label: name
                    )
                }
                if label == "window \(settings[0].0)/\(settings[0].1)" {
                    let relevance = try await LoCoMoRelevance.run(
                        samples,
                        cubes: cubes,
                        stack: stack,
                        features: self.features
                    )
                    FileHandle.standardOutput.write(Data((relevance + "\n").utf8))
                }
                if self.fusionGrid {
                    let grid = try await LoCoMoFusionGrid.run(samples, cubes: cubes, stack: stack, label: label)
                    FileHandle.standardOutput.write(Data((grid + "\n").utf8))  // at once, not at exit
                }
            }
        }
        Self.progress("")
        if self.baselines { print(LoCoMoBaselines.table(baselineFigures) + "\n") }
        print(Self.table(results, ingestRates: ingestRates, embedder: embedder.modelID))
        if let path = self.json {
            let object: [String: Any] = [
                "date": ISO8601DateFormatter().string(from: Date()), "embedder": embedder.modelID,
                "conversations": samples.count,
                "baselines": Dictionary(
                    uniqueKeysWithValues: baselineFigures.map { figure in
                        (
                            figure.label,
                            [
                                "recall": Dictionary(
                                    uniqueKeysWithValues: figure.recall.map { ("\($0.key)", $0.value) }
                                ), "words": figure.words,
                            ]
                        )
                    }
                ),
                "results": results.mapValues { score in
                    [
                        "questions": score.questions,
                        "recall": Dictionary(uniqueKeysWithValues: score.recall.map { ("\($0.key)", $0.value) }),
                        "hit_rate": Dictionary(uniqueKeysWithValues: score.hits.map { ("\($0.key)", $0.value) }),
                        "pieces": Dictionary(uniqueKeysWithValues: score.pieces.map { ("\($0.key)", $0.value) }),
                    ]
                },
            ]
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(
                to: URL(fileURLWithPath: path)
            )
        }
    }

    /// Sends every session of a conversation with AddMessages; returns the number of turns.
    static func ingest(_ sample: Sample, cube: String, stack: BenchStack) async throws -> Int {
        guard case .string(let speakerA) = sample.conversation["speaker_a"] else { return 0 }
        var turns = 0
        for (index, session) in sample.sessions.enumerated() {
            let time = Self.parseDate(session.date).map { Google_Protobuf_Timestamp(date: $0) }
            let messages: [Memos_Common_V1_ChatMessage] = session.turns.map { turn in
                .with {
                    $0.role = turn.speaker == speakerA ? "user" : "assistant"
                    $0.name = turn.speaker
                    $0.content = turn.text
                    $0.messageID = turn.id
                    if let time { $0.chatTime = time }
                }
            }
            if !messages.isEmpty {
                _ = try await stack.ingest.addMessages(
                    .with {
                        $0.cubeID = cube
                        $0.sessionID = "session_\(index + 1)"
                        $0.messages = messages
                    },
                    metadata: stack.metadata
                )
            }
            turns += messages.count
        }
        return turns
    }

    static func evaluate(
        _ samples: [Sample],
        cubes: [String],
        mode: Memos_Retrieval_V1_RetrievalMode,
        stack: BenchStack,
        tokenizer: WordPieceTokenizer,
        label: String
    ) async throws -> Score {
        var scores: [Int: Score] = [:]
        var total = Score()
        for (index, sample) in samples.enumerated() {
            for qa in sample.qa where Self.categories[qa.category] != nil {
                let evidence = Self.evidence(of: qa)
                if evidence.isEmpty { continue }
                let hits = try await stack.retrieval.search(
                    .with {
                        $0.cubeIds = [cubes[index]]
                        $0.query = qa.question
                        $0.topK = Int32(Self.ks.last!)
                        $0.retrievalMode = mode
                        $0.relativity = 0
                    },
                    metadata: stack.metadata
                ).hits
                total.questions += 1
                scores[qa.category, default: Score()].questions += 1
                for k in Self.ks {
                    let top = hits.prefix(k)
                    let found = Set(top.flatMap { $0.memory.sources.map(\.messageID) })
                    let recall = Double(evidence.intersection(found).count) / Double(evidence.count)
                    let pieces = Double(top.map { tokenizer.countPieces($0.memory.content) }.reduce(0, +))
                    for key in [0, qa.category] {
                        var score = key == 0 ? total : scores[key, default: Score()]
                        score.recall[k, default: 0] += recall
                        score.hits[k, default: 0] += recall > 0 ? 1 : 0
                        score.pieces[k, default: 0] += pieces
                        if key == 0 { total = score } else { scores[key] = score }
                    }
                }
            }
            self.progress("\(label): questions of \(index + 1)/\(samples.count) conversations")
        }
        func averaged(_ score: Score) -> Score {
            var result = score
            let n = Double(max(score.questions, 1))
            result.recall = score.recall.mapValues { $0 / n * 100 }
            result.hits = score.hits.mapValues { $0 / n * 100 }
            result.pieces = score.pieces.mapValues { $0 / n }
            return result
        }
        var result = averaged(total)
        for (category, score) in scores {
            let averagedScore = averaged(score)
            result.recall[1_000 + category] = averagedScore.recall[10]
        }
        return result
    }

    /// The dialogue ids of the turns that answer a question.
    static func evidence(of qa: Sample.QA) -> Set<String> {
        Set((qa.evidence ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    static func table(_ results: [String: Score], ingestRates: [String: Double], embedder: String) -> String {
        var lines = [
            "LoCoMo evidence recall, categories 1–4, embedder \(embedder), on \(Machine.describe())",
            "| setting | questions | R@5 | R@10 | R@20 | hit@10 | word pieces at top 10 | R@10 multi-hop / temporal / open / single |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name in results.keys.sorted() {
            let score = results[name]!
            func f(_ value: Double?) -> String { String(format: "%.1f", value ?? 0) }
            let perCategory = [1, 2, 3, 4].map { f(score.recall[1_000 + $0]) }.joined(separator: " / ")
            lines.append(
                "| \(name) | \(score.questions) | \(f(score.recall[5])) | \(f(score.recall[10])) | \(f(score.recall[20])) | "
                    + "\(f(score.hits[10])) | \(String(format: "%.0f", score.pieces[10] ?? 0)) | \(perCategory) |"
            )
        }
        lines.append("")
        for (label, rate) in ingestRates.sorted(by: { $0.key < $1.key }) {
            lines.append(
                "ingest, \(label): \(String(format: "%.0f", rate)) turns/s through gRPC AddMessages, one session per call"
            )
        }
        return lines.joined(separator: "\n")
    }

    /// "1:56 pm on 8 May, 2023"
    static func parseDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "h:mm a 'on' d MMMM, yyyy"
        return formatter.date(from: text)
    }

    static func progress(_ line: String) {
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
