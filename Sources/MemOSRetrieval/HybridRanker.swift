import Foundation
import MemOSCore

/// Ranks search candidates: fuses the vector and keyword rankings, applies the relevance threshold, removes
/// near-duplicates and cuts to `top_k`. Pure; the service gathers the candidates from the index, and reads the
/// chosen memories from PostgreSQL afterwards.
struct HybridRanker {
    enum Mode: Sendable { case hybrid, vector, keyword }
    enum Dedup: Sendable { case none, exact, mmr }

    /// Weight of the keyword score in the fused score (the vector side gets the rest), chosen on LoCoMo against
    /// reciprocal rank fusion and other weights: docs/benchmarks.md ("Choosing the fusion and the window").
    static let keywordWeight: Float = 0.7
    /// MMR trade-off between relevance and novelty (MemOS: 0.8).
    static let mmrLambda: Float = 0.8
    /// Above this cosine to an already chosen result, a candidate is a near-duplicate and skipped (MemOS: 0.92).
    static let nearDuplicate: Float = 0.92
    /// Above this cosine the novelty penalty grows exponentially with rate ``penaltyRate`` (MemOS: 0.9, 10).
    static let penaltyStart: Float = 0.9
    static let penaltyRate: Float = 10

    struct Candidate: Sendable {
        var id: UUID
        var cubeID: String
        var sessionID: String
        /// Equal for memories whose contents are equal but for case and whitespace (``KeywordDocument``).
        var contentFingerprint: UInt64
        var embedding: [Float]
        /// The change sequence number of the state the index ranked.
        var changeSeq: Int64 = 0
        /// Query–memory cosine clamped to 0...1 (0 when the vector ranker did not run).
        var vectorScore: Float
        /// Keyword score divided by the best keyword score of the search, 0...1: what the fused ranking uses.
        var keywordScore: Float
        /// The rarity-weighted share of the query's words the memory holds (``KeywordIndex/coverage(_:rows:liveCount:isLive:)``),
        /// 0...1: what the calibrated relevance uses.
        var keywordCoverage: Float = 0
        /// The query's terms the memory holds.
        var matchedTerms: [String] = []
        /// Fused ranking score; higher is better.
        var fused: Float = 0
        /// What the relevance threshold applies to: the calibrated probability that the memory is relevant.
        var relevance: Float = 0
    }

    var mode: Mode
    var topK: Int
    /// Every hit's relevance reaches it.
    var relativity: Float
    /// Nothing is returned unless the best candidate's relevance reaches it.
    var bestHitScore: Float = 0
    var dedup: Dedup
    /// Results from this session get a 20 % larger fused score.
    var sessionID: String

    /// Candidates from the vector ranking (best first) and the keyword ranking (best first), by memory id.
    ///
    /// Hybrid fuses scores, not ranks: keywordWeight × keyword score + (1 − keywordWeight) × the cosine rescaled
    /// to 0–1 between the lowest and highest cosine of the vector ranking's candidates (1 when they are all equal;
    /// 0 for a memory only the keyword ranking found).
    func rank(vectorOrder: [UUID], keywordOrder: [UUID], candidates: [UUID: Candidate]) -> [Candidate] {
        var scored = candidates
        switch self.mode {
        case .hybrid:
            let cosines = vectorOrder.compactMap { candidates[$0]?.vectorScore }
            let lowest = cosines.min() ?? 0
            let spread = (cosines.max() ?? 0) - lowest
            for id in keywordOrder { scored[id]?.fused += Self.keywordWeight * (candidates[id]?.keywordScore ?? 0) }
            for id in vectorOrder {
                guard let cosine = candidates[id]?.vectorScore else { continue }
                scored[id]?.fused += (1 - Self.keywordWeight) * (spread > 1e-6 ? (cosine - lowest) / spread : 1)
            }
        case .vector:
            for id in vectorOrder {
                if let score = scored[id]?.vectorScore { scored[id]?.fused = score }
            }
        case .keyword:
            for id in keywordOrder {
                if let score = scored[id]?.keywordScore { scored[id]?.fused = score }
            }
        }
        var ranked: [Candidate] = scored.values.compactMap { candidate in
            var candidate = candidate
            candidate.relevance = RelevanceCalibration.current.probability(
                mode: self.mode,
                vector: candidate.vectorScore,
                keyword: candidate.keywordCoverage
            )
            guard candidate.relevance >= self.relativity else { return nil }
            if !self.sessionID.isEmpty, candidate.sessionID == self.sessionID { candidate.fused *= 1.2 }
            return candidate
        }
        if let best = ranked.map(\.relevance).max(), best < self.bestHitScore { return [] }
        ranked.sort { $0.fused != $1.fused ? $0.fused > $1.fused : $0.id < $1.id }
        switch self.dedup {
        case .none: return Array(ranked.prefix(self.topK))
        case .exact: return Self.exactDedup(ranked, topK: self.topK)
        case .mmr: return Self.mmr(ranked, topK: self.topK)
        }
    }

    static func exactDedup(_ ranked: [Candidate], topK: Int) -> [Candidate] {
        var seen: Set<UInt64> = []
        var kept: [Candidate] = []
        for candidate in ranked where kept.count < topK {
            if seen.insert(candidate.contentFingerprint).inserted { kept.append(candidate) }
        }
        return kept
    }

    /// Maximal marginal relevance as MemOS does it: the best result first, then repeatedly the candidate with
    /// the best λ·relevance − (1−λ)·similarity to what is chosen, with an exponential penalty above cosine 0.9
    /// and near-duplicates (cosine > 0.92) skipped; the chosen results keep their ranking order.
    static func mmr(_ ranked: [Candidate], topK: Int) -> [Candidate] {
        guard let first = ranked.first?.fused else { return [] }
        let best = first > 0 ? first : 1
        var remaining = Array(ranked.indices)
        var chosen: [Int] = []
        var maxSimilarity = [Float](repeating: -1, count: ranked.count)
        while chosen.count < topK, !remaining.isEmpty {
            var pick: (position: Int, value: Float)?
            for (position, index) in remaining.enumerated() {
                let similarity = maxSimilarity[index]
                if similarity > Self.nearDuplicate { continue }
                var value = Self.mmrLambda * ranked[index].fused / best - (1 - Self.mmrLambda) * max(similarity, 0)
                if similarity > Self.penaltyStart {
                    value -= exp(Self.penaltyRate * (similarity - Self.penaltyStart)) - 1
                }
                if pick == nil || value > pick!.value { pick = (position, value) }
            }
            guard let pick else { break }
            let index = remaining.remove(at: pick.position)
            chosen.append(index)
            for other in remaining {
                let similarity = VectorMath.dot(ranked[index].embedding, ranked[other].embedding)
                maxSimilarity[other] = max(maxSimilarity[other], similarity)
            }
        }
        return chosen.sorted().map { ranked[$0] }
    }
}
