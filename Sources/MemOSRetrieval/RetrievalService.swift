import Foundation
import GRPCCore
import MemOSCore
import MemOSProto
import MemOSRPC
import Metrics
import SwiftProtobuf

/// The retrieval service: search, get by ids, list with a cursor, counts per type.
///
/// Search scores memories by the cosine of their vectors with the query's (exact below the HNSW threshold) and
/// by BM25 over their terms, both in the in-process ``RetrievalIndex``, and fuses the two; only the memories it
/// returns are read, from the ``MemoryRecordCache`` where it holds the change the index ranked, else from
/// PostgreSQL.
/// Memories returned by search and get are counted (``UsageBatcher``).
public struct RetrievalService: Memos_Retrieval_V1_RetrievalService.SimpleServiceProtocol {
    let store: any MemoryStore
    let accounts: any AccountStore
    let embedder: any Embedder
    let index: RetrievalIndex
    let statistics: any MemoryStatistics
    let usage: UsageBatcher
    /// Records of returned memories, so that a memory returned again is not read from PostgreSQL again.
    let records: MemoryRecordCache
    let clock = ContinuousClock()
    /// The LLM of FINE searches (query expansion); without one they run FAST and say so.
    let chatModel: (any ChatModel)?
    /// The cross-encoder that reorders the best ``rerankDepth`` hits of a search; none by default.
    let reranker: (any Reranker)?
    let rerankDepth: Int
    let pageTokens: PageTokens

    public init(
        store: any MemoryStore,
        accounts: any AccountStore,
        embedder: any Embedder,
        index: RetrievalIndex,
        statistics: any MemoryStatistics,
        usage: UsageBatcher,
        records: MemoryRecordCache = MemoryRecordCache(),
        chatModel: (any ChatModel)? = nil,
        reranker: (any Reranker)? = nil,
        rerankDepth: Int = 20,
        pageTokens: PageTokens
    ) {
        self.reranker = reranker
        self.rerankDepth = rerankDepth
        self.pageTokens = pageTokens
        self.records = records
        self.chatModel = chatModel
        self.store = store
        self.accounts = accounts
        self.embedder = embedder
        self.index = index
        self.statistics = statistics
        self.usage = usage
    }

    public func search(
        request: Memos_Retrieval_V1_SearchRequest,
        context: ServerContext
    ) async throws -> Memos_Retrieval_V1_SearchResponse {
        var query = try SearchQuery(request)
        for (field, value) in [("preference_top_k", request.preferenceTopK), ("tool_top_k", request.toolTopK)]
        where value < 0 || value > Limits.maxTopK {
            throw MemOSError.invalidArgument("\(field) must be between 0 and \(Limits.maxTopK)")
        }
        guard request.preferenceTopK > 0 || request.toolTopK > 0 else {
            return try await self.rankedSearch(query, request)
        }
        // Preferences and tool memories are ranked apart, each type set with its own top-k, and left out of `hits`.
        func section(_ types: Set<MemoryType>, topK: Int32) -> SearchQuery? {
            guard topK > 0 else { return nil }
            var section = query
            section.scope.memoryTypes = types
            section.ranker.topK = Int(topK)
            section.includesWorkingMemory = false
            return section
        }
        let preferenceQuery = section([.preferenceMemory], topK: request.preferenceTopK)
        let toolQuery = section([.toolSchemaMemory, .toolTrajectoryMemory], topK: request.toolTopK)
        for section in [preferenceQuery, toolQuery].compactMap(\.self) {
            query.scope.memoryTypes.subtract(section.scope.memoryTypes)
        }
        let mainQuery = query
        func run(_ query: SearchQuery?) async throws -> Memos_Retrieval_V1_SearchResponse? {
            guard let query, !query.scope.memoryTypes.isEmpty else { return nil }
            return try await self.rankedSearch(query, request)
        }
        async let main = run(mainQuery)
        async let preferences = run(preferenceQuery)
        async let tools = run(toolQuery)
        let sections = try await (preferences, tools)
        guard var response = try await main ?? sections.0 ?? sections.1 else { return .init() }
        if mainQuery.scope.memoryTypes.isEmpty { response.hits = [] }
        response.preferences = sections.0?.hits ?? []
        response.toolMemories = sections.1?.hits ?? []
        response.preferenceNote = PreferenceNote.make(response.preferences.map(\.memory))
        response.changeSeq = max(response.changeSeq, sections.0?.changeSeq ?? 0, sections.1?.changeSeq ?? 0)
        return response
    }

