import Foundation
import MemOSCore

/// What the keyword side of the index keeps of one memory: its terms (key and content, see
/// ``KeywordTokenizer``) and two fingerprints. Made outside the index's lock.
struct KeywordDocument: Sendable {
    var frequencies: [String: Int]
    var length: Int
    /// Of key and content: tells whether an update changed the text.
    var textFingerprint: UInt64
    /// Of the content lower-cased with its whitespace collapsed: equal for exact duplicates (search's `exact`
    /// dedup).
    var contentFingerprint: UInt64

    init(key: String, content: String) {
        let terms = KeywordTokenizer.terms(key) + KeywordTokenizer.terms(content)
        var frequencies: [String: Int] = [:]
        for term in terms { frequencies[term, default: 0] += 1 }
        self.frequencies = frequencies
        self.length = terms.count
        self.textFingerprint = Fingerprint.value(of: Array(key.utf8) + [0] + Array(content.utf8))
        self.contentFingerprint = Fingerprint.value(of: Self.normalised(content).utf8)
    }

    /// Content as exact dedup compares it: lower-cased, whitespace runs collapsed to one space.
    static func normalised(_ content: String) -> String {
        content.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}

/// An inverted index over a cube's rows (the rows of ``CubeIndex``) scored by BM25; not thread-safe.
///
/// Each term lists the rows that contain it with their counts. A retired row stays listed until the cube is
/// compacted, and is skipped when scoring; document frequencies and the average length count live rows only.
///
/// Memory: 8 bytes per distinct term of each memory (row and count), plus the term dictionary, shared by the
/// cube's memories.
struct KeywordIndex: Sendable {
    struct Posting: Sendable {
        var row: Int32
        var count: Int32
    }

    private var termNumbers: [String: Int32] = [:]
    private var postings: [[Posting]] = []
    private var lengths: [Int32] = []
    /// Sum of the live rows' lengths.
    private var liveLength = 0

    /// BM25 parameters (the usual defaults, as in Lucene and rank_bm25).
    static let k1 = 1.2
    static let b = 0.75

    /// Appends the next row (rows are numbered densely in the order they are appended).
    mutating func append(_ document: KeywordDocument) {
        let row = Int32(self.lengths.count)
        self.lengths.append(Int32(document.length))
        self.liveLength += document.length
        for (term, count) in document.frequencies {
            let number: Int32
            if let known = self.termNumbers[term] {
                number = known
            } else {
                number = Int32(self.postings.count)
                self.termNumbers[term] = number
                self.postings.append([])
            }
            self.postings[Int(number)].append(Posting(row: row, count: Int32(count)))
        }
    }

    /// Takes a row out of the length statistics (its postings are skipped from now on).
    mutating func retire(_ row: Int32) {
        self.liveLength -= Int(self.lengths[Int(row)])
    }

    /// The same index over the rows `newRow` maps to a new number, in the same order; rows it maps to nil are
    /// dropped.
    func compacted(_ newRow: [Int32?]) -> KeywordIndex {
        var copy = KeywordIndex()
        for (row, length) in self.lengths.enumerated() where newRow[row] != nil {
            copy.lengths.append(length)
            copy.liveLength += Int(length)
        }
        for (term, number) in self.termNumbers {
            let kept = self.postings[Int(number)].compactMap { posting in
                newRow[Int(posting.row)].map { Posting(row: $0, count: posting.count) }
            }
            guard !kept.isEmpty else { continue }
            copy.termNumbers[term] = Int32(copy.postings.count)
            copy.postings.append(kept)
        }
        return copy
    }

