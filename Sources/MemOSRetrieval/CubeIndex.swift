import CKernels
import Foundation
import MemOSCore

/// The vectors and terms of one cube with what search filters on, in contiguous storage; not thread-safe (see
/// ``LiveCube``).
///
/// One row per memory: its float32 vector in `vectors` (row-major), its terms in ``KeywordIndex``, id, status,
/// type, session, change sequence number and two text fingerprints. A change that keeps the vector and the text
/// edits the row in place; one that changes either retires the row and appends a new one (so an HNSW graph never
/// sees a vector move); a removed memory retires its row. Retired rows are dropped by ``compacted()``.
///
/// Memory per 384-dimensional memory: 1,536 bytes of vector, 16 of id, 8 of change sequence, 16 of
/// fingerprints, 4 of session, 3 of status, type and liveness, and about 27 in the id → row dictionary: ~1,610
/// bytes (1.57 KiB); the keyword index adds 4 bytes of length and 8 per distinct term (a three-turn LoCoMo
/// window has about 30: ~250 bytes). An HNSW graph (``HNSWGraph``) adds 128 bytes of level-0 links, 5 of
/// bookkeeping and ~8 on average for the upper levels.
struct CubeIndex: Sendable {
    let dimension: Int
    /// Above this many rows search walks an HNSW graph instead of scanning (see docs/benchmarks.md).
    let hnswThreshold: Int
    /// Candidates kept while linking a new node into the graph (``HNSWGraph/efConstruction``).
    let efConstruction: Int
    private(set) var vectors: [Float] = []
    private(set) var ids: [UUID] = []
    private var statuses: [UInt8] = []
    private var types: [UInt8] = []
    private var sessions: [Int32] = []
    private var seqs: [Int64] = []
    private var textFingerprints: [UInt64] = []
    private var contentFingerprints: [UInt64] = []
    private var live: [Bool] = []
    private var keyword = KeywordIndex()
    private var rowOf: [UUID: Int32] = [:]
    /// Change sequence numbers of memories removed for good, so that an older state read again is ignored.
    private var removedAt: [UUID: Int64] = [:]
    private var sessionNumbers: [String: Int32] = [:]
    private var sessionNames: [String] = []
    private(set) var retiredRows = 0
    private(set) var graph: HNSWGraph?
    /// Counts compactions, which renumber rows: a graph made before one cannot be attached after it.
    private(set) var generation = 0

    /// Rows in use, retired ones included.
    var rowCount: Int { self.ids.count }
    var liveCount: Int { self.rowCount - self.retiredRows }

    /// About how many bytes the cube holds: per row its vector and some 384 bytes of keyword postings, record
    /// fields and graph edges (measured: 1.83 KB per 384-dimension memory at 1,000,000 memories over 1,000 cubes,
    /// docs/benchmarks.md "Sharded retrieval").
    var estimatedBytes: Int { self.rowCount * (self.dimension * 4 + 384) }

    init(dimension: Int, hnswThreshold: Int = Self.defaultHNSWThreshold, efConstruction: Int = HNSWGraph.efConstruction)
    {
        self.dimension = dimension
        self.hnswThreshold = hnswThreshold
        self.efConstruction = efConstruction
    }

    /// Cubes with more live memories than this get an HNSW graph: below it an exact scan takes under about
    /// 1 ms on the benchmark machine (docs/architecture.md, "The search index").
    static let defaultHNSWThreshold = 20_000
    static let statusCodes: [MemoryStatus: UInt8] = Dictionary(
        uniqueKeysWithValues: MemoryStatus.allCases.enumerated().map { ($1, UInt8($0)) }
    )
    static let typeCodes: [MemoryType: UInt8] = Dictionary(
        uniqueKeysWithValues: MemoryType.allCases.enumerated().map { ($1, UInt8($0)) }
    )

    // MARK: Changes

