import Foundation

/// Moving a cube's vectors to another embedding model without a gap: the new vectors are staged beside the live
/// ones, then one statement switches the cube over.
public protocol ReembeddingStore: Sendable {
    /// Cubes with memories (deleted ones aside) embedded by another model than `model`.
    func cubesNeedingReembedding(model: String) async throws -> [String]
    /// Of a cube's memories still on another model: how many have `model`'s vector staged, how many not yet.
    func reembeddingProgress(cubeID: String, model: String) async throws -> (staged: Int, remaining: Int)
    /// Up to `limit` memories still to embed with `model`.
    func textsToReembed(cubeID: String, model: String, limit: Int) async throws -> [(id: UUID, text: String)]
    /// Stages vectors of `model`; the live vectors stay in use.
    func stageEmbeddings(_ vectors: [(id: UUID, embedding: [Float])], cubeID: String, model: String) async throws
    /// Makes the staged vectors of `model` the live ones, in one statement; returns how many.
    func switchEmbeddings(cubeID: String, model: String) async throws -> Int
}
