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
    public let vocabulary: [String: Int32]
    public let clsID: Int32
    public let sepID: Int32
    public let unknownID: Int32
    /// Most ids in one encoded text, `[CLS]` and `[SEP]` included (256 for all-MiniLM-L6-v2).
    public let maxLength: Int
    static let maxCharactersPerWord = 100

    /// - Parameter vocabulary: the contents of `vocab.txt`: one token per line, the line number is its id.
    public init(vocabulary text: String, maxLength: Int = 256) throws {
        var vocabulary: [String: Int32] = [:]
        var id: Int32 = 0
        text.enumerateLines { line, _ in
            vocabulary[line] = id
            id += 1
        }
        guard let cls = vocabulary["[CLS]"], let sep = vocabulary["[SEP]"], let unknown = vocabulary["[UNK]"] else {
            throw MemOSError(code: .failedPrecondition, message: "vocab.txt lacks [CLS], [SEP] or [UNK]")
        }
        self.vocabulary = vocabulary
        self.clsID = cls
        self.sepID = sep
        self.unknownID = unknown
        self.maxLength = maxLength
    }

    /// The ids of a text, with `[CLS]` and `[SEP]`, truncated to ``maxLength``.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [self.clsID]
        let budget = self.maxLength - 2
        outer: for word in Self.preTokenize(Self.normalize(text)) {
            for id in self.wordPiece(word) {
                if ids.count - 1 == budget { break outer }
                ids.append(id)
            }
        }
        ids.append(self.sepID)
        return ids
    }

    /// How many word pieces a text has, without `[CLS]`/`[SEP]` and without truncation.
    public func countPieces(_ text: String) -> Int {
        Self.preTokenize(Self.normalize(text)).reduce(0) { $0 + self.wordPiece($1).count }
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

    static func preTokenize(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in scalars {
            if Self.isWhitespace(scalar) {
                if !current.isEmpty { words.append(current) }
                current = []
            } else if Self.isPunctuation(scalar) {
                if !current.isEmpty { words.append(current) }
                current = []
                words.append([scalar])
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    func wordPiece(_ word: [Unicode.Scalar]) -> [Int32] {
        if word.count > Self.maxCharactersPerWord { return [self.unknownID] }
        var pieces: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while start < end {
                var candidate = start > 0 ? "##" : ""
                candidate.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = self.vocabulary[candidate] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return [self.unknownID] }
            pieces.append(id)
            start = end
        }
        return pieces
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
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value) || (123...126).contains(value) {
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