    /// Applies the current state of a memory, unless the index already holds that state or a newer one.
    ///
    /// - Parameter document: the memory's terms (``KeywordDocument/init(key:content:)``), made by the caller
    ///   outside the index's lock.
    mutating func apply(_ memory: IndexedMemory, document: KeywordDocument) {
        if let removed = self.removedAt[memory.id], removed >= memory.changeSeq { return }
        let existing = self.rowOf[memory.id]
        if let existing, self.seqs[Int(existing)] >= memory.changeSeq { return }
        guard let embedding = memory.embedding, embedding.count == self.dimension else {
            if let existing { self.retire(existing) }
            return
        }
        if let existing, self.vector(existing).elementsEqual(embedding),
            self.textFingerprints[Int(existing)] == document.textFingerprint
        {
            self.setAttributes(of: Int(existing), memory)
            return
        }
        if let existing { self.retire(existing) }
        let row = Int32(self.ids.count)
        self.vectors.append(contentsOf: embedding)
        self.ids.append(memory.id)
        self.statuses.append(0)
        self.types.append(0)
        self.sessions.append(0)
        self.seqs.append(0)
        self.textFingerprints.append(document.textFingerprint)
        self.contentFingerprints.append(document.contentFingerprint)
        self.live.append(true)
        self.keyword.append(document)
        self.setAttributes(of: Int(row), memory)
        self.rowOf[memory.id] = row
        if var graph = self.graph {
            self.graph = nil  // uniquely referenced while it grows
            graph.insert(row, in: self)
            self.graph = graph
        }
    }

    /// Applies the current state of a memory, making its terms under the caller's lock.
    mutating func apply(_ memory: IndexedMemory) {
        self.apply(memory, document: KeywordDocument(key: memory.key, content: memory.content))
    }

    /// Removes a memory removed for good, unless the index holds a newer state.
    mutating func apply(_ removed: RemovedMemory) {
        if let row = self.rowOf[removed.id] {
            guard self.seqs[Int(row)] < removed.changeSeq else { return }
            self.retire(row)
        }
        self.removedAt[removed.id] = max(self.removedAt[removed.id] ?? 0, removed.changeSeq)
    }

    /// True when retired rows take more room than the live ones can spare: time for ``compacted()``.
    var needsCompaction: Bool { self.retiredRows > max(1_024, self.liveCount / 2) }

    /// The same index without retired rows, and without a graph until one is attached again.
    func compacted() -> CubeIndex {
        var copy = self
        copy.graph = nil
        copy.generation = self.generation + 1
        copy.retiredRows = 0
        var newRow = [Int32?](repeating: nil, count: self.rowCount)
        var kept = 0
        for row in 0..<self.rowCount where self.live[row] {
            newRow[row] = Int32(kept)
            kept += 1
        }
        func keep<Element>(_ column: [Element]) -> [Element] {
            column.indices.compactMap { newRow[$0] == nil ? nil : column[$0] }
        }
        copy.vectors = []
        copy.vectors.reserveCapacity(kept * self.dimension)
        for row in 0..<self.rowCount where self.live[row] { copy.vectors.append(contentsOf: self.vector(Int32(row))) }
        copy.ids = keep(self.ids)
        copy.statuses = keep(self.statuses)
        copy.types = keep(self.types)
        copy.sessions = keep(self.sessions)
        copy.seqs = keep(self.seqs)
        copy.textFingerprints = keep(self.textFingerprints)
        copy.contentFingerprints = keep(self.contentFingerprints)
        copy.live = [Bool](repeating: true, count: kept)
        copy.rowOf = Dictionary(uniqueKeysWithValues: copy.ids.enumerated().map { ($1, Int32($0)) })
        copy.keyword = self.keyword.compacted(newRow)
        return copy
    }

    // MARK: Graph

    /// True when the cube is above the HNSW threshold and has no graph yet: searches scan exactly meanwhile.
    var wantsGraph: Bool { self.graph == nil && self.liveCount > self.hnswThreshold }

    /// A graph of the live rows (slow: run it off the index's lock on a copy, then ``attach(_:generation:)``).
    func makeGraph() -> HNSWGraph {
        HNSWGraph(index: self, efConstruction: self.efConstruction)
    }

    /// Attaches a graph made from a copy of this index at `generation`, adding the rows appended since; false
    /// (and nothing attached) when the index was compacted meanwhile.
    @discardableResult
    mutating func attach(_ graph: HNSWGraph, generation: Int) -> Bool {
        guard generation == self.generation, self.graph == nil else { return false }
        var graph = graph
        for row in graph.coveredRows..<self.rowCount where self.live[row] { graph.insert(Int32(row), in: self) }
        self.graph = graph
        return true
    }

    private mutating func retire(_ row: Int32) {
        guard self.live[Int(row)] else { return }
        self.live[Int(row)] = false
        self.rowOf[self.ids[Int(row)]] = nil
        self.retiredRows += 1
        self.keyword.retire(row)
    }

    private mutating func setAttributes(of row: Int, _ memory: IndexedMemory) {
        self.statuses[row] = Self.statusCodes[memory.status]!
        self.types[row] = Self.typeCodes[memory.memoryType]!
        self.sessions[row] = self.sessionNumber(memory.sessionID)
        self.seqs[row] = memory.changeSeq
    }

