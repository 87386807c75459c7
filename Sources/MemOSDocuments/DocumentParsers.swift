import Foundation

/// The parser for each format, and detection and parsing in one call.
public enum DocumentParsers {
    /// The parser of `format`, with its default settings.
    public static func parser(for format: DocumentFormat) -> any DocumentParser {
        switch format {
        case .plainText: PlainTextParser()
        case .markdown: MarkdownParser()
        case .html: HTMLParser()
        case .pdf: PDFParser()
        case .docx: DOCXParser()
        }
    }

    /// Detects the format (``DocumentFormat/detect(data:declaredMediaType:name:)``) and parses the file.
    ///
    /// Throws `.tooLarge` past ``DocumentLimits/maxBytes`` before reading anything, the detector's and the
    /// parser's errors, and `.empty` when the document holds no text at all.
    public static func parse(
        _ data: Data,
        declaredMediaType: String?,
        name: String?,
        limits: DocumentLimits = .default
    ) async throws(DocumentError) -> ParsedDocument {
        try limits.checkSize(of: data.count)
        let format = try DocumentFormat.detect(data: data, declaredMediaType: declaredMediaType, name: name)
        let document = try await self.parser(for: format).parse(data, limits: limits)
        guard !document.blocks.isEmpty else {
            let reason = format == .pdf ? " (a scanned PDF needs text recognition, which is not supported)" : ""
            throw DocumentError(reason: .empty, message: "the document has no text\(reason)")
        }
        return document
    }
}
