import Foundation
import MemOSCore

/// Runs ``JobKind/reembed`` jobs: moves a cube's vectors to the configured embedding model.
///
/// Memories still on another model are embedded in batches of ``batchSize`` and their new vectors staged beside
/// the live ones, with the job's progress updated after each batch; an interrupted job resumes where the staged
/// vectors end. When every memory is staged, one statement switches the cube over. Until then, searches with
/// the old model keep using the old vectors. The scheduler queues a job per cube at start-up when it finds
/// memories of another model than its own.
public struct ReembedHandler: JobHandler {
    let store: any ReembeddingStore
    let queue: any JobStore
    let embedder: any Embedder
    let batchSize: Int

    public init(store: any ReembeddingStore, queue: any JobStore, embedder: any Embedder, batchSize: Int = 64) {
        self.store = store
        self.queue = queue
        self.embedder = embedder
        self.batchSize = batchSize
    }

    public func run(_ claimed: ClaimedJob) async throws -> JobResult {
        let cubeID = claimed.job.cubeID
        let model = self.embedder.modelID
        // What is staged and what is left, counted once; each batch's progress follows from it.
        let start = try await self.store.reembeddingProgress(cubeID: cubeID, model: model)
        let total = start.staged + start.remaining
        var embedded = 0
        while true {
            let batch = try await self.store.textsToReembed(cubeID: cubeID, model: model, limit: self.batchSize)
            if batch.isEmpty { break }
            let vectors = try await self.embedder.embed(batch.map(\.text))
            try await self.store.stageEmbeddings(
                zip(batch, vectors).map { ($0.id, $1) },
                cubeID: cubeID,
                model: model
            )
            embedded += batch.count
            let progress = total == 0 ? 1 : min(1, Float(start.staged + embedded) / Float(total))
            let held = try await self.queue.reportProgress(claimed, progress: progress)
            if !held { throw CancellationError() }
        }
        let switched = try await self.store.switchEmbeddings(cubeID: cubeID, model: model)
        return JobResult(result: [
            "model": .string(model), "embedded": .number(Double(embedded)), "switched": .number(Double(switched)),
        ])
    }
}
