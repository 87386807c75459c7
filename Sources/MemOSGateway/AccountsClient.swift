import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import MemOSCore
import MemOSProto
import MemOSRPC
import SwiftProtobuf
import Synchronization

/// The accounts service as the gateway's routes use it, on behalf of a caller whose key goes with every call.
///
/// The service authenticates the key and checks who may do what; the gateway only translates. It asks who a key
/// is (WhoAmI) before it reads a request, so that a request with an unknown or revoked key is answered 401 whatever
/// its body; answers are kept for ``principalTTL``, except that a key revoked or a user disabled through this gateway
/// is forgotten at once. The services authenticate every call again themselves, so a key revoked elsewhere
/// meanwhile reaches nothing either.
struct AccountsClient: Sendable {
    let client: any Memos_Accounts_V1_AccountsService.ClientProtocol
    private let principals = PrincipalCache()
    static let principalTTL: Duration = .seconds(5)

    init(_ client: any Memos_Accounts_V1_AccountsService.ClientProtocol) {
        self.client = client
    }

    /// The user and key of an API key; `unauthenticated` for an unknown or revoked key or a disabled user.
    func principal(key: String, metadata: Metadata) async throws -> Principal {
        if let principal = self.principals.principal(for: key) { return principal }
        let principal = Principal(try await self.client.whoAmI(.init(), metadata: metadata))
        self.principals.keep(principal, for: key, until: .now.advanced(by: Self.principalTTL))
        return principal
    }

    /// Forgets the cached answers for a key (revoked) or for every key of a user (disabled).
    func forget(keyID: String? = nil, userID: String? = nil) {
        self.principals.remove {
            $0.apiKeyID.lowercasedString == keyID || $0.userID.lowercasedString == userID
        }
    }

    /// Checks that the caller may read (or write) every cube named, before a request fans out to several calls.
    func authorize(_ caller: Gateway.Caller, cubes: [String], for access: CubeAccess) async throws {
        guard !cubes.isEmpty else { return }
        _ = try await self.client.checkAccess(
            .with {
                $0.cubeIds = cubes
                $0.write = access == .write
            },
            metadata: caller.metadata
        )
    }

    /// The cubes the caller is a member of, by id.
    func cubes(_ caller: Gateway.Caller) async throws -> [CubeRecord] {
        try await self.client.listCubes(.init(), metadata: caller.metadata).cubes.map(CubeRecord.init)
    }
}

/// WhoAmI answers by API key, each until its expiry; at most ``capacity`` keys (a full cache starts over).
private final class PrincipalCache: Sendable {
    private let entries = Mutex<[String: (principal: Principal, until: ContinuousClock.Instant)]>([:])
    static let capacity = 10_000

    func principal(for key: String) -> Principal? {
        self.entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            if entry.until < .now {
                entries[key] = nil
                return nil
            }
            return entry.principal
        }
    }

    func remove(where matches: (Principal) -> Bool) {
        self.entries.withLock { entries in entries = entries.filter { !matches($0.value.principal) } }
    }

    func keep(_ principal: Principal, for key: String, until: ContinuousClock.Instant) {
        self.entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = (principal, until)
        }
    }
}
