/// The bounds every parser keeps while reading an uploaded file; each one broken is a ``DocumentError``.
///
/// - ``maxBytes``: bytes of the file itself; default 50 MiB (`.tooLarge`).
/// - ``maxExtractedBytes``: bytes of UTF-8 text taken out of it; default 32 MiB (`.tooLarge`).
/// - ``maxDecompressedBytes``: bytes inflated from a DOCX's ZIP entries that are read, all together;
///   default 128 MiB (`.tooLarge`).
/// - ``maxCompressionRatio``: an entry may inflate to at most this many times its compressed size, counted
///   while inflating (the ZIP header's sizes are not trusted); default 200 (`.tooLarge`). Entries that inflate
///   to less than 1 MiB are not held to it.
/// - ``maxXMLDepth``: elements nested in HTML or in a DOCX's XML; default 256 (`.tooComplex`).
/// - ``maxPages``: pages of a PDF; default 5,000 (`.tooLarge`).
/// - ``pdfTimeout``: wall-clock time for reading a PDF, its tools all together; default 120 s (`.timeout`).
/// - ``pdfAddressSpaceBytes``: address space of each PDF tool process; default 2 GiB. A tool that runs out
///   fails and the PDF is reported `.corrupt`.
public struct DocumentLimits: Sendable {
    public var maxBytes: Int
    public var maxExtractedBytes: Int
    public var maxDecompressedBytes: Int
    public var maxCompressionRatio: Int
    public var maxXMLDepth: Int
    public var maxPages: Int
    public var pdfTimeout: Duration
    public var pdfAddressSpaceBytes: Int

    public init(
        maxBytes: Int = 50 * 1_024 * 1_024,
        maxExtractedBytes: Int = 32 * 1_024 * 1_024,
        maxDecompressedBytes: Int = 128 * 1_024 * 1_024,
        maxCompressionRatio: Int = 200,
        maxXMLDepth: Int = 256,
        maxPages: Int = 5_000,
        pdfTimeout: Duration = .seconds(120),
        pdfAddressSpaceBytes: Int = 2 * 1_024 * 1_024 * 1_024
    ) {
        self.maxBytes = maxBytes
        self.maxExtractedBytes = maxExtractedBytes
        self.maxDecompressedBytes = maxDecompressedBytes
        self.maxCompressionRatio = maxCompressionRatio
        self.maxXMLDepth = maxXMLDepth
        self.maxPages = maxPages
        self.pdfTimeout = pdfTimeout
        self.pdfAddressSpaceBytes = pdfAddressSpaceBytes
    }

    /// The defaults listed above.
    public static let `default` = DocumentLimits()

    /// Inflated bytes an entry may reach whatever its compression ratio: below this a ZIP bomb does no harm.
    static let ratioFreeInflatedBytes = 1_024 * 1_024
}

extension DocumentLimits {
    /// Throws `.tooLarge` for a file of more than ``maxBytes`` bytes.
    func checkSize(of byteCount: Int) throws(DocumentError) {
        guard byteCount <= self.maxBytes else {
            throw DocumentError(
                reason: .tooLarge,
                message: "the file has \(byteCount) bytes; the limit is \(self.maxBytes)"
            )
        }
    }
}
