import Foundation
import MemOSCore

/// Runs ``JobKind/reorganize`` jobs: keeps a cube free of near duplicates and contradicted facts.
///
/// Every write that adds memories makes sure the cube's waiting reorganisation covers its change sequence
/// numbers; the job pairs each live memory changed since with the most similar older live memory of the cube
/// (WorkingMemory aside) and records the pair in `merge_candidates` when their cosine reaches the
/// ``Configuration/candidateThreshold``. Then, per pair:
///
/// - without an LLM, a pair at or above ``Configuration/mergeThreshold`` (default 0.92,
///   `MEMOS_NEAR_DUPLICATE_THRESHOLD`) is merged by rule: the newer memory is kept with the union of both
///   memories' tags and sources, the older is archived with `valid_to` now and `info.merged_into` naming the
///   newer;
/// - with an LLM, every candidate pair (from 0.80 up) is judged: `duplicate` merges as above but with the
///   model's merged text (re-embedded); `contradiction` retires the older (archived, `valid_to` now,
///   `info.replaced_by`); `unrelated` dismisses the pair. An answer that cannot be read leaves the pair pending.
///
/// Nothing is hard-deleted and every change has a history row (actions `merge` and `retire`, with the job id
/// and the reason). To undo a merge, restore the archived memory (RestoreMemories) and, when the kept one's
/// text was rewritten, set it back from its history (UpdateMemory).
///
/// Cost: one read of the cube's vectors and an exact scan of the changed memories against the cube, in blocked
/// matrix products on a thread of its own (``NearDuplicateScan``).
public struct ReorganizeHandler: JobHandler {
    public struct Configuration: Sendable {
        public var mergeThreshold: Float
        /// Pairs from here up are shown to the LLM (default 0.80); without one, only merge candidates are recorded.
        public var judgeThreshold: Float

        public init(mergeThreshold: Float = 0.92, judgeThreshold: Float = 0.80) {
            self.mergeThreshold = mergeThreshold
            self.judgeThreshold = judgeThreshold
        }
    }

    let store: any MemoryStore
    let embedder: any Embedder
    let chatModel: (any ChatModel)?
    let configuration: Configuration

    public init(
        store: any MemoryStore,
        embedder: any Embedder,
        chatModel: (any ChatModel)?,
        configuration: Configuration = .init()
    ) {
        self.store = store
        self.embedder = embedder
        self.chatModel = chatModel
        self.configuration = configuration
    }

    var candidateThreshold: Float {
        self.chatModel == nil
            ? self.configuration.mergeThreshold
            : min(self.configuration.mergeThreshold, self.configuration.judgeThreshold)
    }

    public func run(_ claimed: ClaimedJob) async throws -> JobResult {
        let cubeID = claimed.job.cubeID
        guard case .number(let since)? = claimed.payload["since_change_seq"] else { return JobResult() }
        let ids = try await self.store.changedMemories(cubeID: cubeID, since: Int64(since))
        let candidates = try await self.candidates(cubeID: cubeID, changed: ids)
        var outcomes: [MergeCandidate] = []
        var changed: [UUID] = []
        var retiredSoFar: Set<UUID> = []
        for candidate in candidates {
            // A memory archived by an earlier pair of this run is not merged again.
            if retiredSoFar.contains(candidate.memoryID) || retiredSoFar.contains(candidate.duplicateOf) {
                outcomes.append(candidate)
                continue
            }
            var decided = candidate
            decided.outcome = try await self.resolve(candidate, cubeID: cubeID, jobID: claimed.job.id)
            if decided.outcome == .merged || decided.outcome == .retired {
                retiredSoFar.insert(candidate.duplicateOf)
                changed += [candidate.memoryID, candidate.duplicateOf]
            }
            outcomes.append(decided)
        }
        try await self.store.recordMergeCandidates(outcomes, cubeID: cubeID)
        func count(_ outcome: MergeCandidate.Outcome) -> JSONValue {
            .number(Double(outcomes.filter { $0.outcome == outcome }.count))
        }
        return JobResult(
            result: [
                "checked": .number(Double(ids.count)), "candidates": .number(Double(outcomes.count)),
                "merged": count(.merged), "retired": count(.retired), "dismissed": count(.dismissed),
            ],
            memoryIDs: changed
        )
    }

