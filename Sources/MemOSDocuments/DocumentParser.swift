import Foundation

/// Reads one format's bytes into text blocks.
public protocol DocumentParser: Sendable {
    /// The document's text and structure. Only ``DocumentError`` escapes: `.corrupt` when the bytes are not
    /// this format, and the limit's reason when one of `limits` is broken. The result may have no blocks.
    func parse(_ data: Data, limits: DocumentLimits) async throws(DocumentError) -> ParsedDocument
}
