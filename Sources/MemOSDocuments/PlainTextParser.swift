import Foundation

/// Reads UTF-8 text: a block per paragraph (lines between blank lines), no sections.
public struct PlainTextParser: DocumentParser {
    public init() {}

    public func parse(_ data: Data, limits: DocumentLimits) async throws(DocumentError) -> ParsedDocument {
        try limits.checkSize(of: data.count)
        var collector = BlockCollector(limits: limits)
        var paragraph: [Substring] = []
        for line in try Self.lines(of: data) {
            if line.allSatisfy(\.isWhitespace) {
                try collector.append(paragraph.joined(separator: "\n"))
                paragraph.removeAll(keepingCapacity: true)
            } else {
                paragraph.append(Self.trimmingTrailingWhitespace(line))
            }
        }
        try collector.append(paragraph.joined(separator: "\n"))
        return ParsedDocument(format: .plainText, blocks: collector.blocks)
    }

    /// The lines of UTF-8 text (a BOM dropped; CRLF, CR and LF all end a line). Throws `.unsupported` for bytes
    /// that are not UTF-8.
    static func lines(of data: Data) throws(DocumentError) -> [Substring] {
        guard let text = String(validating: Sniffer.withoutBOM(data), as: UTF8.self) else {
            throw DocumentError(reason: .unsupported, message: "the file is not UTF-8 text")
        }
        // "\r\n" is one Character, so splitting on newlines treats CRLF, CR and LF alike.
        return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }

    static func trimmingTrailingWhitespace(_ line: Substring) -> Substring {
        guard let last = line.lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return line[...last]
    }
}
