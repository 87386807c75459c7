/// A piece of a document small enough to embed: text from consecutive blocks of one section.
public struct Chunk: Sendable, Hashable {
    /// The text; blocks within it are separated by a blank line.
    public var text: String
    /// The section all of its text belongs to.
    public var sectionPath: [String]
    /// The first and last page its text comes from; both 0 when the format has no pages.
    public var pageStart: Int
    public var pageEnd: Int
    /// Its position among the document's chunks, from 0.
    public var index: Int
    /// Tokens in ``text`` by the chunker's counter; at most its `maxTokens`.
    public var tokenCount: Int

    public init(text: String, sectionPath: [String], pageStart: Int, pageEnd: Int, index: Int, tokenCount: Int) {
        self.text = text
        self.sectionPath = sectionPath
        self.pageStart = pageStart
        self.pageEnd = pageEnd
        self.index = index
        self.tokenCount = tokenCount
    }
}
