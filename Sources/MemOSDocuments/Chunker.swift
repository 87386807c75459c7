/// Cuts a parsed document into chunks that fit a sentence embedder, following its structure.
///
/// A chunk never mixes sections: consecutive blocks of one section are packed while their token counts add up
/// to at most `maxTokens`. A block too long for one chunk is cut at sentence ends (`.`, `!`, `?` before a space,
/// `。`, `！`, `？`, line breaks), a sentence still too long between words, and a word still too long between
/// characters; every chunk's `countTokens(text)` is at most `maxTokens` (a single character that alone counts
/// more is dropped). When a section goes on into a new chunk, that chunk starts with the previous one's last
/// sentences (or, when its last sentence is longer, last words) of up to `overlapTokens` tokens.
///
/// The counter is called about once per sentence and once per chunk, plus once per word of an over-long
/// sentence: counts of pieces are added up, and each finished chunk is counted once more, and cut again if
/// joining made it longer.
public struct Chunker: Sendable {
    /// Tokens a chunk may have; at least 1.
    public let maxTokens: Int
    /// Tokens a chunk may repeat from the one before, at most half of ``maxTokens``.
    public let overlapTokens: Int
    private let countTokens: @Sendable (String) -> Int

    public init(maxTokens: Int = 254, overlapTokens: Int = 32, countTokens: @escaping @Sendable (String) -> Int) {
        precondition(maxTokens >= 1, "maxTokens must be at least 1")
        self.maxTokens = maxTokens
        self.overlapTokens = min(max(overlapTokens, 0), maxTokens / 2)
        self.countTokens = countTokens
    }

    /// A sentence (or a part of one) and where it comes from.
    private struct Piece {
        var text: String
        var tokens: Int
        var page: Int
        /// The index of its block in the document.
        var block: Int
        /// What separated it from the piece before it in its block: a space or a line break.
        var separator: String
    }

    /// The document's chunks in reading order, indexed from 0.
    public func chunks(of document: ParsedDocument) -> [Chunk] {
        var chunks: [Chunk] = []
        var start = 0
        let blocks = document.blocks
        while start < blocks.count {
            let path = blocks[start].sectionPath
            var end = start + 1
            while end < blocks.count, blocks[end].sectionPath == path { end += 1 }
            var pieces: [Piece] = []
            for index in start..<end {
                pieces += self.pieces(of: blocks[index], index: index)
            }
            self.pack(pieces, sectionPath: path, into: &chunks)
            start = end
        }
        return chunks
    }

    // MARK: Packing

    private func pack(_ pieces: [Piece], sectionPath: [String], into chunks: inout [Chunk]) {
        var current: [Piece] = []
        var overlapped = 0
        var tokens = 0
        for piece in pieces {
            if !current.isEmpty, tokens + piece.tokens > self.maxTokens {
                let last = self.emit(current, overlapped: overlapped, sectionPath: sectionPath, into: &chunks)
                current = self.overlap(after: last, before: piece)
                overlapped = current.count
                tokens = current.reduce(0) { $0 + $1.tokens }
            }
            current.append(piece)
            tokens += piece.tokens
        }
        if !current.isEmpty { _ = self.emit(current, overlapped: overlapped, sectionPath: sectionPath, into: &chunks) }
    }

    /// Adds the pieces (the first `overlapped` of them repeated from the chunk before) as one chunk; when their
    /// joined text counts more than the sum of their counts allowed for, drops the repeated ones, then cuts the
    /// rest into as many chunks as it takes. Answers the pieces of the last chunk added.
    private func emit(
        _ pieces: [Piece],
        overlapped: Int,
        sectionPath: [String],
        into chunks: inout [Chunk]
    ) -> ArraySlice<Piece> {
        var remaining = pieces[...]
        var text = Self.join(remaining)
        var tokens = self.countTokens(text)
        if tokens > self.maxTokens, overlapped > 0 {
            remaining = remaining.dropFirst(overlapped)
            text = Self.join(remaining)
            tokens = self.countTokens(text)
        }
        var last = remaining
        while !remaining.isEmpty {
            var taken = remaining
            while tokens > self.maxTokens, taken.count > 1 {
                taken = taken.dropLast()
                text = Self.join(taken)
                tokens = self.countTokens(text)
            }
            let pages = taken.map(\.page)
            chunks.append(
                Chunk(
                    text: text,
                    sectionPath: sectionPath,
                    pageStart: pages.min() ?? 0,
                    pageEnd: pages.max() ?? 0,
                    index: chunks.count,
                    tokenCount: tokens
                )
            )
            remaining = remaining.dropFirst(taken.count)
            last = taken
            if !remaining.isEmpty {
                text = Self.join(remaining)
                tokens = self.countTokens(text)
            }
        }
        return last
    }

