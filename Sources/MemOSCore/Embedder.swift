import Foundation

/// Turns texts into vectors.
///
/// Implementations are safe to call from many concurrent requests.
public protocol Embedder: Sendable {
    /// Id of the model, stored with every vector it makes; vectors of different models are never compared.
    var modelID: String { get }
    /// Length of every vector.
    var dimension: Int { get }
    /// Most tokens (word pieces for MiniLM) one text may have before it is cut off; nil when unknown.
    var maxInputTokens: Int? { get }
    /// Embeds each text; the result has one L2-normalised vector per text, in order.
    func embed(_ texts: [String]) async throws -> [[Float]]
    /// The tokens `text` takes of ``maxInputTokens`` (special tokens included); nil when unknown.
    func tokenCount(_ text: String) -> Int?
}

extension Embedder {
    public var maxInputTokens: Int? { nil }
    public func tokenCount(_ text: String) -> Int? { nil }
}
