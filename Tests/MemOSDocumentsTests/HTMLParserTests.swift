import Foundation
import MemOSDocumentFixtures
import MemOSDocuments
import Testing

@Suite("HTML")
struct HTMLParserTests {
    static func parse(_ html: String, limits: DocumentLimits = .default) async throws -> ParsedDocument {
        try await HTMLParser().parse(Data(html.utf8), limits: limits)
    }

    @Test("headings make sections; script, style and head are dropped; the title is kept")
    func sections() async throws {
        let document = try await Self.parse(
            """
            <!DOCTYPE html>
            <html><head><title> The  Page </title><style>p { color: red }</style>
            <script>var hidden = "secret";</script></head>
            <body>
            <nav>Home</nav>
            <h1>Main <em>topic</em></h1>
            <p>First   paragraph,
               wrapped.</p>
            <script>document.write("not text")</script>
            <h2>Details</h2>
            <ul><li>one</li><li>two <b>bold</b></li></ul>
            <noscript>enable JavaScript</noscript>
            <h3>Deeper</h3><div>deep text<br>after break</div>
            <h2>Other</h2><p>other text</p>
            <h1>Reset</h1><p>reset text</p>
            </body></html>
            """
        )
        #expect(document.format == .html)
        #expect(document.title == "The Page")
        let blocks = document.blocks.map { ($0.sectionPath, $0.text) }
        let expected: [([String], String)] = [
            ([], "Home"),
            (["Main topic"], "First paragraph, wrapped."),
            (["Main topic", "Details"], "one"),
            (["Main topic", "Details"], "two bold"),
            (["Main topic", "Details", "Deeper"], "deep text"),
            (["Main topic", "Details", "Deeper"], "after break"),
            (["Main topic", "Other"], "other text"),
            (["Reset"], "reset text"),
        ]
        #expect(blocks.count == expected.count)
        for (block, want) in zip(blocks, expected) {
            #expect(block.0 == want.0)
            #expect(block.1 == want.1)
        }
        #expect(!document.blocks.contains { $0.text.contains("secret") || $0.text.contains("JavaScript") })
    }

    @Test("entities are decoded, table rows are one block, pre keeps its lines")
    func entitiesTablesPre() async throws {
        let document = try await Self.parse(
            """
            <body><p>Fish &amp; chips &eacute;t&eacute; &#x263A; &lt;tag&gt;&nbsp;end</p>
            <table><tr><th>Name</th><th>Price</th></tr><tr><td>Tea</td><td>3 &euro;</td></tr></table>
            <pre>line 1
              line 2</pre></body>
            """
        )
        #expect(
            document.blocks.map(\.text) == [
                "Fish & chips été ☺ <tag> end", "Name | Price", "Tea | 3 €", "line 1\n  line 2",
            ]
        )
    }

    @Test("a declared charset is honoured")
    func charset() async throws {
        var bytes = Data("<html><head><meta charset=\"iso-8859-1\"></head><body><p>caf".utf8)
        bytes.append(0xE9)
        bytes.append(contentsOf: Data("</p></body></html>".utf8))
        let document = try await HTMLParser().parse(bytes, limits: .default)
        #expect(document.blocks.map(\.text) == ["café"])
    }

    @Test("10,000 nested elements are too complex, not a crash")
    func deepNesting() async throws {
        let html =
            "<html><body>" + String(repeating: "<div>", count: 10_000) + "deep"
            + String(repeating: "</div>", count: 10_000) + "</body></html>"
        let error = await #expect(throws: DocumentError.self) { try await Self.parse(html) }
        #expect(error?.reason == .tooComplex)
        // Within the limit the same shape reads fine.
        let shallow = "<html><body>" + String(repeating: "<span>", count: 100) + "shallow</body></html>"
        #expect(try await Self.parse(shallow).blocks.map(\.text) == ["shallow"])
    }

    @Test("broken markup is recovered")
    func broken() async throws {
        let document = try await Self.parse("<p>one<p>two <b>bold <i>both</b> italic</i><div>three")
        #expect(document.blocks.map(\.text) == ["one", "two bold both italic", "three"])
    }
}
