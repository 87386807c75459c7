import Foundation
import MemOSCore

/// Runs ``JobKind/reorganize`` jobs: every write that adds memories to a cube makes sure the cube's waiting
/// reorganisation covers its change sequence numbers; this finds, for each live memory changed since, the
/// most similar older live memory of the cube; pairs at or above ``threshold`` cosine (default 0.92, `MEMOS_NEAR_DUPLICATE_THRESHOLD`) are recorded as merge
/// candidates. Nothing is merged on the write path.
///
/// Cost: one read of the cube's vectors and an exact scan per new memory (new × cube size dot products).
public struct ReorganizeHandler: JobHandler {
    let store: any MemoryStore
    let model: String
    let threshold: Float

    public init(store: any MemoryStore, model: String, threshold: Float = 0.92) {
        self.store = store
        self.model = model
        self.threshold = threshold
    }

    public func run(_ claimed: ClaimedJob) async throws -> JobResult {
        let cubeID = claimed.job.cubeID
        guard case .number(let since)? = claimed.payload["since_change_seq"] else { return JobResult() }
        let ids = try await self.store.changedMemories(cubeID: cubeID, since: Int64(since))
        // Position in the order of writing: among new memories, a pair is recorded once, on the later one.
        let order = Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: min)
        let scope = MemoryScope(cubeIDs: [cubeID], memoryTypes: Set(MemoryType.allCases).subtracting([.workingMemory]))
        let vectors = try await self.store.vectors(in: scope, model: self.model)
        var candidates: [MergeCandidate] = []
        for vector in vectors {
            guard let position = order[vector.memoryID] else { continue }
            let older = vectors.filter { other in
                other.memoryID != vector.memoryID && order[other.memoryID].map { $0 < position } ?? true
            }
            let best = VectorMath.topK(older, k: 1) {
                VectorMath.dot(vector.embedding, $0.embedding)
            }.first
            if let (other, similarity) = best, similarity >= self.threshold {
                candidates.append(MergeCandidate(memoryID: vector.memoryID, duplicateOf: other.memoryID, similarity: similarity))
            }
        }
        try await self.store.recordMergeCandidates(candidates, cubeID: cubeID)
        return JobResult(
            result: ["checked": .number(Double(order.count)), "candidates": .number(Double(candidates.count))],
            memoryIDs: candidates.map(\.memoryID)
        )
    }
}
