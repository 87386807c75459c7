/// Builds a document's blocks as a parser finds them: keeps the open headings as the section path, drops
/// blank text and counts the text against ``DocumentLimits/maxExtractedBytes``.
struct BlockCollector {
    private(set) var blocks: [TextBlock] = []
    private var headings: [(level: Int, text: String)] = []
    private var extractedBytes = 0
    private let maxExtractedBytes: Int

    init(limits: DocumentLimits) {
        self.maxExtractedBytes = limits.maxExtractedBytes
    }

    var sectionPath: [String] { self.headings.map(\.text) }

    /// Opens a section: closes every open heading at `level` or deeper, then this one sits under the rest.
    /// Lower levels are outer (a title 0, `h1` 1, `h2` 2 …). A blank heading changes nothing.
    mutating func heading(_ text: String, level: Int) throws(DocumentError) {
        let text = Self.collapsingWhitespace(text)
        guard !text.isEmpty else { return }
        try self.count(text)
        while let last = self.headings.last, last.level >= level { self.headings.removeLast() }
        self.headings.append((level, text))
    }

    /// Adds a block, trimmed; blank text is dropped.
    mutating func append(_ text: some StringProtocol, page: Int = 0) throws(DocumentError) {
        let trimmed = Self.trimmed(text)
        guard !trimmed.isEmpty else { return }
        try self.count(trimmed)
        self.blocks.append(TextBlock(text: trimmed, sectionPath: self.sectionPath, page: page))
    }

    private mutating func count(_ text: String) throws(DocumentError) {
        self.extractedBytes += text.utf8.count
        guard self.extractedBytes <= self.maxExtractedBytes else {
            throw DocumentError(
                reason: .tooLarge,
                message:
                    "the document's text is over \(self.maxExtractedBytes) bytes, the limit of extracted text"
            )
        }
    }

    /// `text` without whitespace or newlines at either end.
    static func trimmed(_ text: some StringProtocol) -> String {
        let scalars = Substring(text).unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(Substring(scalars[first...last]))
    }

    /// `text` with each run of whitespace made one space, and none at either end.
    static func collapsingWhitespace(_ text: some StringProtocol) -> String {
        var result = ""
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !result.isEmpty
            } else {
                if pendingSpace { result.unicodeScalars.append(" ") }
                pendingSpace = false
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
