import Crypto
import MemOSCore

/// The bytes of an upload as they stream in, counted against a limit (``Limits/maxDocumentBytes``).
public struct DocumentUpload: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// The most bytes accepted.
    public let limit: Int

    /// - Parameter expectedSize: the size the client announced; at most 8 MiB of it is reserved up front, so that an
    ///   announcement alone cannot take memory.
    public init(limit: Int = Limits.maxDocumentBytes, expectedSize: Int = 0) {
        self.limit = limit
        self.bytes.reserveCapacity(min(max(expectedSize, 0), limit, 8 * 1_024 * 1_024))
    }

    /// Appends one part.
    /// - Throws: `invalidArgument` when the upload grows past the limit.
    public mutating func append(_ part: some Collection<UInt8>) throws {
        guard self.bytes.count + part.count <= self.limit else { throw Self.tooLarge(self.limit) }
        self.bytes.append(contentsOf: part)
    }

    /// SHA-256 of the bytes, lower-case hex.
    public var sha256: String {
        SHA256.hash(data: self.bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The error of a file over `limit` bytes.
    public static func tooLarge(_ limit: Int) -> MemOSError {
        MemOSError.invalidArgument("file is larger than \(Self.describe(limit)), the most a document may have")
    }

    /// "50 MiB (52,428,800 bytes)".
    public static func describe(_ bytes: Int) -> String {
        var digits = String(bytes)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        return "\(bytes / 1_048_576) MiB (\(digits + grouped) bytes)"
    }
}
