/// A deterministic embedder that hashes words into a fixed number of buckets.
///
/// It knows no meaning, only shared words: two texts score high when they share words. It needs no model
/// files, so it serves tests and stands in where no real model is configured. Words are lower-cased runs of
/// letters and digits; each CJK character counts as a word, and adjacent CJK characters also as a pair, so
/// Chinese text without spaces still matches.
public struct FeatureHashingEmbedder: Embedder {
    public let dimension: Int
    public var modelID: String { "feature-hash-\(self.dimension)" }

    public init(dimension: Int = 384) {
        precondition(dimension > 0, "dimension must be positive")
        self.dimension = dimension
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        texts.map(self.vector(for:))
    }

    /// The vector of one text; all zeros for a text without words.
    public func vector(for text: String) -> [Float] {
        var vector = [Float](repeating: 0, count: self.dimension)
        for feature in Self.features(of: text) {
            let hash = Self.fnv1a(feature)
            let bucket = Int(hash % UInt64(self.dimension))
            vector[bucket] += (hash >> 63) == 0 ? 1 : -1
        }
        return VectorMath.normalized(vector)
    }

    static func features(of text: String) -> [String] {
        var features: [String] = []
        var word = ""
        var previousCJK: Character?
        func flush() {
            if !word.isEmpty { features.append(word) }
            word = ""
        }
        for character in text.lowercased() {
            if Self.isCJK(character) {
                flush()
                features.append(String(character))
                if let previous = previousCJK { features.append(String([previous, character])) }
                previousCJK = character
            } else if character.isLetter || character.isNumber {
                word.append(character)
                previousCJK = nil
            } else {
                flush()
                previousCJK = nil
            }
        }
        flush()
        return features
    }

    static func isCJK(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first else { return false }
        switch scalar.value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF, 0x20000...0x2FA1F:
            return true
        default:
            return false
        }
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