    /// One ranked search of `query`'s scope.
    func rankedSearch(
        _ query: SearchQuery,
        _ request: Memos_Retrieval_V1_SearchRequest
    ) async throws -> Memos_Retrieval_V1_SearchResponse {
        let arrival = self.clock.now
        let principal = try RequestIdentity.require()
        // A FAST search's query is embedded by this task at once, while a child task checks the caller's access
        // and then prepares the cubes (`prepare`); nothing of a cube is read before the check has passed, and an
        // access error wins over an embedding error. A FINE search's queries are known after the LLM has
        // expanded it. The embedding is done before the words are ranked: the embedder computes on both cores
        // (its kernels' partner thread), and ranking words at the same time would take one of them from it.
        let fine = request.mode == .fine
        let usesVectors = query.ranker.mode != .keyword
        async let prepared = self.prepare(query, for: principal, arrival: arrival)
        var early: Result<[[Float]], any Error>?
        if !fine && usesVectors {
            do { early = .success(try await self.embedder.embed([request.query])) } catch { early = .failure(error) }
        }
        let (seenSeq, allowed) = try await prepared
        // The session's working memory is read from PostgreSQL while the index ranks.
        async let workingItems = self.workingItems(query: query, sessionID: request.sessionID)

        let (queries, expansionWarnings) = await self.expand(request.query, fine: fine)

        // Each ranker contributes its best `depth` candidates per query (the original and, in FINE mode, the
        // LLM's expansions; a memory keeps its best score over them); fusion, threshold and dedup pick from
        // their union. Both rankers run on the in-process index under the same filter: a filter expression is
        // evaluated by PostgreSQL into the set of memories it allows, statuses and types the index checks itself.
        let depth = max(query.topK * 5, 50)
        let filter = CubeIndex.RowFilter(
            statuses: query.scope.statuses,
            memoryTypes: query.scope.memoryTypes,
            allowedIDs: allowed
        )
        let fastVectors = try early?.get()
        var cubeOf: [UUID: String] = [:]
        var keywordScores: [UUID: Float] = [:]
        let queryTerms = query.ranker.mode == .vector ? [] : queries.map(KeywordTokenizer.terms)
        if query.ranker.mode != .vector {
            for terms in queryTerms {
                let hits = try await self.index.keywordSearch(
                    terms,
                    in: query.scope.cubeIDs,
                    k: depth,
                    filter: filter
                )
                let best = hits.first?.score ?? 1
                for hit in hits {
                    keywordScores[hit.id] = max(keywordScores[hit.id] ?? 0, best > 0 ? hit.score / best : 0)
                    cubeOf[hit.id] = hit.cubeID
                }
            }
        }
        var vectorScores: [UUID: Float] = [:]
        var queryVector: [Float]?
        if usesVectors {
            let vectors: [[Float]]
            if let fastVectors { vectors = fastVectors } else { vectors = try await self.embedder.embed(queries) }
            queryVector = vectors[0]
            for vector in vectors {
                for hit in try await self.index.search(vector, in: query.scope.cubeIDs, k: depth, filter: filter) {
                    vectorScores[hit.id] = max(vectorScores[hit.id] ?? 0, max(0, min(1, hit.score)))
                    cubeOf[hit.id] = hit.cubeID
                }
            }
        }
        func order(_ scores: [UUID: Float]) -> [UUID] {
            scores.sorted { ($0.value, $0.key) > ($1.value, $1.key) }.map(\.key)
        }
        var candidates: [UUID: HybridRanker.Candidate] = [:]
        // Coverage is of the question as asked (the first query), not of the LLM's rephrasings.
        let terms = queryTerms.first ?? []
        for (cubeID, entries) in Dictionary(grouping: cubeOf, by: \.value) {
            for (id, summary) in try await self.index.summaries(entries.map(\.key), in: cubeID, terms: terms) {
                candidates[id] = HybridRanker.Candidate(
                    id: id,
                    cubeID: cubeID,
                    sessionID: summary.sessionID,
                    contentFingerprint: summary.contentFingerprint,
                    embedding: summary.embedding,
                    changeSeq: summary.changeSeq,
                    vectorScore: vectorScores[id] ?? 0,
                    keywordScore: keywordScores[id] ?? 0,
                    keywordCoverage: summary.keywordCoverage,
                    matchedTerms: summary.matchedTerms
                )
            }
        }
        // With a reranker, the ranking keeps its best `rerankDepth` (at least `top_k`) for it to reorder.
        var ranker = query.ranker
        if self.reranker != nil { ranker.topK = max(query.topK, self.rerankDepth) }
        let ranked = ranker.rank(
            vectorOrder: order(vectorScores),
            keywordOrder: order(keywordScores),
            candidates: candidates
        )
        let working = try await workingItems
        var hits = try await self.workingMemoryFirst(
            ranked,
            working: working,
            query: query,
            limit: ranker.topK,
            queryVector: queryVector,
            includeEmbeddings: request.includeEmbeddings
        )
        var warnings = expansionWarnings
        if let reranker = self.reranker {
            let workingCount = hits.prefix { $0.memory.memoryType == .workingMemory }.count
            let (reordered, warning) = await Self.rerank(hits, after: workingCount, query: request.query, by: reranker)
            hits = reordered
            if let warning { warnings.append(warning) }
        }
        hits = Array(hits.prefix(query.topK))
        let protoHits = hits.map { hit in
            Memos_Retrieval_V1_SearchHit.with {
                $0.memory = hit.memory.proto(includeEmbedding: request.includeEmbeddings)
                $0.score = hit.relevance
                $0.vectorScore = hit.vectorScore
                $0.keywordScore = hit.keywordCoverage
                if request.explain {
                    $0.explanation = .with {
                        $0.vectorSimilarity = hit.vectorScore
                        $0.keywordCoverage = hit.keywordCoverage
                        $0.matchedTerms = hit.matchedTerms
                        $0.keywordRankScore = hit.keywordRankScore
                        $0.fusedScore = hit.fused
                        $0.score = hit.relevance
                        $0.threshold = query.ranker.relativity
                        $0.bestHitThreshold = query.ranker.bestHitScore
                        if let rerankScore = hit.rerankScore { $0.rerankScore = rerankScore }
                        $0.calibration = RelevanceCalibration.current.name
                    }
                }
            }
        }
        let fitting = ResponseBudget.fitting(protoHits)
        self.usage.record(hits.prefix(fitting).map { UsageKey(cubeID: $0.memory.cubeID, id: $0.memory.id) })
        return .with {
            $0.hits = Array(protoHits.prefix(fitting))
            $0.changeSeq = seenSeq
            $0.embeddingModel = self.embedder.modelID
            $0.modeUsed = queries.count > 1 ? .fine : .fast
            $0.expandedQueries = Array(queries.dropFirst())
            $0.warnings = warnings
            if fitting < protoHits.count {
                $0.warnings.append(
                    "the \(protoHits.count - fitting) lowest hits were left out: the response reached its limit of \(Limits.maxResponseBytes) bytes"
                )
            }
        }
    }

