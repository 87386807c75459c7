import Foundation

/// What a search hit's score means: the probability that the memory is relevant to the query, estimated by a
/// logistic model of the query–memory cosine and the memory's keyword coverage of the query.
///
/// The coefficients were fitted once, by scripts/fit-relevance.py on LoCoMo searches made with the built-in
/// MiniLM embedder (`memos-bench locomo --features`): memories holding a question's evidence turns are the
/// positives; the other candidates of the question's own conversation, and every candidate of another
/// conversation's cube, the negatives. Half the conversations fitted it, the other half measured it
/// (docs/benchmarks.md, "Relevance"). Another embedding model's cosines lie on another scale: with it, choose the
/// threshold (`relativity`) from its own searches.
struct RelevanceCalibration: Sendable {
    /// Coefficients of one logistic model: intercept, cosine, coverage, and cosine × coverage.
    struct Model: Sendable {
        var intercept: Float
        var vector: Float
        var keyword: Float
        var both: Float

        func probability(vector: Float, keyword: Float) -> Float {
            let z = self.intercept + self.vector * vector + self.keyword * keyword + self.both * vector * keyword
            return 1 / (1 + exp(-z))
        }
    }

    /// Its name and version, as `SearchHit.explanation.calibration` shows it.
    var name: String
    var hybrid: Model
    /// For vector-only searches (and a session's working memory, which has no keyword side).
    var vector: Model
    /// For keyword-only searches.
    var keyword: Model

    func probability(mode: HybridRanker.Mode, vector: Float, keyword: Float) -> Float {
        switch mode {
        case .hybrid: self.hybrid.probability(vector: vector, keyword: keyword)
        case .vector: self.vector.probability(vector: vector, keyword: 0)
        case .keyword: self.keyword.probability(vector: 0, keyword: keyword)
        }
    }

    /// Fitted on LoCoMo conversations 1–5 with all-MiniLM-L6-v2 (scripts/fit-relevance.py).
    static let current = RelevanceCalibration(
        name: "minilm-locomo-1",
        hybrid: Model(intercept: -7.7681, vector: 7.6798, keyword: 6.3515, both: -4.2978),
        vector: Model(intercept: -6.6795, vector: 8.9272, keyword: 0, both: 0),
        keyword: Model(intercept: -5.2311, vector: 0, keyword: 5.4442, both: 0)
    )
}
