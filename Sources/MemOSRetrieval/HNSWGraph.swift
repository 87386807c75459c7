import CKernels
import Foundation
import MemOSCore
import Synchronization

/// A hierarchical navigable small-world graph (Malkov & Yashunin) over the rows of a ``CubeIndex``, by dot
/// product of unit vectors.
///
/// M = 16 neighbours per node on upper levels and 32 on level 0, chosen with the paper's heuristic (a candidate
/// is kept only when it is closer to the new node than to every neighbour already kept), which keeps clustered
/// data connected. Level 0 is one flat array of 32 Int32 per row (128 bytes per memory); upper levels, which
/// one node in 16 reaches, are stored per node. Levels are drawn from a fixed-seed generator, so a graph built
/// from the same rows in the same order is always the same.
///
/// Filters are applied during the walk: rejected nodes are traversed but never returned, and the walk goes on
/// until `ef` accepted nodes are found (``CubeIndex`` scans exactly when too few rows are accepted).
struct HNSWGraph: Sendable {
    static let m = 16
    static let m0 = 32
    static let efConstruction = 64
    /// Candidates kept by a search (at least k).
    static let efSearch = 96

    let dimension: Int
    let efConstruction: Int
    /// The index's row count when the graph was made: later rows are inserted one by one.
    let coveredRows: Int
    private var level0: [Int32] = []
    private var level0Counts: [UInt8] = []
    /// Neighbours on levels 1... of the nodes that reach them: `upper[row][level - 1]`.
    private var upper: [Int32: [[Int32]]] = [:]
    private var entry: Int32 = -1
    private var topLevel = 0
    private var random = SplitMix64(seed: 0x5EED)
    private var visitMarks: [UInt32] = []
    private var visitEpoch: UInt32 = 0
    /// Visit marks with their last epoch, reused by searches so that a search neither allocates nor clears a mark
    /// per row (at most eight kept).
    private static let spareVisitMarks = Mutex<[(marks: [UInt32], epoch: UInt32)]>([])

    /// A graph of every live row of `index`, in row order.
    init(index: CubeIndex, efConstruction: Int = Self.efConstruction) {
        self.dimension = index.dimension
        self.efConstruction = efConstruction
        self.coveredRows = index.rowCount
        let liveRows = (0..<index.rowCount).filter { index.isLive(Int32($0)) }
        index.vectors.withUnsafeBufferPointer { vectors in
            for row in liveRows { self.insert(Int32(row), vectors: vectors) }
        }
    }

    /// Adds a row that has just been appended to `index`.
    mutating func insert(_ row: Int32, in index: CubeIndex) {
        index.vectors.withUnsafeBufferPointer { self.insert(row, vectors: $0) }
    }

    private mutating func insert(_ row: Int32, vectors: UnsafeBufferPointer<Float>) {
        let needed = Int(row) + 1
        if self.level0Counts.count < needed {
            let grown = max(needed, self.level0Counts.count * 2, 1_024)
            self.level0.append(contentsOf: repeatElement(-1, count: (grown - self.level0Counts.count) * Self.m0))
            self.level0Counts.append(contentsOf: repeatElement(0, count: grown - self.level0Counts.count))
            self.visitMarks.append(contentsOf: repeatElement(0, count: grown - self.visitMarks.count))
        }
        let level = self.randomLevel()
        if level > 0 { self.upper[row] = Array(repeating: [], count: level) }
        guard self.entry >= 0 else {
            self.entry = row
            self.topLevel = level
            return
        }
        let base = vectors.baseAddress!
        let query = base + Int(row) * self.dimension
        var nearest = (score: self.similarity(query, self.entry, base), row: self.entry)
        if self.topLevel > level {
            for layer in stride(from: self.topLevel, to: level, by: -1) {
                nearest = self.greedy(query, from: nearest, level: layer, base: base)
            }
        }
        var entries = [nearest]
        for layer in stride(from: min(level, self.topLevel), through: 0, by: -1) {
            let found = self.searchLayer(
                query,
                entries: entries,
                ef: self.efConstruction,
                level: layer,
                base: base,
                accepts: { _ in true }
            )
            let maxNeighbours = layer == 0 ? Self.m0 : Self.m
            let chosen = self.selectNeighbours(found, max: Self.m, base: base)
            self.setNeighbours(of: row, level: layer, chosen)
            for neighbour in chosen { self.link(neighbour, to: row, level: layer, max: maxNeighbours, base: base) }
            entries = found
        }
        if level > self.topLevel {
            self.topLevel = level
            self.entry = row
        }
    }

