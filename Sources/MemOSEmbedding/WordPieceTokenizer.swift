import Foundation
import MemOSCore

/// BERT's uncased WordPiece tokenizer, as all-MiniLM-L6-v2's `tokenizer.json` defines it.
///
/// Normalisation: control characters and U+FFFD are deleted, whitespace becomes a space, CJK ideographs are
/// split one per token, accents are stripped (NFD, then nonspacing marks removed) and text is lower-cased.
/// Pre-tokenisation splits on whitespace and makes every punctuation character its own token. WordPiece then
/// takes the longest vocabulary prefix repeatedly (continuations prefixed `##`); a word with no split, or longer
/// than 100 characters, is `[UNK]`. Output: `[CLS]` ids `[SEP]`, truncated to ``maxLength`` ids in all.
public struct WordPieceTokenizer: Sendable {
    /// The pieces that begin a word.
    let wordStarts: PieceTable
    /// The pieces that continue one (`##` in the vocabulary, without it here).
    let continuations: PieceTable
    public let clsID: Int32
    public let sepID: Int32
    public let unknownID: Int32
    /// Most ids in one encoded text, `[CLS]` and `[SEP]` included (256 for all-MiniLM-L6-v2).
    public let maxLength: Int
    static let maxCharactersPerWord = 100

    /// - Parameter vocabulary: the contents of `vocab.txt`: one token per line, the line number is its id.
    public init(vocabulary text: String, maxLength: Int = 256) throws {
        var starts: [(piece: [UInt8], id: Int32)] = []
        var continuations: [(piece: [UInt8], id: Int32)] = []
        var special: [String: Int32] = [:]
        var id: Int32 = 0
        text.enumerateLines { line, _ in
            if line.hasPrefix("##") {
                continuations.append((Array(line.utf8.dropFirst(2)), id))
            } else {
                starts.append((Array(line.utf8), id))
            }
            if ["[CLS]", "[SEP]", "[UNK]"].contains(line) { special[line] = id }
            id += 1
        }
        guard let cls = special["[CLS]"], let sep = special["[SEP]"], let unknown = special["[UNK]"] else {
            throw MemOSError(code: .failedPrecondition, message: "vocab.txt lacks [CLS], [SEP] or [UNK]")
        }
        self.wordStarts = PieceTable(starts)
        self.continuations = PieceTable(continuations)
        self.clsID = cls
        self.sepID = sep
        self.unknownID = unknown
        self.maxLength = maxLength
    }

    /// The ids of a text, with `[CLS]` and `[SEP]`, truncated to ``maxLength``.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [self.clsID]
        ids.reserveCapacity(min(self.maxLength, text.utf8.count / 3 + 8))
        let limit = self.maxLength - 1  // [CLS] and the pieces; [SEP] follows
        self.forEachWord(of: text) { word, characters in
            self.appendPieces(of: word, characters: characters, to: &ids, limit: limit)
            return ids.count < limit
        }
        ids.append(self.sepID)
        return ids
    }

    /// How many word pieces a text has, without `[CLS]`/`[SEP]` and without truncation.
    public func countPieces(_ text: String) -> Int {
        var count = 0
        var pieces: [Int32] = []
        self.forEachWord(of: text) { word, characters in
            pieces.removeAll(keepingCapacity: true)
            self.appendPieces(of: word, characters: characters, to: &pieces, limit: .max)
            count += pieces.count
            return true
        }
        return count
    }

    /// Calls `body` with the UTF-8 bytes and the character count of each word of the normalised `text`, in order,
    /// until it returns false. Whitespace separates words; every punctuation character is a word of its own.
    func forEachWord(of text: String, _ body: (UnsafeBufferPointer<UInt8>, Int) -> Bool) {
        var word: [UInt8] = []
        word.reserveCapacity(64)
        var characters = 0
        /// Passes the word so far to `body`; false when `body` says stop.
        func flush() -> Bool {
            guard characters > 0 else { return true }
            defer {
                word.removeAll(keepingCapacity: true)
                characters = 0
            }
            return word.withUnsafeBufferPointer { body($0, characters) }
        }
        for scalar in Self.normalize(text) {
            if Self.isWhitespace(scalar) {
                guard flush() else { return }
            } else if Self.isPunctuation(scalar) {
                guard flush() else { return }
                word.append(contentsOf: UTF8.encode(scalar)!)
                characters = 1
                guard flush() else { return }
            } else {
                if scalar.isASCII {
                    word.append(UInt8(scalar.value))
                } else {
                    word.append(contentsOf: UTF8.encode(scalar)!)
                }
                characters += 1
            }
        }
        _ = flush()
    }

    /// Appends the pieces of one word (its UTF-8 bytes, `characters` scalars long) to `ids`, stopping once `ids`
    /// holds `limit`: the longest vocabulary piece that begins it, then the longest continuation of the rest, and so
    /// on. A word with no such split, or longer than ``maxCharactersPerWord``, is one `[UNK]`.
    func appendPieces(of word: UnsafeBufferPointer<UInt8>, characters: Int, to ids: inout [Int32], limit: Int) {
        guard ids.count < limit else { return }
        guard characters <= Self.maxCharactersPerWord else {
            ids.append(self.unknownID)
            return
        }
        let first = ids.count
        var start = 0
        while start < word.count {
            let table = start == 0 ? self.wordStarts : self.continuations
            var end = min(word.count, start + table.longest)
            var found: Int32?
            while end > start {
                // A piece ends between characters, never inside one's bytes.
                if end < word.count, word[end] & 0xC0 == 0x80 {
                    end -= 1
                    continue
                }
                if let id = table.id(of: UnsafeBufferPointer(rebasing: word[start..<end])) {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                ids.removeSubrange(first...)
                ids.append(self.unknownID)
                return
            }
            if ids.count < limit { ids.append(id) }
            start = end
        }
    }

    // MARK: Steps

    static func normalize(_ text: String) -> [Unicode.Scalar] {
        Self.normalizeASCII(text) ?? Self.normalizeUnicode(text)
    }

    static func normalizeUnicode(_ text: String) -> [Unicode.Scalar] {
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
            if Self.isWhitespace(scalar) {
                cleaned.append(" ")
            } else if Self.isCJK(scalar) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(cleaned.count)
        for scalar in String(cleaned).decomposedStringWithCanonicalMapping.unicodeScalars
        where scalar.properties.generalCategory != .nonspacingMark {
            if scalar.isASCII {
                result.append(scalar.value >= 65 && scalar.value <= 90 ? Unicode.Scalar(scalar.value + 32)! : scalar)
            } else {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return result
    }

    /// ``normalize(_:)`` of an ASCII text (nil for any other): nothing to decompose or strip, so each byte maps
    /// on its own: tab, line feed, carriage return and space become a space, other control characters go, and
    /// capitals are lower-cased. Most English text takes this path, without a Unicode property lookup per character.
    static func normalizeASCII(_ text: String) -> [Unicode.Scalar]? {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case 0x80...: return nil
            case 0x09, 0x0A, 0x0D, 0x20: result.append(" ")
            case 0x00...0x1F, 0x7F: continue
            case 0x41...0x5A: result.append(Unicode.Scalar(byte + 32))
            default: result.append(Unicode.Scalar(byte))
            }
        }
        return result
    }

    // MARK: Character classes (as BERT defines them)

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\r": return true
        default: return !scalar.isASCII && scalar.properties.generalCategory == .spaceSeparator
        }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\r": return false
        default:
            switch scalar.properties.generalCategory {
            case .control, .format, .unassigned, .privateUse, .surrogate: return true
            default: return false
            }
        }
    }

    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value)
            || (123...126).contains(value)
        {
            return true
        }
        if scalar.isASCII { return false }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .closePunctuation, .finalPunctuation, .initialPunctuation,
            .otherPunctuation, .openPunctuation:
            return true
        default:
            return false
        }
    }

    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
            0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}