    /// Checks that `principal` may read the searched cubes, then readies them: each cube's index loaded, the
    /// change `min_change_seq` names applied (the sequence number the index has reached is returned), and a
    /// filter expression evaluated by PostgreSQL into the memories it allows (nil without one).
    func prepare(
        _ query: SearchQuery,
        for principal: Principal,
        arrival: ContinuousClock.Instant
    ) async throws -> (seenSeq: Int64, allowed: Set<UUID>?) {
        try await self.accounts.authorize(principal, cubes: query.scope.cubeIDs, for: .read)
        for cubeID in query.scope.cubeIDs { _ = try await self.index.cube(cubeID) }
        let seenSeq = try await self.index.awaitApplied(
            query.minChangeSeq,
            arrival: arrival,
            deadline: arrival.advanced(by: query.maxWait)
        )
        guard query.scope.filter != nil else { return (seenSeq, nil) }
        return (seenSeq, Set(try await self.index.feed.memoryIDs(in: query.scope)))
    }

    /// The queries to search: `query`, plus in FINE mode the LLM's rephrasings and keywords. Without an LLM, or
    /// when it fails, just `query`, with a warning saying why.
    func expand(_ query: String, fine: Bool) async -> (queries: [String], warnings: [String]) {
        guard fine else { return ([query], []) }
        guard let chatModel = self.chatModel else {
            return ([query], ["mode FINE ran as FAST: no LLM is configured (MEMOS_LLM_URL, MEMOS_LLM_MODEL)"])
        }
        do {
            let answer = try await chatModel.complete(system: QueryExpansion.systemPrompt, user: query)
            let expansions = try QueryExpansion.parse(answer, query: query)
            if expansions.isEmpty { return ([query], ["mode FINE ran as FAST: the LLM suggested no other query"]) }
            return ([query] + expansions, [])
        } catch {
            let reason = (error as? MemOSError)?.message ?? "\(error)"
            return ([query], ["mode FINE ran as FAST: query expansion failed (\(reason))"])
        }
    }

