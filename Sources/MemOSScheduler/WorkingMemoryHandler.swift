import Foundation
import MemOSCore

/// Runs ``JobKind/workingMemoryRefresh`` jobs, queued by `query` events: keeps the session's WorkingMemory as
/// the long-term memories most relevant to what the session has been asking.
///
/// Scoring, as MemOS's monitor does it, relevance first: each live memory of the cube (any type but
/// WorkingMemory) scores the best cosine between its vector and one of the session's last ``recentQueries``
/// queries, each older query counting ``decay`` times less; ties go to the memory updated most recently, then to
/// the one read most often. The best ``capacity`` (default 20) scoring at least ``minRelevance`` become the
/// session's WorkingMemory: copies that
/// name their original in `sources` (`type: "memory"`) and carry the score as `confidence`. Items that fall out
/// are soft-deleted (restorable, with history). A repeated run computes the same set, so it is safe to repeat.
public struct WorkingMemoryHandler: JobHandler {
    let store: any MemoryStore
    let jobs: any JobStore
    let embedder: any Embedder
    public var capacity = 20
    public var recentQueries = 5
    public var decay: Float = 0.8
    public var minRelevance: Float = 0.3

    public init(store: any MemoryStore, jobs: any JobStore, embedder: any Embedder) {
        self.store = store
        self.jobs = jobs
        self.embedder = embedder
    }

    public func run(_ claimed: ClaimedJob) async throws -> JobResult {
        let job = claimed.job
        let queries = try await self.jobs.recentPayloads(
            cubeID: job.cubeID,
            sessionID: job.sessionID,
            kind: JobKind.workingMemoryRefresh,
            limit: self.recentQueries
        ).compactMap { payload -> String? in
            if case .string(let text)? = payload["content"], !text.isEmpty { text } else { nil }
        }
        guard !queries.isEmpty else { return JobResult() }
        let queryVectors = try await self.embedder.embed(queries)

        let longTerm = MemoryScope(
            cubeIDs: [job.cubeID],
            memoryTypes: Set(MemoryType.allCases).subtracting([.workingMemory])
        )
        let vectors = try await self.store.vectors(in: longTerm, model: self.embedder.modelID)
        let scored = VectorMath.topK(vectors, k: self.capacity) { vector in
            var best: Float = 0
            var weight: Float = 1
            for query in queryVectors {
                best = max(best, weight * VectorMath.dot(query, vector.embedding))
                weight *= self.decay
            }
            return best
        }.filter { $0.1 >= self.minRelevance }
        let originals = try await self.store.memories(ids: scored.map(\.0.memoryID), cubeID: job.cubeID)
        let score = Dictionary(uniqueKeysWithValues: scored.map { ($0.0.memoryID, $0.1) })
        let chosen = originals.sorted {
            (score[$0.id] ?? 0, $0.updatedAt, $0.usageCount) > (score[$1.id] ?? 0, $1.updatedAt, $1.usageCount)
        }

        let current = try await self.store.list(
            in: MemoryScope(
                cubeIDs: [job.cubeID],
                memoryTypes: [.workingMemory],
                filter: .condition(.init(field: .sessionID, op: .eq, value: .string(job.sessionID)))
            ),
            after: nil,
            limit: Limits.maxPageSize
        )
        func original(of item: Memory) -> UUID? {
            item.sources.first { $0.type == "memory" }?.memoryID.flatMap(UUID.init(uuidString:))
        }
        let kept = Set(current.compactMap(original(of:)))
        let wanted = Set(chosen.map(\.id))
        let stale = current.filter { original(of: $0).map { !wanted.contains($0) } ?? true }.map(\.id)
        let additions = chosen.filter { !kept.contains($0.id) }.map { memory in
            NewMemory(
                sessionID: job.sessionID,
                memoryType: .workingMemory,
                key: memory.key,
                content: memory.content,
                tags: memory.tags,
                info: memory.info,
                sources: [Source(type: "memory", sessionID: job.sessionID, memoryID: memory.id.lowercasedString)],
                confidence: score[memory.id] ?? 0,
                embeddingModel: memory.embeddingModel,
                embedding: memory.embedding
            )
        }
        let author = claimed.createdBy ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        if !stale.isEmpty {
            _ = try await self.store.delete(.ids(stale), cubeID: job.cubeID, actor: author, dryRun: false, hard: false)
        }
        let added = try await self.store.add(
            additions,
            messages: [],
            cubeID: job.cubeID,
            author: author,
            idempotency: IdempotencyKey(key: "job:\(job.id.lowercasedString)", fingerprint: "working_memory")
        )
        return JobResult(
            result: [
                "queries": .number(Double(queries.count)),
                "working_memory": .number(Double(kept.intersection(wanted).count + additions.count)),
                "added": .number(Double(additions.count)),
                "removed": .number(Double(stale.count)),
            ],
            memoryIDs: added.receipt.memoryIDs
        )
    }
}
