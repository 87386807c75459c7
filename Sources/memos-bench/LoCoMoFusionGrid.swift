import Foundation
import MemOSCore
import MemOSProto
import SwiftProtobuf

/// Chooses the fusion of the vector and keyword rankings by measurement: the service's two lists for every
/// question are fused here with several rules and weights, and each is scored by evidence recall at 10.
enum LoCoMoFusionGrid {
    struct Rule {
        var name: String
        var fuse:
            (
                _ vector: (rank: Int, score: Float)?, _ keyword: (rank: Int, score: Float)?,
                _ vectorRange: ClosedRange<Float>
            ) -> Float
    }

    static var rules: [Rule] {
        var rules: [Rule] = []
        for weight: Float in [0, 0.25, 0.5, 0.75, 1] {
            rules.append(
                Rule(name: "RRF k=60, vector weight \(weight)") { vector, keyword, _ in
                    (vector.map { weight / (60 + Float($0.rank + 1)) } ?? 0)
                        + (keyword.map { 1 / (60 + Float($0.rank + 1)) } ?? 0)
                }
            )
        }
        for alpha: Float in [0.5, 0.6, 0.7, 0.8, 0.9] {
            rules.append(
                Rule(name: "α·keyword + (1−α)·min-max cosine, α=\(alpha)") { vector, keyword, range in
                    let spread = max(range.upperBound - range.lowerBound, 1e-6)
                    let cosine = vector.map { ($0.score - range.lowerBound) / spread } ?? 0
                    return alpha * (keyword?.score ?? 0) + (1 - alpha) * cosine
                }
            )
            rules.append(
                Rule(name: "α·keyword + (1−α)·cosine, α=\(alpha)") { vector, keyword, _ in
                    alpha * (keyword?.score ?? 0) + (1 - alpha) * (vector?.score ?? 0)
                }
            )
        }
        return rules
    }

    static func run(
        _ samples: [LoCoMoBench.Sample],
        cubes: [String],
        stack: BenchStack,
        label: String
    ) async throws -> String {
        let rules = Self.rules
        var recall = [Double](repeating: 0, count: rules.count)
        var questions = 0
        for (index, sample) in samples.enumerated() {
            LoCoMoBench.progress("\(label), fusion grid: conversation \(index + 1)/\(samples.count)")
            for qa in sample.qa where LoCoMoBench.categories[qa.category] != nil {
                let evidence = LoCoMoBench.evidence(of: qa)
                if evidence.isEmpty { continue }
                var sources: [String: Set<String>] = [:]
                var lists: [[String: (rank: Int, score: Float)]] = []
                for mode in [Memos_Retrieval_V1_RetrievalMode.vector, .keyword] {
                    let hits = try await stack.retrieval.search(
                        .with {
                            $0.cubeIds = [cubes[index]]
                            $0.query = qa.question
                            $0.topK = Int32(Limits.maxTopK)
                            $0.retrievalMode = mode
                            $0.relativity = 0
                            $0.dedup = .none
                        },
                        metadata: stack.metadata
                    ).hits
                    var list: [String: (rank: Int, score: Float)] = [:]
                    for (rank, hit) in hits.enumerated() {
                        list[hit.memory.id] = (rank, mode == .vector ? hit.vectorScore : hit.keywordScore)
                        sources[hit.memory.id] = Set(hit.memory.sources.map(\.messageID))
                    }
                    lists.append(list)
                }
                let cosines = lists[0].values.map(\.score)
                let range = (cosines.min() ?? 0)...(cosines.max() ?? 1)
                questions += 1
                for (position, rule) in rules.enumerated() {
                    let top = sources.keys
                        .map { id in (id, rule.fuse(lists[0][id], lists[1][id], range)) }
                        .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
                        .prefix(10)
                    let found = top.reduce(into: Set<String>()) { $0.formUnion(sources[$1.0] ?? []) }
                    recall[position] += Double(evidence.intersection(found).count) / Double(evidence.count)
                }
            }
        }
        var lines = ["Fusion grid, \(label) (no dedup, relativity 0): R@10", "| rule | R@10 |", "|---|---|"]
        for (position, rule) in rules.enumerated() {
            lines.append(
                "| \(rule.name) | \(String(format: "%.1f", recall[position] / Double(max(questions, 1)) * 100)) |"
            )
        }
        return lines.joined(separator: "\n")
    }
}
