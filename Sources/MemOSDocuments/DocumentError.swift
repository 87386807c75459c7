/// Why a document could not be read, with a message safe to show the client that sent it.
///
/// ``message`` names the cause and, for a limit, the limit; it never holds a tool's or a library's own text.
/// ``underlying`` may, and is for the server's log only.
public struct DocumentError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in terms a client can act on.
    public enum Reason: String, Sendable {
        /// The file has no bytes, or no text at all.
        case empty
        /// Not a format this module reads (an image, another kind of archive, binary data, text not in UTF-8).
        case unsupported
        /// Claims a supported format but is damaged or malformed.
        case corrupt
        /// Needs a password.
        case encrypted
        /// Breaks a size limit of ``DocumentLimits`` (bytes, extracted text, decompressed bytes, pages).
        case tooLarge = "too_large"
        /// Nested deeper than ``DocumentLimits/maxXMLDepth``.
        case tooComplex = "too_complex"
        /// Took longer than ``DocumentLimits/pdfTimeout``.
        case timeout
    }

    public var reason: Reason
    /// A message a client can act on: the cause and, for a limit, the limit.
    public var message: String
    /// The cause, for logs only.
    public var underlying: (any Error)?

    public init(reason: Reason, message: String, underlying: (any Error)? = nil) {
        self.reason = reason
        self.message = message
        self.underlying = underlying
    }

    public var description: String { "\(self.reason.rawValue): \(self.message)" }
}
