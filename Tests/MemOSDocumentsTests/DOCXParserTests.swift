import Foundation
import MemOSDocumentFixtures
import MemOSDocuments
import Testing

@Suite("DOCX")
struct DOCXParserTests {
    /// The start of an OLE compound file whose directory names an `EncryptedPackage` stream, as Word writes a
    /// document with a password.
    static let encryptedOffice: Data = {
        var bytes = Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) + Data(count: 504)
        bytes += Data("EncryptedPackage".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        return bytes + Data(count: 112)
    }()

    @Test("heading styles make sections; paragraphs, tables, tabs and breaks become text; the title is read")
    func sections() async throws {
        let body = [
            DocumentFixtures.paragraph("Report", style: "Title"),
            DocumentFixtures.paragraph("Preface text."),
            DocumentFixtures.paragraph("Intro", style: "Heading1"),
            "<w:p><w:r><w:t>Tab</w:t><w:tab/><w:t>bed</w:t><w:br/><w:t>broken</w:t></w:r>"
                + "<w:del><w:r><w:delText>deleted</w:delText></w:r></w:del></w:p>",
            DocumentFixtures.paragraph("Scope", style: "heading 2"),
            DocumentFixtures.paragraph("In scope."),
            "<w:tbl><w:tr><w:tc>\(DocumentFixtures.paragraph("Name"))</w:tc><w:tc>\(DocumentFixtures.paragraph("Value"))</w:tc>"
                + "</w:tr><w:tr><w:tc>\(DocumentFixtures.paragraph("a"))</w:tc><w:tc>\(DocumentFixtures.paragraph("1"))</w:tc></w:tr>"
                + "</w:tbl>",
            DocumentFixtures.paragraph("Methods", style: "Kop1"),
            "<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"720\"/></w:tabs></w:pPr>"
                + "<w:r><w:t>Method text.</w:t></w:r></w:p>",
        ].joined()
        // A localised style ("Kop1") that styles.xml names "heading 1".
        let styles = "<w:style w:type=\"paragraph\" w:styleId=\"Kop1\"><w:name w:val=\"heading 1\"/></w:style>"
        let data = try DocumentFixtures.docx(body: body, styles: styles, coreTitle: "Annual Report")
        let document = try await DocumentParsers.parse(data, declaredMediaType: nil, name: "report.docx")
        #expect(document.format == .docx)
        #expect(document.title == "Annual Report")
        let blocks = document.blocks.map { ($0.sectionPath, $0.text) }
        let expected: [([String], String)] = [
            (["Report"], "Preface text."),
            (["Report", "Intro"], "Tab\tbed\nbroken"),
            (["Report", "Intro", "Scope"], "In scope."),
            (["Report", "Intro", "Scope"], "Name | Value"),
            (["Report", "Intro", "Scope"], "a | 1"),
            (["Report", "Methods"], "Method text."),
        ]
        #expect(blocks.count == expected.count)
        for (block, want) in zip(blocks, expected) {
            #expect(block.0 == want.0)
            #expect(block.1 == want.1)
        }
    }

    @Test("a Title paragraph is the title when core.xml has none")
    func titleParagraph() async throws {
        let data = try DocumentFixtures.docx(
            body: DocumentFixtures.paragraph("My Title", style: "Title") + DocumentFixtures.paragraph("x")
        )
        let document = try await DOCXParser().parse(data, limits: .default)
        #expect(document.title == "My Title")
    }

    @Test("an entry that inflates past the limit is too large (a ZIP bomb)")
    func zipBomb() async throws {
        let inflated = Data(repeating: UInt8(ascii: "a"), count: 4 * 1_024 * 1_024)
        let bomb = try DocumentFixtures.zip([("word/document.xml", inflated)])
        #expect(bomb.count < 100_000)
        let limits = DocumentLimits(maxDecompressedBytes: 1_024 * 1_024)
        let error = await #expect(throws: DocumentError.self) { try await DOCXParser().parse(bomb, limits: limits) }
        #expect(error?.reason == .tooLarge)
        #expect(error?.message.contains("1048576") == true)

        // With the default limits the compression ratio stops it.
        let ratio = await #expect(throws: DocumentError.self) { try await DOCXParser().parse(bomb, limits: .default) }
        #expect(ratio?.reason == .tooLarge)
        #expect(ratio?.message.contains("200 times") == true)
    }

    @Test("a Word file with a password is encrypted; a legacy .doc is unsupported")
    func encrypted() async throws {
        let error = await #expect(throws: DocumentError.self) {
            try await DocumentParsers.parse(Self.encryptedOffice, declaredMediaType: nil, name: "secret.docx")
        }
        #expect(error?.reason == .encrypted)
        let legacy = Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) + Data(count: 504)
        let legacyError = await #expect(throws: DocumentError.self) {
            try await DOCXParser().parse(legacy, limits: .default)
        }
        #expect(legacyError?.reason == .unsupported)
    }

    @Test("not a ZIP, or a ZIP without word/document.xml, is corrupt")
    func corrupt() async throws {
        let notZip = await #expect(throws: DocumentError.self) {
            try await DOCXParser().parse(Data("PK\u{03}\u{04}garbage".utf8), limits: .default)
        }
        #expect(notZip?.reason == .corrupt)
        let other = try DocumentFixtures.zip([("word/other.xml", Data("<x/>".utf8))])
        let missing = await #expect(throws: DocumentError.self) {
            try await DOCXParser().parse(other, limits: .default)
        }
        #expect(missing?.reason == .corrupt)
        let badXML = try DocumentFixtures.zip([("word/document.xml", Data("<w:document><w:body>".utf8))])
        let malformed = await #expect(throws: DocumentError.self) {
            try await DOCXParser().parse(badXML, limits: .default)
        }
        #expect(malformed?.reason == .corrupt)
    }

    @Test("XML nested past the depth limit is too complex; a DTD is refused")
    func depthAndDTD() async throws {
        let deep = String(repeating: "<w:sdt>", count: 300) + String(repeating: "</w:sdt>", count: 300)
        let error = await #expect(throws: DocumentError.self) {
            try await DOCXParser().parse(DocumentFixtures.docx(body: deep), limits: .default)
        }
        #expect(error?.reason == .tooComplex)

        let laughs = """
            <?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>
            <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>\
            <w:t>&b;</w:t></w:r></w:p></w:body></w:document>
            """
        let withDTD = try DocumentFixtures.zip([("word/document.xml", Data(laughs.utf8))])
        let dtd = await #expect(throws: DocumentError.self) { try await DOCXParser().parse(withDTD, limits: .default) }
        #expect(dtd?.reason == .corrupt)
    }
}
