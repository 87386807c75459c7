import Foundation
import MemOSDocumentFixtures
import MemOSDocuments
import Testing

@Suite("Chunker")
struct ChunkerTests {
    static let chunker = Chunker(maxTokens: 20, overlapTokens: 6, countTokens: DocumentFixtures.words)

    /// "w<start> w<start+1> … ." sentences of `length` words.
    static func sentence(_ start: Int, _ length: Int) -> String {
        (start..<start + length).map { "w\($0)" }.joined(separator: " ") + "."
    }

    static func check(_ chunks: [Chunk], maxTokens: Int, _ count: (String) -> Int = DocumentFixtures.words) {
        #expect(chunks.map(\.index) == Array(0..<chunks.count))
        for chunk in chunks {
            #expect(count(chunk.text) <= maxTokens)
            #expect(chunk.tokenCount == count(chunk.text))
            #expect(!chunk.text.isEmpty)
        }
    }

    @Test("packs paragraphs of a section while they fit, and never mixes sections")
    func packing() {
        let document = ParsedDocument(
            format: .markdown,
            blocks: [
                TextBlock(text: Self.sentence(0, 5), sectionPath: ["A"]),
                TextBlock(text: Self.sentence(5, 5), sectionPath: ["A"]),
                TextBlock(text: "   ", sectionPath: ["A"]),
                TextBlock(text: Self.sentence(10, 3), sectionPath: ["A", "B"]),
                TextBlock(text: Self.sentence(13, 4), sectionPath: ["C"]),
            ]
        )
        let chunks = Self.chunker.chunks(of: document)
        Self.check(chunks, maxTokens: 20)
        #expect(chunks.map(\.sectionPath) == [["A"], ["A", "B"], ["C"]])
        #expect(chunks[0].text == Self.sentence(0, 5) + "\n\n" + Self.sentence(5, 5))
        #expect(chunks[1].text == Self.sentence(10, 3))
    }

    @Test("a section that goes on starts its next chunk with the previous chunk's last sentences")
    func overlap() throws {
        let paragraph = (0..<10).map { Self.sentence($0 * 4, 4) }.joined(separator: " ")
        let chunks = Self.chunker.chunks(of: ParsedDocument(format: .plainText, blocks: [TextBlock(text: paragraph)]))
        Self.check(chunks, maxTokens: 20)
        #expect(chunks.count > 1)
        for (previous, next) in zip(chunks, chunks.dropFirst()) {
            // Six tokens of overlap hold one whole four-word sentence.
            let lastSentence = try #require(previous.text.split(separator: ".").last.map { $0 + "." })
            #expect(next.text.hasPrefix(String(lastSentence.drop { $0 == " " })))
        }
        // Every word is in some chunk, in order.
        let words = chunks.flatMap { $0.text.split(separator: " ").map(String.init) }
        var seen = Set<String>()
        let firstSeen = words.filter { seen.insert($0).inserted }
        #expect(firstSeen == paragraph.split(separator: " ").map(String.init))
    }

    @Test("no overlap when it is 0, and none across sections")
    func noOverlap() {
        let chunker = Chunker(maxTokens: 20, overlapTokens: 0, countTokens: DocumentFixtures.words)
        let paragraph = (0..<10).map { Self.sentence($0 * 4, 4) }.joined(separator: " ")
        let chunks = chunker.chunks(of: ParsedDocument(format: .plainText, blocks: [TextBlock(text: paragraph)]))
        #expect(chunks.map { DocumentFixtures.words($0.text) }.reduce(0, +) == 40)
    }

    @Test("page ranges come from the blocks in each chunk")
    func pages() {
        let document = ParsedDocument(
            format: .pdf,
            pageCount: 3,
            blocks: [
                TextBlock(text: Self.sentence(0, 6), page: 1),
                TextBlock(text: Self.sentence(6, 6), page: 2),
                TextBlock(text: Self.sentence(12, 15), page: 3),
            ]
        )
        let chunks = Chunker(maxTokens: 20, overlapTokens: 0, countTokens: DocumentFixtures.words).chunks(of: document)
        #expect(chunks.map { [$0.pageStart, $0.pageEnd] } == [[1, 2], [3, 3]])
        let overlapping = Self.chunker.chunks(of: document)
        #expect(overlapping.map { [$0.pageStart, $0.pageEnd] } == [[1, 2], [2, 3]])
    }