    /// The `k` accepted rows with the best BM25 score for `terms` (each distinct term counted once), best first.
    ///
    /// - Parameters:
    ///   - liveCount: live rows, for the inverse document frequency.
    ///   - isLive: whether a row counts in the statistics.
    ///   - accepts: whether a row may be returned.
    func search(
        _ terms: [String],
        k: Int,
        liveCount: Int,
        isLive: (Int) -> Bool,
        accepts: (Int) -> Bool
    ) -> [(row: Int32, score: Float)] {
        guard k > 0, liveCount > 0 else { return [] }
        let averageLength = max(Double(self.liveLength) / Double(liveCount), 1)
        let lists = self.weighted(Array(Set(terms)), liveCount: liveCount, isLive: isLive).compactMap { term in
            term.postings.isEmpty ? nil : (idf: term.idf, postings: term.postings)
        }
        // Scores add up in an array over all rows when the lists are long (common terms in a large cube), where a
        // dictionary would hash every posting; in a dictionary when they are short.
        let postingCount = lists.reduce(0) { $0 + $1.postings.count }
        var dense: [Float] =
            postingCount * 8 >= self.lengths.count ? Array(repeating: 0, count: self.lengths.count) : []
        var touched: [Int32] = []
        var sparse: [Int32: Float] = [:]
        for (idf, list) in lists {
            for posting in list where accepts(Int(posting.row)) {
                let count = Double(posting.count)
                let norm = 1 - Self.b + Self.b * Double(self.lengths[Int(posting.row)]) / averageLength
                let score = Float(idf * count * (Self.k1 + 1) / (count + Self.k1 * norm))
                if dense.isEmpty {
                    sparse[posting.row, default: 0] += score
                } else {
                    if dense[Int(posting.row)] == 0 { touched.append(posting.row) }
                    dense[Int(posting.row)] += score
                }
            }
        }
        var best = ScoredHeap(worstFirst: true)
        func offer(_ row: Int32, _ score: Float) {
            if best.count < k {
                best.push(score, row)
            } else if score > best.topScore {
                best.replaceTop(score, row)
            }
        }
        if dense.isEmpty {
            for (row, score) in sparse { offer(row, score) }
        } else {
            for row in touched { offer(row, dense[Int(row)]) }
        }
        return best.sortedBestFirst()
    }

    /// How much of the query's information each of `rows` holds, on an absolute scale: the summed inverse document
    /// frequency of the distinct query terms the row contains, over that of all the query's distinct terms, in
    /// 0...1. A term no live row holds counts with the largest inverse document frequency (a word nobody in the cube
    /// used, such as a name it never mentions), so that matching the query's common words alone scores low. Unlike a
    /// BM25 score divided by the best of the search, it does not reach 1 just because some row matched best.
    ///
    /// - Returns: per row, the coverage and the query terms the row contains (in the query's order).
    func coverage(
        _ terms: [String],
        rows: [Int32],
        liveCount: Int,
        isLive: (Int) -> Bool
    ) -> [(coverage: Float, matched: [String])] {
        var distinct: [String] = []
        for term in terms where !distinct.contains(term) { distinct.append(term) }
        guard !distinct.isEmpty, liveCount > 0 else { return rows.map { _ in (0, []) } }
        let weighted = self.weighted(distinct, liveCount: liveCount, isLive: isLive)
        let total = weighted.reduce(0) { $0 + $1.idf }
        let known = weighted.filter { !$0.postings.isEmpty }
        return rows.map { row in
            var held = 0.0
            var matched: [String] = []
            for (term, weight, list) in known where Self.contains(list, row) {
                held += weight
                matched.append(term)
            }
            return (total > 0 ? Float(min(held / total, 1)) : 0, matched)
        }
    }

    /// Each term with its BM25 inverse document frequency over the live rows and its postings; a term no live row
    /// holds gets the frequency 0's (the largest) and no postings.
    private func weighted(
        _ terms: [String],
        liveCount: Int,
        isLive: (Int) -> Bool
    ) -> [(term: String, idf: Double, postings: [Posting])] {
        terms.map { term in
            let list = self.termNumbers[term].map { self.postings[Int($0)] } ?? []
            var frequency = 0
            for posting in list where isLive(Int(posting.row)) { frequency += 1 }
            let idf = log(1 + (Double(liveCount) - Double(frequency) + 0.5) / (Double(frequency) + 0.5))
            return (term, idf, frequency > 0 ? list : [])
        }
    }

    /// Whether a postings list (ascending by row) holds `row`.
    private static func contains(_ list: [Posting], _ row: Int32) -> Bool {
        var (low, high) = (0, list.count)
        while low < high {
            let middle = (low + high) / 2
            if list[middle].row < row { low = middle + 1 } else { high = middle }
        }
        return low < list.count && list[low].row == row
    }
}
