import Foundation
import MemOSDocumentFixtures
import MemOSDocuments
import Testing

@Suite("Plain text and Markdown")
struct TextParserTests {
    static func parse(_ text: String, name: String) async throws -> ParsedDocument {
        try await DocumentParsers.parse(Data(text.utf8), declaredMediaType: nil, name: name)
    }

    @Test("plain text: a block per paragraph, a BOM and CRLF handled, no sections")
    func plainText() async throws {
        let document = try await Self.parse(
            "\u{FEFF}First line\r\nsame paragraph\r\n\r\n  \r\nSecond.\n",
            name: "a.txt"
        )
        #expect(document.format == .plainText)
        #expect(document.blocks.map(\.text) == ["First line\nsame paragraph", "Second."])
        #expect(document.blocks.allSatisfy { $0.sectionPath.isEmpty && $0.page == 0 })
        #expect(document.pageCount == 0)
    }

    @Test("plain text that is not UTF-8 is unsupported")
    func notUTF8() async throws {
        let error = await #expect(throws: DocumentError.self) {
            try await PlainTextParser().parse(Data([0x61, 0xC3, 0x28, 0x62]), limits: .default)
        }
        #expect(error?.reason == .unsupported)
    }

    @Test("Markdown: headings make the section path, fences stay whole, front matter is dropped")
    func markdown() async throws {
        let text = """
            ---
            title: "The Guide"
            tags: [a, b]
            ---
            Intro paragraph.

            # Install
            Run the installer.

            ## On Linux ##
            - apt-get install it
            - then run it

            ```sh
            # not a heading
            make install
            ```

            Setext Part
            ===========
            Body of part.

            Sub part
            --------
            Body of sub part.

            ### Deep
            Deep text.

            # Second
            Last words.
            """
        let document = try await Self.parse(text, name: "guide.md")
        #expect(document.format == .markdown)
        #expect(document.title == "The Guide")
        let blocks = document.blocks.map { ($0.sectionPath, $0.text) }
        let expected: [([String], String)] = [
            ([], "Intro paragraph."),
            (["Install"], "Run the installer."),
            (["Install", "On Linux"], "- apt-get install it\n- then run it"),
            (["Install", "On Linux"], "# not a heading\nmake install"),
            (["Setext Part"], "Body of part."),
            (["Setext Part", "Sub part"], "Body of sub part."),
            (["Setext Part", "Sub part", "Deep"], "Deep text."),
            (["Second"], "Last words."),
        ]
        #expect(blocks.count == expected.count)
        for (block, want) in zip(blocks, expected) {
            #expect(block.0 == want.0)
            #expect(block.1 == want.1)
        }
    }

    @Test("Markdown: a thematic break is not a heading, an unclosed fence keeps its text, title from the first h1")
    func markdownEdges() async throws {
        let document = try await Self.parse("# Top\n\nabove\n\n---\n\nbelow\n\n~~~\n# code\n", name: "a.md")
        #expect(document.title == "Top")
        #expect(document.blocks.map(\.text) == ["above", "below", "# code"])
        #expect(document.blocks.allSatisfy { $0.sectionPath == ["Top"] })
    }

    @Test("a file with no text is empty")
    func empty() async throws {
        for bytes in [Data(), Data("  \n\n \t\n".utf8)] {
            let error = await #expect(throws: DocumentError.self) {
                try await DocumentParsers.parse(bytes, declaredMediaType: "text/plain", name: "a.txt")
            }
            #expect(error?.reason == .empty)
        }
    }

    @Test("text over the extracted-text limit is too large")
    func tooMuchText() async throws {
        let limits = DocumentLimits(maxExtractedBytes: 1_000)
        let text = String(repeating: "word ", count: 100) + "\n\n" + String(repeating: "more ", count: 300)
        let overText = await #expect(throws: DocumentError.self) {
            try await DocumentParsers.parse(Data(text.utf8), declaredMediaType: nil, name: "a.txt", limits: limits)
        }
        #expect(overText?.reason == .tooLarge)
        #expect(overText?.message.contains("1000") == true)
        let overBytes = await #expect(throws: DocumentError.self) {
            try await DocumentParsers.parse(
                Data(text.utf8),
                declaredMediaType: nil,
                name: "a.txt",
                limits: DocumentLimits(maxBytes: 100)
            )
        }
        #expect(overBytes?.reason == .tooLarge)
    }
}
