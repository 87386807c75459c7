import Foundation
import ZIPFoundation

/// Documents made in code for the tests (the parsers' unit tests and the integration tests).
public enum DocumentFixtures {
    /// A minimal PDF: one page per element, each line of a page drawn in Helvetica 12 pt, 14 pt apart, with
    /// `title` in its information dictionary; the cross-reference table's offsets are computed.
    public static func pdf(pages: [[String]], title: String? = nil) -> Data {
        var objects: [String] = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [\((0..<pages.count).map { "\(4 + 2 * $0) 0 R" }.joined(separator: " "))] "
                + "/Count \(pages.count) >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        for (index, lines) in pages.enumerated() {
            objects.append(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                    + "/Resources << /Font << /F1 3 0 R >> >> /Contents \(5 + 2 * index) 0 R >>"
            )
            let shown = lines.map { "(\(Self.pdfString($0))) Tj T*" }.joined(separator: " ")
            let stream = "BT /F1 12 Tf 14 TL 72 720 Td \(shown) ET"
            objects.append("<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream")
        }
        if let title { objects.append("<< /Title (\(Self.pdfString(title))) >>") }

        var data = Data("%PDF-1.4\n%".utf8) + Data([0xE2, 0xE3, 0xCF, 0xD3, 0x0A])
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(data.count)
            data += Data("\(index + 1) 0 obj\n\(object)\nendobj\n".utf8)
        }
        let xref = data.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            table += String(repeating: "0", count: 10 - String(offset).count) + "\(offset) 00000 n \n"
        }
        let info = title == nil ? "" : " /Info \(objects.count) 0 R"
        table += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R\(info) >>\nstartxref\n\(xref)\n%%EOF\n"
        return data + Data(table.utf8)
    }

    private static func pdfString(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "(", with: "\\(")
            .replacingOccurrences(of: ")", with: "\\)")
    }

    /// A ZIP archive of `entries` (path, bytes), each deflated.
    public static func zip(_ entries: [(String, Data)]) throws -> Data {
        let archive = try Archive(accessMode: .create)
        for (path, bytes) in entries {
            try archive.addEntry(
                with: path,
                type: .file,
                uncompressedSize: Int64(bytes.count),
                compressionMethod: .deflate
            ) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return archive.data ?? Data()
    }

    /// A DOCX whose body is `body` (the children of `w:body`), with `word/styles.xml` and `docProps/core.xml`
    /// when given.
    public static func docx(body: String, styles: String? = nil, coreTitle: String? = nil) throws -> Data {
        let namespace = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
        var entries: [(String, Data)] = [
            (
                "[Content_Types].xml",
                Data(
                    """
                    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                    <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
                    <Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-\
                    officedocument.wordprocessingml.document.main+xml"/></Types>
                    """.utf8
                )
            ),
            (
                "word/document.xml",
                Data(
                    """
                    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                    <w:document xmlns:w="\(namespace)"><w:body>\(body)</w:body></w:document>
                    """.utf8
                )
            ),
        ]
        if let styles {
            entries.append(
                ("word/styles.xml", Data("<w:styles xmlns:w=\"\(namespace)\">\(styles)</w:styles>".utf8))
            )
        }
        if let coreTitle {
            entries.append(
                (
                    "docProps/core.xml",
                    Data(
                        """
                        <cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/\
                        core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>\(coreTitle)\
                        </dc:title></cp:coreProperties>
                        """.utf8
                    )
                )
            )
        }
        return try self.zip(entries)
    }

    /// A `w:p` with `text` in one run, styled `style` when given.
    public static func paragraph(_ text: String, style: String? = nil) -> String {
        let properties = style.map { "<w:pPr><w:pStyle w:val=\"\($0)\"/></w:pPr>" } ?? ""
        return "<w:p>\(properties)<w:r><w:t xml:space=\"preserve\">\(text)</w:t></w:r></w:p>"
    }

    /// A scratch directory, removed by `body`'s end.
    public static func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("memos-tests-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(directory)
    }

    /// Runs a program to its end; answers its exit status.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Words separated by whitespace: the token counter of the chunker tests.
    public static func words(_ text: String) -> Int {
        text.split(whereSeparator: \.isWhitespace).count
    }
}
