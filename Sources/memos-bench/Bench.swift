import ArgumentParser
import Foundation
import MemOSCore
import MemOSEmbedding

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memos-bench",
        abstract: "Speed figures for MemOS-Swift. Build with -c release; run on a quiet machine.",
        subcommands: [
            EmbedderBench.self, LoCoMoBench.self, IngestBench.self, SearchBench.self, QueueBench.self,
            GatewayBench.self, DocumentsBench.self,
        ]
    )
}

/// Built-in MiniLM embedder: throughput at batch 32 for short texts and 128-piece passages, single-query latency.
struct EmbedderBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embedder",
        abstract: "Benchmarks the MiniLM embedder."
    )

    @Option(help: "Model folder (default: MEMOS_MODEL_DIR or .local/models/all-MiniLM-L6-v2).")
    var modelDir: String?
    @Option(help: "Texts per throughput run.")
    var texts = 1_000
    @Option(help: "Single-query repetitions.")
    var queries = 300
    @Option(help: "Write the figures as JSON to this file too.")
    var json: String?

    static let sentences = [
        "The user's dog is named Max.", "Alice moved to Lisbon last spring.", "Bob plays the cello on weekends.",
        "The quarterly report is due on Friday.", "She prefers window seats on long flights.",
        "We met at the climbing gym in March.", "His favourite food is spicy ramen with egg.",
        "The meeting was moved to Tuesday afternoon.", "They adopted a grey cat called Miso.",
        "The user is allergic to peanuts and shellfish.", "Caroline went to an LGBTQ support group yesterday.",
        "Melanie painted a sunrise over the lake last year.",
    ]

    func run() async throws {
        let folder =
            self.modelDir ?? ProcessInfo.processInfo.environment["MEMOS_MODEL_DIR"] ?? ".local/models/all-MiniLM-L6-v2"
        let before = Machine.residentMegabytes()
        let embedder = try MiniLMEmbedder(directory: URL(fileURLWithPath: folder))
        let modelMemory = Machine.residentMegabytes() - before
        let short = (0..<self.texts).map { Self.sentences[$0 % Self.sentences.count] + " (\($0))" }
        let passages = (0..<self.texts).map { index in
            var passage = ""
            var sentence = index
            while embedder.tokenizer.countPieces(passage) < 126 {
                passage += Self.sentences[sentence % Self.sentences.count] + " "
                sentence += 1
            }
            return passage
        }
        let shortPieces = Double(short.map(embedder.tokenizer.countPieces).reduce(0, +)) / Double(short.count)
        let passagePieces =
            Double(passages.map { min(254, embedder.tokenizer.countPieces($0)) }.reduce(0, +)) / Double(passages.count)

        // Tokenising alone (the fast reader counts every line's word pieces to size its windows).
        let tokenizeStart = ContinuousClock.now
        var tokenized = 0
        for _ in 0..<4 { tokenized += passages.map(embedder.tokenizer.countPieces).reduce(0, +) }
        let tokenizeRate = Double(tokenized) / LoCoMoBench.seconds(ContinuousClock.now - tokenizeStart)

        _ = try await embedder.embed(Array(short.prefix(64)))  // warm-up
        let shortRate = try await Self.throughput(embedder, short)
        let passageRate = try await Self.throughput(embedder, Array(passages.prefix(max(self.texts / 4, 32))))

        // One query at a time: a short one, and a question as long as the search benchmark's (21 word pieces).
        let shortQuery = { (index: Int) in "what is my dog called? \(index)" }
        let question = { (index: Int) in
            "when did caroline go to the lgbtq support group with her friends from the climbing gym? \(index)"
        }
        let (p50, p99) = try await Self.latency(embedder, self.queries, shortQuery)
        let (questionP50, questionP99) = try await Self.latency(embedder, self.queries, question)
        // The same at a search's pace: the cores go idle for a few milliseconds before each question.
        let (pacedP50, pacedP99) = try await Self.latency(embedder, self.queries, question, gap: .milliseconds(3))
        let questionPieces = embedder.tokenizer.countPieces(question(100))

        let machine = Machine.describe()
        print(
            """
            MiniLM embedder (all-MiniLM-L6-v2, in-process, OpenBLAS) on \(machine)
            | workload | figure |
            |---|---|
            | short texts (\(String(format: "%.1f", shortPieces)) word pieces avg), batch 32 | \(String(format: "%.0f", shortRate)) texts/s |
            | passages (\(String(format: "%.0f", passagePieces)) word pieces avg), batch 32 | \(String(format: "%.1f", passageRate)) texts/s |
            | one short query, batch 1, p50 / p99 | \(String(format: "%.2f", p50)) / \(String(format: "%.2f", p99)) ms |
            | one \(questionPieces)-piece question, batch 1, p50 / p99 | \(String(format: "%.2f", questionP50)) / \(String(format: "%.2f", questionP99)) ms |
            | the same, 3 ms after the previous one, p50 / p99 | \(String(format: "%.2f", pacedP50)) / \(String(format: "%.2f", pacedP99)) ms |
            | tokenising alone (passages, word pieces counted) | \(String(format: "%.1f", tokenizeRate / 1e6)) million word pieces/s |
            | resident memory added by loading the model | \(String(format: "%.0f", modelMemory)) MB |
            """
        )
        if let path = self.json {
            let figures: [String: Any] = [
                "machine": machine, "date": ISO8601DateFormatter().string(from: Date()),
                "short_texts_per_second": shortRate, "passages_per_second": passageRate,
                "query_p50_ms": p50, "query_p99_ms": p99,
                "question_p50_ms": questionP50, "question_p99_ms": questionP99, "question_pieces": questionPieces,
                "paced_question_p50_ms": pacedP50, "paced_question_p99_ms": pacedP99,
                "short_pieces_avg": shortPieces, "tokenized_pieces_per_second": tokenizeRate,
                "passage_pieces_avg": passagePieces, "model_resident_mb": modelMemory,
            ]
            try JSONSerialization.data(withJSONObject: figures, options: [.prettyPrinted, .sortedKeys])
                .write(to: URL(fileURLWithPath: path))
        }
    }

    /// p50 and p99 in ms of embedding `count` texts one at a time, `gap` apart (none: back to back).
    static func latency(
        _ embedder: MiniLMEmbedder,
        _ count: Int,
        _ text: (Int) -> String,
        gap: Duration? = nil
    ) async throws -> (p50: Double, p99: Double) {
        let latencies = try await Self.latencies(embedder, (0..<count).map(text), gap: gap).milliseconds.sorted()
        return (latencies[latencies.count / 2], latencies[min(latencies.count - 1, latencies.count * 99 / 100)])
    }

    /// The time in ms to embed each of `texts`, one at a time, `gap` apart, and the whole run's seconds.
    static func latencies(
        _ embedder: any Embedder,
        _ texts: [String],
        gap: Duration? = nil
    ) async throws -> (milliseconds: [Double], seconds: Double) {
        var latencies: [Double] = []
        let clock = ContinuousClock()
        let start = clock.now
        for text in texts {
            if let gap { try await Task.sleep(for: gap) }
            let began = clock.now
            _ = try await embedder.embed([text])
            latencies.append(Self.milliseconds(clock.now - began))
        }
        return (latencies, self.milliseconds(clock.now - start) / 1_000)
    }

    static func throughput(_ embedder: MiniLMEmbedder, _ texts: [String]) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        _ = try await embedder.embed(texts)
        return Double(texts.count) / (self.milliseconds(clock.now - start) / 1_000)
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
    }
}

enum Machine {
    /// This process's resident set size in MB, from /proc/self/status.
    static func residentMegabytes() -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        return kilobytes / 1_024
    }

    /// The 1, 5 and 15-minute load averages, from /proc/loadavg.
    static func loadAverage() -> String {
        let line = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return line.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// CPU time the whole machine has spent busy (user, nice, system, interrupts) since boot, in seconds, from
    /// /proc/stat; nil where it cannot be read. The difference over a phase counts every process (PostgreSQL's
    /// backends as well as this one), so figures per item stay comparable when wall-clock time is noisy.
    static func busyCPUSeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
        else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 7 else { return nil }
        // user, nice, system, (idle, iowait,) irq, softirq; in clock ticks of 1/100 s on Linux.
        return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6]) / 100
    }

    /// CPU model and core count, from /proc/cpuinfo.
    static func describe() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            info.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        return "\(ProcessInfo.processInfo.activeProcessorCount) × \(model)"
    }
}
