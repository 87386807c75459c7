/// A run of text that belongs together (a paragraph, a list, a table row, a code block), where it sits in the
/// document.
public struct TextBlock: Sendable, Hashable {
    /// The text, trimmed; never empty in a parsed document.
    public var text: String
    /// The headings the block sits under, outermost first; empty when the document has none above it. A
    /// heading's own text is here, not in a block of its own.
    public var sectionPath: [String]
    /// The 1-based page the block is on; 0 when the format has no pages.
    public var page: Int

    public init(text: String, sectionPath: [String] = [], page: Int = 0) {
        self.text = text
        self.sectionPath = sectionPath
        self.page = page
    }
}
