/// The text of an uploaded file, in reading order, with its structure.
public struct ParsedDocument: Sendable {
    public var format: DocumentFormat
    /// Pages of a PDF; 0 for formats without pages.
    public var pageCount: Int
    /// The document's own title (HTML `<title>`, DOCX `dc:title` or Title paragraph, PDF metadata, Markdown
    /// front matter `title:` or first level-1 heading), when it has one.
    public var title: String?
    public var blocks: [TextBlock]

    public init(format: DocumentFormat, pageCount: Int = 0, title: String? = nil, blocks: [TextBlock]) {
        self.format = format
        self.pageCount = pageCount
        self.title = title
        self.blocks = blocks
    }
}