    /// The session's WorkingMemory items in the searched cubes (none without a session, or when the search
    /// excludes that type).
    func workingItems(query: SearchQuery, sessionID: String) async throws -> [Memory] {
        guard !sessionID.isEmpty, query.includesWorkingMemory else { return [] }
        return try await self.store.list(
            in: MemoryScope(
                cubeIDs: query.scope.cubeIDs,
                memoryTypes: [.workingMemory],
                filter: .condition(.init(field: .sessionID, op: .eq, value: .string(sessionID)))
            ),
            after: nil,
            limit: Limits.maxTopK
        )
    }

    /// A memory a search returns, with its scores.
    struct Hit {
        var memory: Memory
        var relevance: Float
        var vectorScore: Float
        var keywordCoverage: Float
        var keywordRankScore: Float = 0
        var matchedTerms: [String] = []
        var fused: Float = 0
        /// The reranker's score, when one reordered the hit.
        var rerankScore: Float?
    }

    /// The hits after the first `kept` (the session's working memory, which stays first) reordered by the
    /// reranker's scores; when the reranker fails, the hits as they were and a warning saying so.
    static func rerank(
        _ hits: [Hit],
        after kept: Int,
        query: String,
        by reranker: any Reranker
    ) async -> ([Hit], String?) {
        let rest = Array(hits.dropFirst(kept))
        guard rest.count > 1 else { return (hits, nil) }
        do {
            let scores = try await reranker.rerank(query: query, documents: rest.map(\.memory.content))
            guard scores.count == rest.count else {
                throw MemOSError(
                    code: .unavailable,
                    message: "the reranker scored \(scores.count) of \(rest.count) hits"
                )
            }
            let reordered = zip(rest, scores).enumerated().sorted {
                $0.element.1 != $1.element.1 ? $0.element.1 > $1.element.1 : $0.offset < $1.offset
            }.map { entry in
                var hit = entry.element.0
                hit.rerankScore = entry.element.1
                return hit
            }
            return (Array(hits.prefix(kept)) + reordered, nil)
        } catch {
            Self.rerankFailures.increment()
            let reason = (error as? MemOSError)?.message ?? "\(error)"
            return (hits, "the reranker failed (\(reason)); the fused order was kept")
        }
    }

    /// Searches whose reranking failed: `memos_reranker_failures_total`.
    static let rerankFailures = Counter(label: "memos_reranker_failures_total")