    /// The end of the last chunk to repeat at the start of the next: whole pieces while they fit the overlap,
    /// else the last piece's last words; never so much that `next` would not fit after it.
    private func overlap(after last: ArraySlice<Piece>, before next: Piece) -> [Piece] {
        let budget = min(self.overlapTokens, self.maxTokens - next.tokens)
        guard budget > 0, let final = last.last else { return [] }
        var kept: [Piece] = []
        var tokens = 0
        for piece in last.reversed() {
            guard tokens + piece.tokens <= budget else { break }
            kept.append(piece)
            tokens += piece.tokens
        }
        if !kept.isEmpty { return kept.reversed() }

        var words: [Substring] = []
        tokens = 0
        for word in final.text.split(whereSeparator: \.isWhitespace).reversed() {
            let count = self.countTokens(String(word))
            guard tokens + count <= budget else { break }
            words.append(word)
            tokens += count
        }
        guard !words.isEmpty else { return [] }
        var piece = final
        piece.text = words.reversed().joined(separator: " ")
        piece.tokens = tokens
        return [piece]
    }

    private static func join(_ pieces: ArraySlice<Piece>) -> String {
        var text = ""
        var previous: Piece?
        for piece in pieces {
            if let previous { text += previous.block == piece.block ? piece.separator : "\n\n" }
            text += piece.text
            previous = piece
        }
        return text
    }

    // MARK: Cutting blocks

    /// A block's sentences, each cut further until it counts at most ``maxTokens``.
    private func pieces(of block: TextBlock, index: Int) -> [Piece] {
        var pieces: [Piece] = []
        for (sentence, separator) in Self.sentences(block.text) {
            let text = String(sentence)
            let tokens = self.countTokens(text)
            if tokens <= self.maxTokens {
                pieces.append(Piece(text: text, tokens: tokens, page: block.page, block: index, separator: separator))
                continue
            }
            for (offset, part) in self.cutByWords(sentence).enumerated() {
                pieces.append(
                    Piece(
                        text: part.text,
                        tokens: part.tokens,
                        page: block.page,
                        block: index,
                        separator: offset == 0 ? separator : part.joiner
                    )
                )
            }
        }
        return pieces
    }

    /// Sentences of `text`, trimmed, each with the whitespace before it: a line break if it held one, a space,
    /// or nothing (between sentences in Chinese or Japanese).
    static func sentences(_ text: String) -> [(Substring, String)] {
        var sentences: [(Substring, String)] = []
        let scalars = text.unicodeScalars
        var start = scalars.startIndex
        var separator = ""
        var index = scalars.startIndex
        let closers: Set<Unicode.Scalar> = ["\"", "'", ")", "]", "\u{2019}", "\u{201D}", "»", "」", "』"]

        func close(at end: String.Index) {
            let sentence = text[start..<end]
            if !sentence.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
                sentences.append((Substring(BlockCollector.trimmed(sentence)), separator))
                separator = ""
            }
            var next = end
            while next < scalars.endIndex, scalars[next].properties.isWhitespace {
                if Self.isNewline(scalars[next]) {
                    separator = "\n"
                } else if separator.isEmpty {
                    separator = " "
                }
                next = scalars.index(after: next)
            }
            start = next
            index = next
        }

