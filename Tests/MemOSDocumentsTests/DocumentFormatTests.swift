import Foundation
import MemOSDocumentFixtures
import MemOSDocuments
import Testing

@Suite("Format detection")
struct DocumentFormatTests {
    static func detect(_ data: Data, type: String? = nil, name: String? = nil) throws(DocumentError) -> DocumentFormat {
        try DocumentFormat.detect(data: data, declaredMediaType: type, name: name)
    }

    static func reason(_ body: () throws(DocumentError) -> DocumentFormat) -> DocumentError.Reason? {
        do {
            _ = try body()
            return nil
        } catch {
            return error.reason
        }
    }

    @Test("recognises each format by its content")
    func eachFormat() throws {
        #expect(try Self.detect(DocumentFixtures.pdf(pages: [["Hello"]])) == .pdf)
        #expect(try Self.detect(DocumentFixtures.docx(body: DocumentFixtures.paragraph("Hi"))) == .docx)
        #expect(try Self.detect(Data("<!DOCTYPE html><html><body>Hi</body></html>".utf8)) == .html)
        #expect(try Self.detect(Data("\u{FEFF}  <!-- a comment -->\n<HTML lang=en>".utf8)) == .html)
        #expect(try Self.detect(Data("<div>Hi</div>".utf8)) == .html)
        #expect(try Self.detect(Data("Just some text.\n".utf8)) == .plainText)
        #expect(try Self.detect(Data("# Title\n\nText".utf8), name: "notes.md") == .markdown)
        #expect(try Self.detect(Data("# Title\n\nText".utf8), type: "text/markdown; charset=utf-8") == .markdown)
        #expect(try Self.detect(Data("# Title".utf8), name: "NOTES.MARKDOWN") == .markdown)
    }

    @Test("trusts the content over a wrong declared type or name")
    func wrongDeclaration() throws {
        let pdf = DocumentFixtures.pdf(pages: [["Hello"]])
        #expect(try Self.detect(pdf, type: "text/plain", name: "notes.txt") == .pdf)
        #expect(try Self.detect(DocumentFixtures.docx(body: ""), type: "application/pdf", name: "x.pdf") == .docx)
        #expect(try Self.detect(Data("<!doctype html><p>Hi".utf8), type: "text/plain", name: "a.txt") == .html)
        #expect(try Self.detect(Data("plain words".utf8), type: "application/pdf") == .plainText)
        // A README that starts with an HTML tag stays Markdown when named so.
        #expect(try Self.detect(Data("<p align=\"center\">logo</p>\n\n# Intro".utf8), name: "README.md") == .markdown)
        // Binary bytes without a signature that are declared PDF go to the PDF parser, which calls them corrupt.
        #expect(try Self.detect(Data([0x00, 0x01, 0x02, 0xFF]), type: "application/pdf") == .pdf)
    }

    @Test("refuses images, other archives, legacy Office files and binary data, naming what it saw")
    func unsupported() throws {
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]) + Data(count: 64)
        do {
            _ = try Self.detect(png, type: "text/plain", name: "picture.txt")
            Issue.record("a PNG was accepted")
        } catch {
            #expect(error.reason == .unsupported)
            #expect(error.message.contains("PNG image"))
        }
        let xlsx = try DocumentFixtures.zip([("xl/workbook.xml", Data("<workbook/>".utf8))])
        #expect(Self.reason { () throws(DocumentError) in try Self.detect(xlsx, name: "a.docx") } == .unsupported)
        let ole = Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) + Data(count: 504)
        #expect(Self.reason { () throws(DocumentError) in try Self.detect(ole, name: "old.doc") } == .unsupported)

        var generator = SystemRandomNumberGenerator()
        let random = Data((0..<4_096).map { _ in UInt8.random(in: 0...255, using: &generator) })
        #expect(Self.reason { () throws(DocumentError) in try Self.detect(random) } == .unsupported)
        let latin1 = Data("caf\u{E9} cr\u{E8}me".data(using: .isoLatin1) ?? Data())
        #expect(Self.reason { () throws(DocumentError) in try Self.detect(latin1, name: "a.txt") } == .unsupported)
        #expect(Self.reason { () throws(DocumentError) in try Self.detect(Data()) } == .empty)
    }

    @Test("takes a password-protected Office file for DOCX, so its parser can say it is encrypted")
    func encryptedOffice() throws {
        #expect(try Self.detect(DOCXParserTests.encryptedOffice, name: "secret.docx") == .docx)
    }

    @Test("text that merely starts like a signature is still text")
    func textualSignatures() throws {
        #expect(try Self.detect(Data("ID3 tags hold an MP3's title.".utf8)) == .plainText)
        #expect(try Self.detect(Data("BZh is how bzip2 files begin.".utf8)) == .plainText)
    }
}
