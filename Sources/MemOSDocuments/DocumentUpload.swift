import Crypto
import MemOSCore

/// The bytes of an upload as they stream in, counted against ``Limits/maxDocumentBytes``.
public struct DocumentUpload: Sendable {
    public private(set) var bytes: [UInt8] = []

    /// - Parameter expectedSize: the size the client announced; at most 8 MiB of it is reserved up front, so that an
    ///   announcement alone cannot take memory.
    public init(expectedSize: Int = 0) {
        self.bytes.reserveCapacity(min(max(expectedSize, 0), Limits.maxDocumentBytes, 8 * 1_024 * 1_024))
    }

    /// Appends one part.
    /// - Throws: ``MemOSCore/MemOSError/documentTooLarge`` when the upload grows past the limit.
    public mutating func append(_ part: some Collection<UInt8>) throws {
        guard self.bytes.count + part.count <= Limits.maxDocumentBytes else { throw MemOSError.documentTooLarge }
        self.bytes.append(contentsOf: part)
    }

    /// SHA-256 of the bytes, lower-case hex.
    public var sha256: String {
        SHA256.hash(data: self.bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
