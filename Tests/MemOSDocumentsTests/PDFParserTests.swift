import Foundation
import MemOSDocumentFixtures
import Testing

@testable import MemOSDocuments

@Suite("PDF")
struct PDFParserTests {
    static let popplerInstalled =
        FileManager.default.isExecutableFile(atPath: "/usr/bin/pdftotext")
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/pdfinfo")
    static let qpdfInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/qpdf")

    static let threePages = DocumentFixtures.pdf(
        pages: [
            ["Page one starts here", "and goes on."],
            ["The second page."],
            ["Third (and last) page."],
        ],
        title: "A Small PDF"
    )

    @Test("each block carries its page; the page count and title come from the file", .enabled(if: popplerInstalled))
    func pages() async throws {
        let document = try await DocumentParsers.parse(Self.threePages, declaredMediaType: nil, name: "small.pdf")
        #expect(document.format == .pdf)
        #expect(document.pageCount == 3)
        #expect(document.title == "A Small PDF")
        #expect(document.blocks.map(\.page) == [1, 2, 3])
        #expect(
            document.blocks.map(\.text) == [
                "Page one starts here and goes on.", "The second page.", "Third (and last) page.",
            ]
        )
        #expect(document.blocks.allSatisfy { $0.sectionPath.isEmpty })
    }

    @Test("a PDF that needs a password is encrypted", .enabled(if: popplerInstalled && qpdfInstalled))
    func encrypted() async throws {
        try await DocumentFixtures.withTemporaryDirectory { directory in
            let plain = directory.appendingPathComponent("in.pdf")
            let locked = directory.appendingPathComponent("out.pdf")
            let ownerOnly = directory.appendingPathComponent("owner.pdf")
            try Self.threePages.write(to: plain)
            try DocumentFixtures.run(
                "/usr/bin/qpdf",
                ["--encrypt", "user", "owner", "256", "--", plain.path, locked.path]
            )
            try DocumentFixtures.run(
                "/usr/bin/qpdf",
                ["--encrypt", "", "owner", "256", "--", plain.path, ownerOnly.path]
            )

            let error = await #expect(throws: DocumentError.self) {
                try await PDFParser().parse(Data(contentsOf: locked), limits: .default)
            }
            #expect(error?.reason == .encrypted)
            #expect(error?.message == "the PDF is encrypted and needs a password")
            // Encrypted with an owner password only, it opens without one.
            let opened = try await PDFParser().parse(Data(contentsOf: ownerOnly), limits: .default)
            #expect(opened.blocks.map(\.page) == [1, 2, 3])
        }
    }

    @Test("a damaged PDF is corrupt", .enabled(if: popplerInstalled))
    func corrupt() async throws {
        var bytes = Data("%PDF-1.7\n".utf8)
        var generator = SystemRandomNumberGenerator()
        bytes += Data((0..<2_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let error = await #expect(throws: DocumentError.self) {
            try await DocumentParsers.parse(bytes, declaredMediaType: "application/pdf", name: "x.pdf")
        }
        #expect(error?.reason == .corrupt)
        let notPDF = await #expect(throws: DocumentError.self) {
            try await PDFParser().parse(Data("hello".utf8), limits: .default)
        }
        #expect(notPDF?.reason == .corrupt)
    }

    @Test("more pages than the limit is too large", .enabled(if: popplerInstalled))
    func tooManyPages() async throws {
        let error = await #expect(throws: DocumentError.self) {
            try await PDFParser().parse(Self.threePages, limits: DocumentLimits(maxPages: 2))
        }
        #expect(error?.reason == .tooLarge)
        #expect(error?.message.contains("3 pages") == true)
    }

    @Test("without poppler's tools PDFs are unsupported, naming poppler-utils")
    func missingTools() async throws {
        let error = await #expect(throws: DocumentError.self) {
            try await PDFParser(toolDirectories: ["/nonexistent"]).parse(Self.threePages, limits: .default)
        }
        #expect(error?.reason == .unsupported)
        #expect(error?.message.contains("poppler-utils") == true)
    }

    /// Stand-in tools (shell scripts) in a scratch directory; it has no prlimit, so the shell's ulimit is used.
    static func withFakeTools(
        pdftotext: String,
        _ body: (PDFParser) async throws -> Void
    ) async throws {
        try await DocumentFixtures.withTemporaryDirectory { directory in
            let scripts = ["pdfinfo": "echo 'Pages:          1'", "pdftotext": pdftotext]
            for (name, script) in scripts {
                let path = directory.appendingPathComponent(name).path
                try Data("#!/bin/sh\n\(script)\n".utf8).write(to: URL(fileURLWithPath: path))
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            }
            try await body(PDFParser(toolDirectories: [directory.path]))
        }
    }

    @Test("a tool that runs past the time limit is killed: timeout")
    func timeout() async throws {
        try await Self.withFakeTools(pdftotext: "exec sleep 120") { parser in
            let error = await #expect(throws: DocumentError.self) {
                try await parser.parse(Self.threePages, limits: DocumentLimits(pdfTimeout: .milliseconds(500)))
            }
            #expect(error?.reason == .timeout)
        }
    }

    @Test("output past the extracted-text limit is cut off and too large; big output does not stall")
    func outputCap() async throws {
        try await Self.withFakeTools(pdftotext: "exec yes 'lots of text'") { parser in
            let error = await #expect(throws: DocumentError.self) {
                try await parser.parse(Self.threePages, limits: DocumentLimits(maxExtractedBytes: 1_000_000))
            }
            #expect(error?.reason == .tooLarge)
        }
        // 4 MB on standard output and 1 MB on standard error at once, within the limits.
        let script = "head -c 1000000 /dev/zero | tr '\\\\0' e >&2; yes 'a line of text' | head -c 4000000"
        try await Self.withFakeTools(pdftotext: script) { parser in
            let document = try await parser.parse(Self.threePages, limits: .default)
            #expect(document.blocks.count == 1)
            #expect(document.blocks.first?.text.utf8.count ?? 0 > 3_000_000)
        }
    }

    @Test("lines join into paragraphs, blank lines split them, hyphenated words are rejoined")
    func paragraphs() throws {
        let text = "A first line\nand a se-\ncond one.\n\nWell-\nKnown stays.\n\u{0C}Page two.\n\u{0C}"
        let blocks = try PDFParser.blocks(text, limits: .default)
        #expect(blocks.map(\.text) == ["A first line and a second one.", "Well- Known stays.", "Page two."])
        #expect(blocks.map(\.page) == [1, 1, 2])
    }
}