    @Test("a 10,000-word paragraph without sentence ends is cut between words into full chunks")
    func longParagraph() {
        let paragraph = (0..<10_000).map { "word\($0)" }.joined(separator: " ")
        let chunker = Chunker(maxTokens: 254, overlapTokens: 32, countTokens: DocumentFixtures.words)
        let chunks = chunker.chunks(of: ParsedDocument(format: .plainText, blocks: [TextBlock(text: paragraph)]))
        Self.check(chunks, maxTokens: 254)
        #expect(chunks.count >= 10_000 / 254)
        #expect(chunks.count <= 10_000 / (254 - 32) + 1)
        #expect(chunks.last?.text.hasSuffix("word9999") == true)
    }

    @Test("an enormous word is cut between characters")
    func enormousWord() {
        let characters: @Sendable (String) -> Int = { ($0.count + 3) / 4 }
        let word = String(repeating: "x", count: 50_000)
        let chunker = Chunker(maxTokens: 100, overlapTokens: 10, countTokens: characters)
        let chunks = chunker.chunks(of: ParsedDocument(format: .plainText, blocks: [TextBlock(text: "Start. " + word)]))
        Self.check(chunks, maxTokens: 100, characters)
        #expect(chunks.map { $0.text.filter { $0 == "x" }.count }.reduce(0, +) >= 50_000)
    }

    @Test("a counter that counts joined text higher than its parts still gets chunks within the limit")
    func nonAdditiveCounter() {
        // Three more tokens for each break between blocks, which the sums of the blocks' counts do not see.
        let counter: @Sendable (String) -> Int = { text in
            DocumentFixtures.words(text) + 3 * (text.components(separatedBy: "\n\n").count - 1)
        }
        let blocks = (0..<30).map { TextBlock(text: Self.sentence($0 * 4, 4)) }
        let chunker = Chunker(maxTokens: 16, overlapTokens: 4, countTokens: counter)
        let chunks = chunker.chunks(of: ParsedDocument(format: .plainText, blocks: blocks))
        Self.check(chunks, maxTokens: 16, counter)
        // Each block is in some chunk.
        for block in blocks { #expect(chunks.contains { $0.text.contains(block.text) }) }
        // No chunk is only a repeat of the end of the one before.
        for (previous, next) in zip(chunks, chunks.dropFirst()) { #expect(!previous.text.hasSuffix(next.text)) }
    }

    @Test("sentences end at . ! ? before a space, at 。 and at line breaks, not inside numbers")
    func sentences() {
        let text = "Pi is 3.14 today! Is it? Yes.\nNext line 終わり。次の文。"
        let chunker = Chunker(maxTokens: 3, overlapTokens: 0, countTokens: { $0.isEmpty ? 0 : 1 })
        let chunks = chunker.chunks(of: ParsedDocument(format: .plainText, blocks: [TextBlock(text: text)]))
        #expect(chunks.map(\.text) == ["Pi is 3.14 today! Is it? Yes.", "Next line 終わり。次の文。"])
        let pieces = Chunker(maxTokens: 1, overlapTokens: 0, countTokens: { $0.isEmpty ? 0 : 1 })
            .chunks(of: ParsedDocument(format: .plainText, blocks: [TextBlock(text: text)])).map(\.text)
        #expect(pieces == ["Pi is 3.14 today!", "Is it?", "Yes.", "Next line 終わり。", "次の文。"])
    }

    @Test("an empty document has no chunks")
    func empty() {
        #expect(Self.chunker.chunks(of: ParsedDocument(format: .plainText, blocks: [])).isEmpty)
        #expect(Self.chunker.chunks(of: ParsedDocument(format: .plainText, blocks: [TextBlock(text: " \n")])).isEmpty)
    }
}
