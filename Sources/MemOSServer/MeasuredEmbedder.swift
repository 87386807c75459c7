import MemOSCore
import Metrics

/// An embedder that measures each batch it is given: `memos_embedder_batch_texts` (a histogram of texts per
/// batch) and `memos_embedder_batch_seconds` (the time of each batch). Wrapped around the model, inside the
/// micro-batcher, so the batches measured are the ones the model runs.
struct MeasuredEmbedder: Embedder {
    let base: any Embedder
    var modelID: String { self.base.modelID }
    var dimension: Int { self.base.dimension }
    var maxInputTokens: Int? { self.base.maxInputTokens }
    func tokenCount(_ text: String) -> Int? { self.base.tokenCount(text) }

    static let batchTexts = Recorder(label: "memos_embedder_batch_texts")
    static let batchTime = Timer(label: "memos_embedder_batch_seconds")

    func embed(_ texts: [String]) async throws -> [[Float]] {
        let started = ContinuousClock.now
        defer { Self.batchTime.record(duration: started.duration(to: .now)) }
        Self.batchTexts.record(texts.count)
        return try await self.base.embed(texts)
    }
}