    /// Draws a level: 0 with probability 1 − 1/M, each further level M times less likely.
    private mutating func randomLevel() -> Int {
        let uniform = Double(self.random.next() >> 11) / Double(1 << 53)
        return min(Int(-log(max(uniform, .leastNonzeroMagnitude)) / log(Double(Self.m))), 16)
    }

    // MARK: Search

    /// The `k` accepted rows most similar to `query`, best first.
    func search(
        _ query: [Float],
        k: Int,
        ef: Int,
        in index: CubeIndex,
        accepts: (Int) -> Bool
    ) -> [(row: Int32, score: Float)] {
        guard self.entry >= 0 else { return [] }
        var copy = self
        var (marks, epoch) = Self.spareVisitMarks.withLock { $0.popLast() } ?? ([], 0)
        if marks.count < self.visitMarks.count { marks += repeatElement(0, count: self.visitMarks.count - marks.count) }
        (copy.visitMarks, copy.visitEpoch) = (marks, epoch)
        defer {
            let spare = (marks: copy.visitMarks, epoch: copy.visitEpoch)
            Self.spareVisitMarks.withLock { if $0.count < 8 { $0.append(spare) } }
        }
        return index.vectors.withUnsafeBufferPointer { vectors in
            query.withUnsafeBufferPointer { query in
                let base = vectors.baseAddress!
                var nearest = (score: copy.similarity(query.baseAddress!, copy.entry, base), row: copy.entry)
                for layer in stride(from: copy.topLevel, to: 0, by: -1) {
                    nearest = copy.greedy(query.baseAddress!, from: nearest, level: layer, base: base)
                }
                let found = copy.searchLayer(
                    query.baseAddress!,
                    entries: [nearest],
                    ef: max(ef, k),
                    level: 0,
                    base: base,
                    accepts: accepts
                )
                return Array(found.prefix(k).map { (row: $0.row, score: $0.score) })
            }
        }
    }

    @inline(__always)
    private func similarity(_ query: UnsafePointer<Float>, _ row: Int32, _ base: UnsafePointer<Float>) -> Float {
        memos_dot(query, base + Int(row) * self.dimension, self.dimension)
    }

    /// Moves to better neighbours on one level while there are any.
    private func greedy(
        _ query: UnsafePointer<Float>,
        from start: (score: Float, row: Int32),
        level: Int,
        base: UnsafePointer<Float>
    ) -> (score: Float, row: Int32) {
        var current = start
        var improved = true
        while improved {
            improved = false
            self.forEachNeighbour(of: current.row, level: level) { neighbour in
                let score = self.similarity(query, neighbour, base)
                if score > current.score {
                    current = (score, neighbour)
                    improved = true
                }
            }
        }
        return current
    }

