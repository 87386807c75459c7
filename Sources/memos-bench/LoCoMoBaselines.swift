import Foundation
import MemOSCore

/// The plain retrieval baselines of LoCoMo, computed without the service: each conversation's turns (or windows
/// of consecutive turns within a session) are documents, scored for each question by BM25, by the cosine of
/// all-MiniLM-L6-v2 vectors, or by reciprocal rank fusion of both (k = 60). They show what the product's figures
/// are worth: a memory layer should beat them at a comparable context size.
struct LoCoMoBaselines {
    /// One document: its text (`speaker: text` per turn, one turn per line) and the dialogue ids it holds.
    struct Document {
        var text: String
        var turnIDs: Set<String>
    }

    struct Figures {
        var label: String
        var recall: [Int: Double] = [:]
        var words: Double = 0
    }

    static let rrfK = 60.0

    /// Documents of `size` consecutive turns, not crossing sessions and not overlapping.
    static func documents(of sample: LoCoMoBench.Sample, size: Int) -> [Document] {
        sample.sessions.flatMap { session in
            stride(from: 0, to: session.turns.count, by: size).map { start in
                let window = session.turns[start..<min(start + size, session.turns.count)]
                return Document(
                    text: window.map { "\($0.speaker): [\(session.date)]: \($0.text)" }.joined(separator: "\n"),
                    turnIDs: Set(window.map(\.id))
                )
            }
        }
    }

    /// Lower-cased runs of letters and digits: no stemming and no stop words, as a plain baseline has.
    static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }

    /// BM25 (k1 1.2, b 0.75) of every document for `query`.
    static func bm25(_ query: [String], documents: [[String]]) -> [Double] {
        let n = Double(documents.count)
        let averageLength = Double(documents.map(\.count).reduce(0, +)) / max(n, 1)
        let counts = documents.map { words in words.reduce(into: [String: Double]()) { $0[$1, default: 0] += 1 } }
        var scores = [Double](repeating: 0, count: documents.count)
        for term in Set(query) {
            let frequency = Double(counts.filter { $0[term] != nil }.count)
            guard frequency > 0 else { continue }
            let idf = log(1 + (n - frequency + 0.5) / (frequency + 0.5))
            for (index, document) in counts.enumerated() {
                guard let count = document[term] else { continue }
                let norm = 1 - 0.75 + 0.75 * Double(documents[index].count) / averageLength
                scores[index] += idf * count * 2.2 / (count + 1.2 * norm)
            }
        }
        return scores
    }

    /// Document indices, best score first (ties by position).
    static func ranking(_ scores: [Double]) -> [Int] {
        scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
    }

    /// The baselines for documents of one turn and of `windowSize` turns, over the questions of categories 1–4.
    static func run(
        _ samples: [LoCoMoBench.Sample],
        embedder: any Embedder,
        windowSize: Int = 3
    ) async throws -> [Figures] {
        var results: [Figures] = []
        for size in [1, windowSize] {
            let name = size == 1 ? "one turn each" : "windows of \(size) turns"
            var figures = ["BM25", "MiniLM", "RRF"].map { Figures(label: "\(name), \($0)") }
            var questions = 0
            for (index, sample) in samples.enumerated() {
                LoCoMoBench.progress("baselines, \(name): conversation \(index + 1)/\(samples.count)")
                let documents = self.documents(of: sample, size: size)
                let documentWords = documents.map { self.words($0.text) }
                var vectors: [[Float]] = []
                for start in stride(from: 0, to: documents.count, by: 64) {
                    vectors += try await embedder.embed(documents[start..<min(start + 64, documents.count)].map(\.text))
                }
                let asked = sample.qa.filter {
                    LoCoMoBench.categories[$0.category] != nil && !LoCoMoBench.evidence(of: $0).isEmpty
                }
                let questionVectors = try await embedder.embed(asked.map(\.question))
                for (qa, questionVector) in zip(asked, questionVectors) {
                    let evidence = LoCoMoBench.evidence(of: qa)
                    let keyword = self.ranking(self.bm25(self.words(qa.question), documents: documentWords))
                    let vector = self.ranking(vectors.map { Double(VectorMath.dot($0, questionVector)) })
                    var fused = [Double](repeating: 0, count: documents.count)
                    for order in [keyword, vector] {
                        for (rank, document) in order.enumerated() {
                            fused[document] += 1 / (Self.rrfK + Double(rank + 1))
                        }
                    }
                    questions += 1
                    for (position, order) in [keyword, vector, self.ranking(fused)].enumerated() {
                        for k in LoCoMoBench.ks {
                            let found = order.prefix(k).reduce(into: Set<String>()) {
                                $0.formUnion(documents[$1].turnIDs)
                            }
                            figures[position].recall[k, default: 0] +=
                                Double(evidence.intersection(found).count) / Double(evidence.count)
                        }
                        figures[position].words += Double(order.prefix(10).map { documentWords[$0].count }.reduce(0, +))
                    }
                }
            }
            for var figure in figures {
                figure.recall = figure.recall.mapValues { $0 / Double(max(questions, 1)) * 100 }
                figure.words /= Double(max(questions, 1))
                results.append(figure)
            }
        }
        return results
    }

    static func table(_ figures: [Figures]) -> String {
        var lines = [
            "Plain baselines (no service): documents scored by BM25, MiniLM cosine, or RRF of both (k = 60)",
            "| documents, scoring | R@5 | R@10 | R@20 | words at top 10 |",
            "|---|---|---|---|---|",
        ]
        for figure in figures {
            func f(_ k: Int) -> String { String(format: "%.1f", figure.recall[k] ?? 0) }
            lines.append(
                "| \(figure.label) | \(f(5)) | \(f(10)) | \(f(20)) | \(String(format: "%.0f", figure.words)) |"
            )
        }
        return lines.joined(separator: "\n")
    }
}
