import Foundation
import MemOSCore

/// Page sizes of listings.
public enum PageSize {
    /// The page size to use: the default for 0, otherwise 1 to `max`.
    public static func resolve(_ requested: Int32, default defaultSize: Int = Limits.defaultPageSize, max: Int) throws -> Int {
        if requested == 0 { return Swift.min(defaultSize, max) }
        guard requested > 0, requested <= max else {
            throw MemOSError.invalidArgument("page_size must be between 1 and \(max)")
        }
        return Int(requested)
    }
}

/// Opaque page tokens: base64url of JSON.
public enum PageToken {
    public static func encode(_ value: some Encodable) throws -> String {
        let data = try JSONEncoder().encode(value)
        return data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode<T: Decodable>(_ type: T.Type, from token: String) throws -> T {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let value = try? JSONDecoder().decode(type, from: data) else {
            throw MemOSError.invalidArgument("page_token is not a token this server issued")
        }
        return value
    }
}