    /// The session's WorkingMemory `items` (kept by the scheduler from the session's recent queries) that reach
    /// the relevance threshold for this query come first, best first; the ranked candidates fill the rest of `top_k`,
    /// without the long-term memories those items copy: from the record cache at the change the index ranked, the
    /// others from PostgreSQL in one query per cube. In keyword mode, where there is no query vector, the items keep
    /// the relevance the scheduler gave them.
    func workingMemoryFirst(
        _ ranked: [HybridRanker.Candidate],
        working items: [Memory],
        query: SearchQuery,
        limit: Int,
        queryVector: [Float]?,
        includeEmbeddings: Bool
    ) async throws -> [Hit] {
        let working = items.map { item in
            let cosine = queryVector.map { max(0, min(1, VectorMath.dot($0, item.embedding))) }
            let relevance =
                cosine.map { RelevanceCalibration.current.probability(mode: .vector, vector: $0, keyword: 0) }
                ?? item.confidence
            return Hit(memory: item, relevance: relevance, vectorScore: cosine ?? 0, keywordCoverage: 0)
        }
        .filter { $0.relevance >= query.ranker.relativity }
        .sorted { $0.relevance > $1.relevance }
        .prefix(limit)
        let copied = Set(
            working.compactMap {
                $0.memory.sources.first { $0.type == "memory" }?.memoryID.flatMap(UUID.init(uuidString:))
            }
        )
        let chosen = ranked.filter { !copied.contains($0.id) }.prefix(limit - working.count)
        var memories = self.records.records(chosen.map { .init(cubeID: $0.cubeID, id: $0.id, changeSeq: $0.changeSeq) })
        if includeEmbeddings {
            // A record matches the index's state of the memory, vector included.
            for candidate in chosen { memories[candidate.id]?.embedding = candidate.embedding }
        }
        for (cubeID, candidates) in Dictionary(grouping: chosen.filter { memories[$0.id] == nil }, by: \.cubeID) {
            let returned = try await self.store.memories(ids: candidates.map(\.id), cubeID: cubeID)
                .filter { query.scope.statuses.contains($0.status) }
            self.records.keep(returned)
            for memory in returned { memories[memory.id] = memory }
        }
        return Array(working)
            + chosen.compactMap { candidate in
                memories[candidate.id].map {
                    Hit(
                        memory: $0,
                        relevance: candidate.relevance,
                        vectorScore: candidate.vectorScore,
                        keywordCoverage: candidate.keywordCoverage,
                        keywordRankScore: candidate.keywordScore,
                        matchedTerms: candidate.matchedTerms,
                        fused: candidate.fused
                    )
                }
            }
    }

    public func getMemories(
        request: Memos_Retrieval_V1_GetMemoriesRequest,
        context: ServerContext
    ) async throws -> Memos_Retrieval_V1_GetMemoriesResponse {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        let ids = try Validate.uuids(request.memoryIds, field: "memory_ids")
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .read)
        let found = try await self.store.memories(ids: ids, cubeID: request.cubeID)
        let foundIDs = Set(found.map(\.id))
        let memories = found.map { $0.proto(includeEmbedding: request.includeEmbeddings) }
        let fitting = ResponseBudget.fitting(memories)
        self.usage.record(found.prefix(fitting).map { UsageKey(cubeID: $0.cubeID, id: $0.id) })
        return .with {
            $0.memories = Array(memories.prefix(fitting))
            $0.missingIds = ids.filter { !foundIDs.contains($0) }.map { $0.lowercasedString }
            $0.omittedIds = found.dropFirst(fitting).map { $0.id.lowercasedString }
        }
    }

    public func listMemories(
        request: Memos_Retrieval_V1_ListMemoriesRequest,
        context: ServerContext
    ) async throws -> Memos_Retrieval_V1_ListMemoriesResponse {
        let principal = try RequestIdentity.require()
        let scope = try Self.cubeScope(
            request.cubeID,
            types: request.memoryTypes,
            statuses: request.statuses,
            filter: request.hasFilter ? request.filter : nil
        )
        let pageSize = try PageSize.resolve(request.pageSize, max: Limits.maxPageSize)
        let listing = "memories/\(request.cubeID)"
        let cursor =
            try await request.pageToken.isEmpty
            ? nil : self.pageTokens.decode(ListCursor.self, from: request.pageToken, listing: listing)
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .read)
        let page = try await self.store.list(in: scope, after: cursor, limit: pageSize + 1)
        let (memories, last) = ResponseBudget.page(page, pageSize: pageSize) {
            $0.proto(includeEmbedding: request.includeEmbeddings)
        }
        var response = Memos_Retrieval_V1_ListMemoriesResponse()
        response.memories = memories
        if let last {
            response.nextPageToken = try await self.pageTokens.encode(
                ListCursor(createdAt: last.createdAt, id: last.id),
                listing: listing
            )
        }
        return response
    }

    public func countMemories(
        request: Memos_Retrieval_V1_CountMemoriesRequest,
        context: ServerContext
    ) async throws -> Memos_Retrieval_V1_CountMemoriesResponse {
        let principal = try RequestIdentity.require()
        let scope = try Self.cubeScope(
            request.cubeID,
            statuses: request.statuses,
            filter: request.hasFilter ? request.filter : nil
        )
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .read)
        let counts = try await self.statistics.countsByType(in: scope)
        return .with {
            $0.counts = MemoryType.allCases.compactMap { type in
                counts[type].map { count in
                    .with {
                        $0.memoryType = type.proto
                        $0.count = Int64(count)
                    }
                }
            }
            $0.total = Int64(counts.values.reduce(0, +))
        }
    }
}

