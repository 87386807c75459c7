import Foundation
import MemOSCore
import MemOSProto
import SwiftProtobuf

/// Whether a search's scores tell relevant from irrelevant: every LoCoMo question of categories 1–4 is asked in
/// its own conversation's cube (positive: its evidence is there) and in the next conversation's cube (negative:
/// nothing there is about these people), in hybrid mode.
///
/// Reports, with the server's default threshold: positive evidence R@10 and the share of negative searches that
/// return any hit; from searches without a threshold: the AUC of the top hit's score between positive and negative
/// searches, and the trade-off of each threshold (R@10 of the positives, share of negatives with a hit), over all
/// conversations and over the held-out half (conversations 6–10; the calibration was fitted on 1–5).
enum LoCoMoRelevance {
    struct Search {
        var conversation: Int
        var positive: Bool
        /// Hits without a threshold, best first: score and whether the memory holds evidence.
        var hits: [(score: Float, evidence: Set<String>)]
        var evidence: Set<String>
    }

    static func run(
        _ samples: [LoCoMoBench.Sample],
        cubes: [String],
        stack: BenchStack,
        features path: String?
    ) async throws -> String {
        var searches: [Search] = []
        var defaultRecall = 0.0
        var defaultPositives = 0
        var negativesWithHits = 0
        var negatives = 0
        var lines: [String] = []
        for (index, sample) in samples.enumerated() where samples.count > 1 {
            let other = (index + 1) % samples.count
            for (number, qa) in sample.qa.enumerated() where LoCoMoBench.categories[qa.category] != nil {
                let evidence = LoCoMoBench.evidence(of: qa)
                if evidence.isEmpty { continue }
                for (cube, positive) in [(cubes[index], true), (cubes[other], false)] {
                    func search(threshold: Bool) async throws -> [Memos_Retrieval_V1_SearchHit] {
                        try await stack.retrieval.search(
                            .with {
                                $0.cubeIds = [cube]
                                $0.query = qa.question
                                $0.topK = 20
                                $0.retrievalMode = .hybrid
                                if !threshold { $0.relativity = 0 }
                                $0.explain = path != nil
                            },
                            metadata: stack.metadata
                        ).hits
                    }
                    let all = try await search(threshold: false)
                    let held: [(score: Float, evidence: Set<String>)] = all.map { hit in
                        (hit.score, Set(hit.memory.sources.map(\.messageID)).intersection(positive ? evidence : []))
                    }
                    searches.append(Search(conversation: index, positive: positive, hits: held, evidence: evidence))
                    for (rank, hit) in all.enumerated() where path != nil {
                        let object: [String: Any] = [
                            "conversation": index, "question": number, "own": positive, "rank": rank,
                            "vector": hit.vectorScore, "coverage": hit.keywordScore,
                            "label": positive && !held[rank].evidence.isEmpty ? 1 : 0,
                        ]
                        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                        lines.append(String(decoding: data, as: UTF8.self))
                    }
                    let defaults = try await search(threshold: true)
                    if positive {
                        let found = Set(defaults.prefix(10).flatMap { $0.memory.sources.map(\.messageID) })
                        defaultRecall += Double(evidence.intersection(found).count) / Double(evidence.count)
                        defaultPositives += 1
                    } else {
                        negatives += 1
                        if !defaults.isEmpty { negativesWithHits += 1 }
                    }
                }
            }
            LoCoMoBench.progress("relevance: questions of \(index + 1)/\(samples.count) conversations")
        }
        if let path {
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        let heldOut = searches.filter { $0.conversation >= 5 }
        var report = [
            "Relevance (hybrid, positives in their own cube, negatives in the next conversation's cube)",
            String(
                format:
                    "defaults (best hit ≥ %.3f, every hit ≥ %.3f): positive R@10 %.1f, negative searches with a hit %.1f %% (%d of %d)",
                Limits.defaultBestHitScore,
                Limits.defaultRelativity,
                defaultRecall / Double(max(defaultPositives, 1)) * 100,
                Double(negativesWithHits) / Double(max(negatives, 1)) * 100,
                negativesWithHits,
                negatives
            ),
            String(format: "top-hit AUC: %.3f all, %.3f held out (conversations 6–10)", auc(searches), auc(heldOut)),
            "| threshold | positive R@10 (all) | negatives with a hit (all) | positive R@10 (held out) | negatives with a hit (held out) |",
            "|---|---|---|---|---|",
        ]
        for threshold: Float in [0.01, 0.02, 0.03, 0.04, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5] {
            let (recall, share) = tradeOff(searches, threshold)
            let (heldRecall, heldShare) = tradeOff(heldOut, threshold)
            report.append(
                String(
                    format: "| %.2f | %.1f | %.1f %% | %.1f | %.1f %% |",
                    threshold,
                    recall,
                    share,
                    heldRecall,
                    heldShare
                )
            )
        }
        return report.joined(separator: "\n")
    }

    /// The probability that a positive search's top hit outscores a negative search's (ties count half).
    static func auc(_ searches: [Search]) -> Double {
        let positives = searches.filter(\.positive).map { $0.hits.first?.score ?? 0 }
        let negatives = searches.filter { !$0.positive }.map { $0.hits.first?.score ?? 0 }.sorted()
        guard !positives.isEmpty, !negatives.isEmpty else { return 0 }
        var wins = 0.0
        for score in positives {
            let below = Self.count(negatives, below: score)
            let equal = Self.count(negatives, below: score.nextUp) - below
            wins += Double(below) + Double(equal) / 2
        }
        return wins / Double(positives.count * negatives.count)
    }

    private static func count(_ sorted: [Float], below value: Float) -> Int {
        var (low, high) = (0, sorted.count)
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// With `threshold`: R@10 of the positive searches (their hits above it) and the share, in %, of negative
    /// searches left with a hit.
    static func tradeOff(_ searches: [Search], _ threshold: Float) -> (recall: Double, negativeShare: Double) {
        var recall = 0.0
        var positives = 0
        var hits = 0
        var negatives = 0
        for search in searches {
            let kept = search.hits.filter { $0.score >= threshold }
            if search.positive {
                let found = kept.prefix(10).reduce(into: Set<String>()) { $0.formUnion($1.evidence) }
                recall += Double(found.count) / Double(search.evidence.count)
                positives += 1
            } else {
                negatives += 1
                if !kept.isEmpty { hits += 1 }
            }
        }
        return (recall / Double(max(positives, 1)) * 100, Double(hits) / Double(max(negatives, 1)) * 100)
    }
}
