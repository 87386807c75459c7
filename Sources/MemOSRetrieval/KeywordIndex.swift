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
        _ terms: [String], k: Int, liveCount: Int, isLive: (Int) -> Bool, accepts: (Int) -> Bool
    ) -> [(row: Int32, score: Float)] {
        guard k > 0, liveCount > 0 else { return [] }
        let averageLength = max(Double(self.liveLength) / Double(liveCount), 1)
        var scores: [Int32: Double] = [:]
        for term in Set(terms) {
            guard let number = self.termNumbers[term] else { continue }
            let list = self.postings[Int(number)]
            var frequency = 0
            for posting in list where isLive(Int(posting.row)) { frequency += 1 }
            guard frequency > 0 else { continue }
            let idf = log(1 + (Double(liveCount) - Double(frequency) + 0.5) / (Double(frequency) + 0.5))
            for posting in list where accepts(Int(posting.row)) {
                let count = Double(posting.count)
                let norm = 1 - Self.b + Self.b * Double(self.lengths[Int(posting.row)]) / averageLength
                scores[posting.row, default: 0] += idf * count * (Self.k1 + 1) / (count + Self.k1 * norm)
            }
        }
        var best = ScoredHeap(worstFirst: true)
        for (row, score) in scores {
            if best.count < k {
                best.push(Float(score), row)
            } else if Float(score) > best.topScore {
                best.replaceTop(Float(score), row)
            }
        }
        return best.sortedBestFirst()
    }
}