    private mutating func sessionNumber(_ session: String) -> Int32 {
        if let number = self.sessionNumbers[session] { return number }
        let number = Int32(self.sessionNames.count)
        self.sessionNumbers[session] = number
        self.sessionNames.append(session)
        return number
    }

    func isLive(_ row: Int32) -> Bool { self.live[Int(row)] }

    func vector(_ row: Int32) -> ArraySlice<Float> {
        let start = Int(row) * self.dimension
        return self.vectors[start..<(start + self.dimension)]
    }

    // MARK: Search

    /// Which rows a search may return.
    struct RowFilter {
        var statuses: Set<MemoryStatus>
        /// Empty: every type.
        var memoryTypes: Set<MemoryType>
        /// Only these memories (a filter expression evaluated by PostgreSQL); nil: no such restriction.
        var allowedIDs: Set<UUID>?
    }

    /// Row-level predicate compiled from a ``RowFilter`` for this index.
    struct Acceptance {
        var live: [Bool]
        var statuses: [UInt8]
        var types: [UInt8]
        var statusMask: UInt32
        var typeMask: UInt32
        var allowed: [Bool]?

        @inline(__always)
        func accepts(_ row: Int) -> Bool {
            self.live[row] && self.statusMask & (1 << UInt32(self.statuses[row])) != 0
                && self.typeMask & (1 << UInt32(self.types[row])) != 0 && (self.allowed?[row] ?? true)
        }
    }

    func acceptance(_ filter: RowFilter) -> Acceptance {
        var statusMask: UInt32 = 0
        for status in filter.statuses { statusMask |= 1 << UInt32(Self.statusCodes[status]!) }
        var typeMask: UInt32 = filter.memoryTypes.isEmpty ? ~0 : 0
        for type in filter.memoryTypes { typeMask |= 1 << UInt32(Self.typeCodes[type]!) }
        var allowed: [Bool]?
        if let ids = filter.allowedIDs {
            var rows = [Bool](repeating: false, count: self.rowCount)
            for id in ids { if let row = self.rowOf[id] { rows[Int(row)] = true } }
            allowed = rows
        }
        return Acceptance(
            live: self.live,
            statuses: self.statuses,
            types: self.types,
            statusMask: statusMask,
            typeMask: typeMask,
            allowed: allowed
        )
    }

    /// Below this share of accepted rows an HNSW search scans the accepted rows exactly instead: a graph walk
    /// would visit mostly rejected rows and could miss the accepted ones.
    static let selectiveShare = 0.05

    /// The `k` accepted rows most similar (dot product) to `query`, best first, by id and score.
    ///
    /// Exact (every accepted row scored) below the HNSW threshold and for selective filters; an HNSW walk that
    /// skips rejected rows otherwise.
    func search(_ query: [Float], k: Int, filter: RowFilter) -> [(id: UUID, score: Float)] {
        guard k > 0, query.count == self.dimension, self.rowCount > 0 else { return [] }
        let acceptance = self.acceptance(filter)
        var results: [(row: Int32, score: Float)]?
        if let graph = self.graph {
            // Counting stops as soon as the filter is known not to be selective (after about 5 % of the rows
            // when it accepts all of them), not after the whole index.
            let needed = Int((Self.selectiveShare * Double(self.liveCount)).rounded(.up))
            var accepted = 0
            var row = 0
            while accepted < needed, row < self.rowCount {
                if acceptance.accepts(row) { accepted += 1 }
                row += 1
            }
            if accepted >= needed {
                results = graph.search(
                    query,
                    k: k,
                    ef: max(HNSWGraph.efSearch, k),
                    in: self,
                    accepts: acceptance.accepts
                )
            }
        }
        return (results ?? self.exactSearch(query, k: k, accepts: acceptance.accepts)).map {
            (self.ids[Int($0.row)], $0.score)
        }
    }

    /// The `k` accepted rows with the best BM25 score for the query's `terms` (``KeywordTokenizer``), best
    /// first, by id and score.
    func keywordSearch(_ terms: [String], k: Int, filter: RowFilter) -> [(id: UUID, score: Float)] {
        guard k > 0, !terms.isEmpty, self.liveCount > 0 else { return [] }
        let acceptance = self.acceptance(filter)
        let live = self.live
        return self.keyword.search(
            terms,
            k: k,
            liveCount: self.liveCount,
            isLive: { live[$0] },
            accepts: acceptance.accepts
        )
        .map { (self.ids[Int($0.row)], $0.score) }
    }