    /// For each changed memory, its most similar older live memory, when similar enough (``NearDuplicateScan``).
    /// Tool memories take no part: each call is an event of its own however alike, and a tool's schema is replaced
    /// by name (``Supersession``).
    func candidates(cubeID: String, changed ids: [UUID]) async throws -> [MergeCandidate] {
        let scope = MemoryScope(
            cubeIDs: [cubeID],
            memoryTypes: Set(MemoryType.allCases).subtracting([
                .workingMemory, .toolTrajectoryMemory, .toolSchemaMemory,
            ])
        )
        var row: [UUID: Int] = [:]
        var vectors: [StoredVector] = []
        for vector in try await self.store.vectors(in: scope, model: self.embedder.modelID)
        where row[vector.memoryID] == nil {
            row[vector.memoryID] = vectors.count
            vectors.append(vector)
        }
        // In the order of writing, so that a chain of duplicates folds into its newest member; a pair is recorded
        // once, on the later memory.
        var seen = Set<Int>()
        let changed = ids.compactMap { row[$0] }.filter { seen.insert($0).inserted }
        let matches = try await NearDuplicateScan.run(
            vectors: vectors.map(\.embedding),
            dimension: self.embedder.dimension,
            changed: changed,
            threshold: self.candidateThreshold
        )
        return matches.map {
            MergeCandidate(
                memoryID: vectors[$0.changed].memoryID,
                duplicateOf: vectors[$0.other].memoryID,
                similarity: $0.similarity
            )
        }
    }

    /// Decides a pair and applies the decision.
    func resolve(_ candidate: MergeCandidate, cubeID: String, jobID: UUID) async throws -> MergeCandidate.Outcome {
        let pair = try await self.store.memories(ids: [candidate.memoryID, candidate.duplicateOf], cubeID: cubeID)
        guard pair.count == 2, pair.allSatisfy({ $0.status == .activated }) else { return .pending }
        let (newer, older) = (pair[0], pair[1])
        let similarity = String(format: "%.3f", candidate.similarity)
        guard let chatModel = self.chatModel else {
            guard candidate.similarity >= self.configuration.mergeThreshold else { return .pending }
            try await self.merge(
                newer: newer,
                older: older,
                text: nil,
                cubeID: cubeID,
                Revision(
                    action: "merge",
                    jobID: jobID,
                    reason: "near duplicate (cosine \(similarity)): kept the newer, joined tags and sources"
                )
            )
            return .merged
        }
        let verdict: MergeJudge.Verdict
        do {
            verdict = try MergeJudge.parse(
                try await chatModel.complete(
                    system: MergeJudge.systemPrompt,
                    user: MergeJudge.prompt(older: older, newer: newer)
                )
            )
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return .pending
        }
        switch verdict {
        case .duplicate(let merged):
            try await self.merge(
                newer: newer,
                older: older,
                text: merged,
                cubeID: cubeID,
                Revision(
                    action: "merge",
                    jobID: jobID,
                    reason: "the LLM judged them the same fact (cosine \(similarity)) and merged the text"
                )
            )
            return .merged
        case .contradiction:
            let replacement = newer.id.lowercasedString
            _ = try await self.store.revise(
                ids: [older.id],
                cubeID: cubeID,
                Revision(action: "retire", jobID: jobID, reason: "the LLM judged it contradicted by \(replacement)")
            ) { memories in
                var retired = memories[0]
                retired.status = .archived
                retired.validTo = Date()
                retired.info["replaced_by"] = .string(replacement)
                return [retired]
            }
            return .retired
        case .unrelated:
            return .dismissed
        }
    }

    /// Keeps `newer` (with `text` when given, re-embedded) joined with `older`'s tags and sources; archives `older`.
    func merge(newer: Memory, older: Memory, text: String?, cubeID: String, _ revision: Revision) async throws {
        var embedding: [Float]?
        if let text { embedding = try await self.embedder.embed([text])[0] }
        _ = try await self.store.revise(ids: [newer.id, older.id], cubeID: cubeID, revision) { [embedding] memories in
            var (kept, retired) = (memories[0], memories[1])
            if let text, let embedding {
                kept.content = text
                kept.embedding = embedding
            }
            kept.tags += retired.tags.filter { !kept.tags.contains($0) }
            kept.sources += retired.sources.filter { !kept.sources.contains($0) }
            kept.tags = Array(kept.tags.prefix(Limits.maxTags))
            kept.sources = Array(kept.sources.prefix(Limits.maxSources))
            retired.status = .archived
            retired.validTo = Date()
            retired.info["merged_into"] = .string(kept.id.lowercasedString)
            return [kept, retired]
        }
    }
}