/// Vocabulary pieces by their UTF-8 bytes, in an open-addressing hash table: a word's candidate pieces are looked
/// up as slices of its bytes, with no string made per candidate (a `[String: Int32]` lookup per candidate was most
/// of the fast reader's cost of sizing windows).
struct PieceTable: Sendable {
    /// Every piece's bytes, back to back.
    private let bytes: [UInt8]
    /// Per piece: where its bytes start in `bytes`, and one past their end.
    private let bounds: [(start: Int32, end: Int32)]
    private let ids: [Int32]
    /// One more than the index of the piece in each slot (0: empty); a power of two long, at most half full.
    private let slots: [Int32]
    /// The bytes of the longest piece.
    let longest: Int

    init(_ pieces: [(piece: [UInt8], id: Int32)]) {
        var bytes: [UInt8] = []
        var bounds: [(start: Int32, end: Int32)] = []
        for (piece, _) in pieces {
            bounds.append((Int32(bytes.count), Int32(bytes.count + piece.count)))
            bytes += piece
        }
        var capacity = 16
        while capacity < pieces.count * 2 { capacity *= 2 }
        var slots = [Int32](repeating: 0, count: capacity)
        for (index, (piece, _)) in pieces.enumerated() {
            var slot = piece.withUnsafeBufferPointer(Self.hash) & (capacity - 1)
            // A repeated piece takes its last id, as a dictionary filled line by line does.
            while slots[slot] != 0 && pieces[Int(slots[slot]) - 1].piece != piece {
                slot = (slot + 1) & (capacity - 1)
            }
            slots[slot] = Int32(index + 1)
        }
        self.bytes = bytes
        self.bounds = bounds
        self.ids = pieces.map(\.id)
        self.slots = slots
        self.longest = pieces.map(\.piece.count).max() ?? 0
    }

    /// The id of the piece whose bytes are `piece`, if any.
    func id(of piece: UnsafeBufferPointer<UInt8>) -> Int32? {
        let mask = self.slots.count - 1
        var slot = Self.hash(piece) & mask
        return self.bytes.withUnsafeBufferPointer { bytes in
            while true {
                let entry = Int(self.slots[slot])
                if entry == 0 { return nil }
                let (start, end) = self.bounds[entry - 1]
                if Int(end - start) == piece.count
                    && (piece.isEmpty || memcmp(bytes.baseAddress! + Int(start), piece.baseAddress!, piece.count) == 0)
                {
                    return self.ids[entry - 1]
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// FNV-1a, 64 bits.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return Int(truncatingIfNeeded: hash ^ (hash >> 32))
    }
}