    /// What ranking needs of a memory the index holds: its session, content fingerprint and vector, the change
    /// sequence number of the state the index holds, and how much of the query's words it holds.
    struct Summary: Sendable {
        var sessionID: String
        var contentFingerprint: UInt64
        var embedding: [Float]
        var changeSeq: Int64
        /// ``KeywordIndex/coverage(_:rows:liveCount:isLive:)`` of the query's terms.
        var keywordCoverage: Float = 0
        /// The query's terms the memory holds.
        var matchedTerms: [String] = []
    }

    /// The summaries of the memories of `ids` the index holds, with their coverage of the query's `terms`.
    func summaries(_ ids: some Sequence<UUID>, terms: [String] = []) -> [UUID: Summary] {
        let rows = ids.compactMap { id in self.rowOf[id].map { (id, $0) } }
        let live = self.live
        let coverage =
            terms.isEmpty
            ? []
            : self.keyword.coverage(terms, rows: rows.map(\.1), liveCount: self.liveCount, isLive: { live[$0] })
        var found: [UUID: Summary] = [:]
        for (index, (id, row)) in rows.enumerated() {
            found[id] = Summary(
                sessionID: self.sessionNames[Int(self.sessions[Int(row)])],
                contentFingerprint: self.contentFingerprints[Int(row)],
                embedding: Array(self.vector(row)),
                changeSeq: self.seqs[Int(row)],
                keywordCoverage: coverage.isEmpty ? 0 : coverage[index].coverage,
                matchedTerms: coverage.isEmpty ? [] : coverage[index].matched
            )
        }
        return found
    }

    /// Scores every accepted row (one dot product each, the graph walk's ``memos_dot``: single-threaded, so
    /// concurrent searches do not contend for threads) and keeps the best.
    func exactSearch(_ query: [Float], k: Int, accepts: (Int) -> Bool) -> [(row: Int32, score: Float)] {
        var best = ScoredHeap(worstFirst: true)
        let dimension = self.dimension
        self.vectors.withUnsafeBufferPointer { matrix in
            query.withUnsafeBufferPointer { query in
                for row in 0..<self.rowCount where accepts(row) {
                    let score = memos_dot(query.baseAddress!, matrix.baseAddress! + row * dimension, dimension)
                    if best.count < k {
                        best.push(score, Int32(row))
                    } else if score > best.topScore {
                        best.replaceTop(score, Int32(row))
                    }
                }
            }
        }
        return best.sortedBestFirst()
    }
}

/// A binary heap of (score, row), either best (highest score) or worst first.
struct ScoredHeap {
    private(set) var scores: [Float] = []
    private(set) var rows: [Int32] = []
    /// True: the lowest score on top (a bounded result set); false: the highest (a candidate queue).
    let worstFirst: Bool

    init(worstFirst: Bool) {
        self.worstFirst = worstFirst
    }

    var count: Int { self.scores.count }
    var isEmpty: Bool { self.scores.isEmpty }
    var topScore: Float { self.scores[0] }
    var topRow: Int32 { self.rows[0] }

    @inline(__always)
    private func above(_ a: Int, _ b: Int) -> Bool {
        self.worstFirst ? self.scores[a] < self.scores[b] : self.scores[a] > self.scores[b]
    }

    mutating func push(_ score: Float, _ row: Int32) {
        self.scores.append(score)
        self.rows.append(row)
        var child = self.scores.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard self.above(child, parent) else { break }
            self.scores.swapAt(child, parent)
            self.rows.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (score: Float, row: Int32) {
        let top = (self.scores[0], self.rows[0])
        let lastScore = self.scores.removeLast()
        let lastRow = self.rows.removeLast()
        if !self.scores.isEmpty { self.replaceTop(lastScore, lastRow) }
        return top
    }

    /// Replaces the top element and restores the heap order.
    mutating func replaceTop(_ score: Float, _ row: Int32) {
        self.scores[0] = score
        self.rows[0] = row
        var parent = 0
        let count = self.scores.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { break }
            var child = left
            if left + 1 < count, self.above(left + 1, left) { child = left + 1 }
            guard self.above(child, parent) else { break }
            self.scores.swapAt(child, parent)
            self.rows.swapAt(child, parent)
            parent = child
        }
    }

    /// The elements, highest score first (ties by row).
    func sortedBestFirst() -> [(row: Int32, score: Float)] {
        zip(self.rows, self.scores).map { (row: $0, score: $1) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.row < $1.row }
    }
}
