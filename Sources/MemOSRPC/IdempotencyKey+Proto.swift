import MemOSCore
import SwiftProtobuf

extension IdempotencyKey {
    /// The key of a request, fingerprinted by the request's deterministic binary encoding (so a retry of the same
    /// request matches and a different request under the same key is told apart); nil when `key` is empty.
    public init?(_ key: String, for request: some SwiftProtobuf.Message) throws {
        guard !key.isEmpty else { return nil }
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true
        let bytes: [UInt8] = try request.serializedBytes(options: options)
        self.init(key: key, fingerprint: Fingerprint.of(bytes))
    }
}
