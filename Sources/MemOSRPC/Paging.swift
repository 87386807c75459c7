import Crypto
import Foundation
import MemOSCore
import Synchronization

/// Page sizes of listings.
public enum PageSize {
    /// The page size to use: the default for 0, otherwise 1 to `max`.
    public static func resolve(
        _ requested: Int32,
        default defaultSize: Int = Limits.defaultPageSize,
        max: Int
    ) throws -> Int {
        if requested == 0 { return Swift.min(defaultSize, max) }
        guard requested > 0, requested <= max else {
            throw MemOSError.invalidArgument("page_size must be between 1 and \(max)")
        }
        return Int(requested)
    }
}

/// A position in a listing that a page token carries; checked again when a token comes back.
public protocol PageCursor: Codable, Sendable {
    /// Whether every value lies in the range the store accepts.
    var isInRange: Bool { get }
}

extension ListCursor: PageCursor {
    public var isInRange: Bool { Checked.isInRange(self.createdAt) }
}

extension Int64: PageCursor {
    public var isInRange: Bool { true }
}

/// Opaque page tokens, authenticated: base64url of the cursor's JSON, a dot, and base64url of the first 16 bytes of
/// its HMAC-SHA256 under the deployment's page-token key, computed over the listing it belongs to (say
/// `memories/<cube>`) and the JSON.
///
/// A token is honoured only by the listing that issued it, by every replica sharing the key (the key lives in
/// PostgreSQL, so all services of a deployment share it), and only when its values are in range; anything else is
/// `invalidArgument`, never a crash.
public struct PageTokens: Sendable {
    private final class KeyCache: Sendable {
        let load: @Sendable () async throws -> [UInt8]
        let key = Mutex<SymmetricKey?>(nil)

        init(load: @escaping @Sendable () async throws -> [UInt8]) { self.load = load }

        func get() async throws -> SymmetricKey {
            if let key = self.key.withLock({ $0 }) { return key }
            let loaded = SymmetricKey(data: try await self.load())
            self.key.withLock { $0 = loaded }
            return loaded
        }
    }

    private let cache: KeyCache

    /// - Parameter key: loads the secret key (at least 16 bytes) on first use; it is kept afterwards.
    public init(key: @escaping @Sendable () async throws -> [UInt8]) {
        self.cache = KeyCache(load: key)
    }

    /// Tokens under a fixed key (tests, single processes).
    public init(fixedKey: [UInt8]) {
        self.init(key: { fixedKey })
    }

    public func encode(_ cursor: some PageCursor, listing: String) async throws -> String {
        let payload = try JSONEncoder().encode(cursor)
        let mac = try await self.mac(payload, listing: listing)
        return Self.base64URL(payload) + "." + Self.base64URL(mac)
    }

    /// - Throws: `invalidArgument` for a token this listing did not issue.
    public func decode<Cursor: PageCursor>(
        _ type: Cursor.Type,
        from token: String,
        listing: String
    ) async throws -> Cursor {
        let refused = MemOSError.invalidArgument("page_token is not a token this listing issued")
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 1_024, parts.count == 2, let payload = Self.data(base64URL: parts[0]),
            let mac = Self.data(base64URL: parts[1])
        else { throw refused }
        let expected = try await self.mac(payload, listing: listing)
        // Compared in constant time: a forger learns nothing from how long a refusal takes.
        guard mac.count == expected.count, zip(mac, expected).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            throw refused
        }
        guard let cursor = try? JSONDecoder().decode(type, from: payload), cursor.isInRange else { throw refused }
        return cursor
    }

    private func mac(_ payload: Data, listing: String) async throws -> Data {
        var hmac = HMAC<SHA256>(key: try await self.cache.get())
        hmac.update(data: Data(listing.utf8))
        hmac.update(data: [0])
        hmac.update(data: payload)
        return Data(hmac.finalize().prefix(16))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