extension RetrievalService {
    /// The validated scope of a read of one cube.
    static func cubeScope(
        _ cubeID: String,
        types: [Memos_Common_V1_MemoryType] = [],
        statuses: [Memos_Common_V1_MemoryStatus],
        filter: Memos_Common_V1_Filter?
    ) throws -> MemoryScope {
        try Validate.cubeID(cubeID)
        return MemoryScope(
            cubeIDs: [cubeID],
            memoryTypes: try MemoryType.parse(types, field: "memory_types"),
            statuses: try MemoryStatus.parse(statuses, field: "statuses"),
            filter: try filter.map { try MemoryFilter($0) }
        )
    }
}

/// A validated search request.
struct SearchQuery {
    var scope: MemoryScope
    var ranker: HybridRanker
    var topK: Int { self.ranker.topK }
    var minChangeSeq: Int64
    var maxWait: Duration
    /// True when the session's WorkingMemory goes first (no memory types asked for).
    var includesWorkingMemory: Bool

    init(_ request: Memos_Retrieval_V1_SearchRequest) throws {
        try Validate.count(request.cubeIds.count, field: "cube_ids", max: Limits.maxCubesPerSearch)
        for (index, cubeID) in request.cubeIds.enumerated() { try Validate.cubeID(cubeID, field: "cube_ids[\(index)]") }
        try Validate.text(request.query, field: "query", maxBytes: Limits.maxQueryBytes)
        if request.topK < 0 || request.topK > Limits.maxTopK {
            throw MemOSError.invalidArgument("top_k must be between 1 and \(Limits.maxTopK)")
        }
        if request.hasRelativity, !(0...1).contains(request.relativity) {
            throw MemOSError.invalidArgument("relativity must be between 0 and 1")
        }
        try Validate.optionalText(request.sessionID, field: "session_id", maxBytes: Limits.maxIdentifierBytes)
        if request.minChangeSeq < 0 { throw MemOSError.invalidArgument("min_change_seq must not be negative") }
        if request.maxWaitMs < 0 || request.maxWaitMs > 30_000 {
            throw MemOSError.invalidArgument("max_wait_ms must be between 0 and 30000")
        }
        self.minChangeSeq = request.minChangeSeq
        self.maxWait = .milliseconds(request.maxWaitMs == 0 ? 2_000 : Int(request.maxWaitMs))
        let mode: HybridRanker.Mode
        switch request.retrievalMode {
        case .unspecified, .hybrid: mode = .hybrid
        case .vector: mode = .vector
        case .keyword: mode = .keyword
        case .UNRECOGNIZED: throw MemOSError.invalidArgument("retrieval_mode is not a known mode")
        }
        let dedup: HybridRanker.Dedup
        switch request.dedup {
        case .none: dedup = .none
        case .exact: dedup = .exact
        case .unspecified, .mmr: dedup = .mmr
        case .UNRECOGNIZED: throw MemOSError.invalidArgument("dedup is not a known mode")
        }
        self.ranker = HybridRanker(
            mode: mode,
            topK: request.topK == 0 ? Limits.defaultTopK : Int(request.topK),
            relativity: request.hasRelativity ? request.relativity : Limits.defaultRelativity,
            bestHitScore: request.hasRelativity ? request.relativity : Limits.defaultBestHitScore,
            dedup: dedup,
            sessionID: request.sessionID
        )
        // The ranked search leaves out WorkingMemory (copies of long-term memories) unless asked for; the session's
        // items are put first instead (see RetrievalService.workingMemoryFirst).
        let types = try MemoryType.parse(request.memoryTypes, field: "memory_types")
        self.includesWorkingMemory = types.isEmpty
        self.scope = MemoryScope(
            cubeIDs: Array(Set(request.cubeIds)).sorted(),
            memoryTypes: types.isEmpty ? Set(MemoryType.allCases).subtracting([.workingMemory]) : types,
            statuses: try MemoryStatus.parse(request.statuses, field: "statuses"),
            filter: request.hasFilter ? try MemoryFilter(request.filter) : nil
        )
    }
}
