import Foundation

/// Scores how well each document answers a query (a cross-encoder): a second opinion on the top of a search.
public protocol Reranker: Sendable {
    /// One score per document, in order; higher is better. Only the order matters.
    func rerank(query: String, documents: [String]) async throws -> [Float]
}