    /// Best-first search on one level from `entries`; returns up to `ef` accepted rows, best first.
    private mutating func searchLayer(
        _ query: UnsafePointer<Float>,
        entries: [(score: Float, row: Int32)],
        ef: Int,
        level: Int,
        base: UnsafePointer<Float>,
        accepts: (Int) -> Bool
    ) -> [(score: Float, row: Int32)] {
        self.visitEpoch &+= 1
        if self.visitEpoch == 0 {
            for index in self.visitMarks.indices { self.visitMarks[index] = 0 }
            self.visitEpoch = 1
        }
        let epoch = self.visitEpoch
        let dimension = self.dimension
        var candidates = ScoredHeap(worstFirst: false)
        var results = ScoredHeap(worstFirst: true)
        var marks = self.visitMarks
        self.visitMarks = []  // uniquely referenced by `marks` while the walk writes it
        defer { self.visitMarks = marks }
        let vectorBytes = dimension * MemoryLayout<Float>.stride
        marks.withUnsafeMutableBufferPointer { marks in
            for entry in entries where marks[Int(entry.row)] != epoch {
                marks[Int(entry.row)] = epoch
                candidates.push(entry.score, entry.row)
                if accepts(Int(entry.row)) { results.push(entry.score, entry.row) }
                if results.count > ef { _ = results.pop() }
            }
            // A node's unvisited neighbours are gathered first; each one's vector is then fetched into the cache
            // while the one before it is scored (the walk's time goes to memory latency more than to arithmetic).
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: Self.m0) { pending in
                self.level0.withUnsafeBufferPointer { level0 in
                    self.level0Counts.withUnsafeBufferPointer { counts in
                        while !candidates.isEmpty {
                            let (score, row) = candidates.pop()
                            if results.count >= ef, score < results.topScore { break }
                            var count = 0
                            func gather(_ neighbour: Int32) {
                                guard marks[Int(neighbour)] != epoch, count < pending.count else { return }
                                marks[Int(neighbour)] = epoch
                                pending[count] = neighbour
                                count += 1
                            }
                            if level == 0 {
                                let start = Int(row) * Self.m0
                                for offset in start..<(start + Int(counts[Int(row)])) { gather(level0[offset]) }
                            } else if let lists = self.upper[row], lists.count >= level {
                                for neighbour in lists[level - 1] { gather(neighbour) }
                            }
                            if count > 0 { memos_prefetch(base + Int(pending[0]) * dimension, vectorBytes) }
                            for index in 0..<count {
                                if index + 1 < count {
                                    memos_prefetch(base + Int(pending[index + 1]) * dimension, vectorBytes)
                                }
                                let neighbour = pending[index]
                                let similarity = memos_dot(query, base + Int(neighbour) * dimension, dimension)
                                guard results.count < ef || similarity > results.topScore else { continue }
                                candidates.push(similarity, neighbour)
                                if accepts(Int(neighbour)) {
                                    results.push(similarity, neighbour)
                                    if results.count > ef { _ = results.pop() }
                                }
                            }
                        }
                    }
                }
            }
        }
        return results.sortedBestFirst().map { (score: $0.score, row: $0.row) }
    }

    @inline(__always)
    private func forEachNeighbour(of row: Int32, level: Int, _ body: (Int32) -> Void) {
        if level == 0 {
            let start = Int(row) * Self.m0
            for offset in 0..<Int(self.level0Counts[Int(row)]) { body(self.level0[start + offset]) }
        } else if let lists = self.upper[row], level <= lists.count {
            for neighbour in lists[level - 1] { body(neighbour) }
        }
    }

    // MARK: Links

    /// The paper's heuristic: walk candidates best first, keep one only when it is more similar to the query
    /// than to every one kept so far.
    private func selectNeighbours(
        _ candidates: [(score: Float, row: Int32)],
        max: Int,
        base: UnsafePointer<Float>
    ) -> [Int32] {
        var kept: [Int32] = []
        for candidate in candidates {
            if kept.count >= max { break }
            let vector = base + Int(candidate.row) * self.dimension
            if kept.allSatisfy({ self.similarity(vector, $0, base) < candidate.score }) { kept.append(candidate.row) }
        }
        return kept
    }

    private mutating func setNeighbours(of row: Int32, level: Int, _ neighbours: [Int32]) {
        if level == 0 {
            let start = Int(row) * Self.m0
            for (offset, neighbour) in neighbours.prefix(Self.m0).enumerated() {
                self.level0[start + offset] = neighbour
            }
            self.level0Counts[Int(row)] = UInt8(min(neighbours.count, Self.m0))
        } else {
            self.upper[row]![level - 1] = neighbours
        }
    }

    /// Adds `row` to `node`'s neighbours; when that overflows, re-selects `node`'s neighbours by the heuristic.
    private mutating func link(_ node: Int32, to row: Int32, level: Int, max: Int, base: UnsafePointer<Float>) {
        var current: [Int32] = []
        self.forEachNeighbour(of: node, level: level) { current.append($0) }
        if current.count < max {
            current.append(row)
            self.setNeighbours(of: node, level: level, current)
            return
        }
        let vector = base + Int(node) * self.dimension
        let candidates = (current + [row]).map { (score: self.similarity(vector, $0, base), row: $0) }
            .sorted { $0.score > $1.score }
        self.setNeighbours(of: node, level: level, self.selectNeighbours(candidates, max: max, base: base))
    }
}
