import Foundation
import Hummingbird
import MemOSCore
import NIOCore

extension Gateway {
    /// The request's body, at most ``Configuration/maxBodyBytes``: the one place every HTTP body is read.
    ///
    /// - Throws: 413 for a larger body; `invalidArgument` when a JSON string in it holds a NUL character
    ///   (`\u0000`), which no stored text may contain.
    func body(of request: Request) async throws -> Data {
        let buffer = try await request.body.collect(upTo: self.configuration.maxBodyBytes)
        let data = Data(buffer.readableBytesView)
        if Self.containsEscapedNUL(data) {
            throw MemOSError.invalidArgument(
                "the request body contains a NUL character (\\u0000), which is not allowed in any text"
            )
        }
        return data
    }

    /// Whether JSON text holds the escape `\u0000` (the only way JSON can carry a NUL), an escaped backslash
    /// followed by `u0000` not counting.
    static func containsEscapedNUL(_ data: Data) -> Bool {
        data.withUnsafeBytes { bytes in
            var index = 0
            let count = bytes.count
            while index < count {
                if bytes[index] == UInt8(ascii: "\\") {
                    if index + 5 < count, bytes[index + 1] == UInt8(ascii: "u"), bytes[index + 2] == UInt8(ascii: "0"),
                        bytes[index + 3] == UInt8(ascii: "0"), bytes[index + 4] == UInt8(ascii: "0"),
                        bytes[index + 5] == UInt8(ascii: "0")
                    {
                        return true
                    }
                    index += 2
                } else {
                    index += 1
                }
            }
            return false
        }
    }

    /// A path parameter, percent-decoded (`team%3Ax` is `team:x`).
    ///
    /// - Throws: `invalidArgument` for malformed percent-encoding or a NUL character.
    static func parameter(_ name: String, _ context: GatewayRequestContext) throws -> String {
        let raw = try context.parameters.require(name)
        guard let decoded = raw.removingPercentEncoding else {
            throw MemOSError.invalidArgument("the path parameter \(name) is not valid percent-encoded UTF-8")
        }
        if decoded.utf8.contains(0) {
            throw MemOSError.invalidArgument("the path parameter \(name) contains a NUL character")
        }
        return decoded
    }
}