        while index < scalars.endIndex {
            let scalar = scalars[index]
            if Self.isNewline(scalar) {
                close(at: index)
            } else if Self.sentenceEnds.contains(scalar) || Self.wideSentenceEnds.contains(scalar) {
                var end = scalars.index(after: index)
                while end < scalars.endIndex, closers.contains(scalars[end]) { end = scalars.index(after: end) }
                if Self.wideSentenceEnds.contains(scalar) || end == scalars.endIndex
                    || scalars[end].properties.isWhitespace
                {
                    close(at: end)
                } else {
                    index = end
                }
            } else {
                index = scalars.index(after: index)
            }
        }
        close(at: scalars.endIndex)
        return sentences
    }

    private static let sentenceEnds: Set<Unicode.Scalar> = [".", "!", "?"]
    /// Ends of sentences in Chinese and Japanese, where no space follows.
    private static let wideSentenceEnds: Set<Unicode.Scalar> = ["。", "！", "？"]

    private static func isNewline(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\n", "\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}": true
        default: false
        }
    }

    /// A sentence cut between words into parts of at most ``maxTokens``; a word too long alone is cut between
    /// characters. Each part says what joins it to the part before: a space, or nothing inside a word.
    private func cutByWords(_ sentence: Substring) -> [(text: String, tokens: Int, joiner: String)] {
        var units: [(text: String, tokens: Int, joiner: String)] = []
        for word in sentence.split(whereSeparator: \.isWhitespace) {
            let text = String(word)
            let tokens = self.countTokens(text)
            if tokens <= self.maxTokens {
                units.append((text, tokens, " "))
            } else {
                for (offset, part) in self.cutByCharacters(text).enumerated() {
                    units.append((part.text, part.tokens, offset == 0 ? " " : ""))
                }
            }
        }
        var parts: [(text: String, tokens: Int, joiner: String)] = []
        var group: ArraySlice<(text: String, tokens: Int, joiner: String)> = []
        var sum = 0

        func joined(_ units: ArraySlice<(text: String, tokens: Int, joiner: String)>) -> String {
            var text = ""
            for (offset, unit) in units.enumerated() { text += (offset == 0 ? "" : unit.joiner) + unit.text }
            return text
        }
        func finish() {
            var remaining = group
            while let first = remaining.first {
                var taken = remaining
                var text = joined(taken)
                var tokens = taken.count == 1 ? first.tokens : self.countTokens(text)
                while tokens > self.maxTokens, taken.count > 1 {
                    taken = taken.dropLast()
                    text = joined(taken)
                    tokens = taken.count == 1 ? first.tokens : self.countTokens(text)
                }
                parts.append((text, tokens, first.joiner))
                remaining = remaining.dropFirst(taken.count)
            }
        }

        for unit in units {
            if !group.isEmpty, sum + unit.tokens > self.maxTokens {
                finish()
                group = []
                sum = 0
            }
            group.append(unit)
            sum += unit.tokens
        }
        if !group.isEmpty { finish() }
        return parts
    }

    /// A word cut into the longest runs of characters that each count at most ``maxTokens``.
    private func cutByCharacters(_ word: String) -> [(text: String, tokens: Int)] {
        let characters = Array(word)
        var parts: [(text: String, tokens: Int)] = []
        var start = 0
        while start < characters.count {
            // The longest fitting length: double it while it fits, then halve the gap to the shortest too long.
            let remaining = characters.count - start
            var fits = 0
            var fitsTokens = 0
            var tooLong = remaining + 1
            var galloping = true
            var length = 1
            while length > fits, length < tooLong {
                let tokens = self.countTokens(String(characters[start..<start + length]))
                if tokens <= self.maxTokens {
                    (fits, fitsTokens) = (length, tokens)
                    length = galloping ? min(length * 2, remaining) : fits + (tooLong - fits) / 2
                } else {
                    tooLong = length
                    galloping = false
                    length = fits + (tooLong - fits) / 2
                }
            }
            if fits == 0 {
                start += 1
                continue
            }
            parts.append((String(characters[start..<start + fits]), fitsTokens))
            start += fits
        }
        return parts
    }
}
