import Logging
import MemOSCore

/// The authenticated caller of the RPC being handled, set by ``AuthenticationInterceptor``.
public enum RequestIdentity {
    @TaskLocal public static var principal: Principal?
    /// The `x-request-id` metadata of the call (the gateway's request id), when it came with one.
    @TaskLocal public static var requestID: String?

    /// Adds `request_id` to every log line written while a call with a request id is handled.
    public static let metadataProvider = Logger.MetadataProvider {
        guard let id = Self.requestID else { return [:] }
        return ["request_id": .string(id)]
    }

    /// The caller; throws `unauthenticated` outside an authenticated call.
    public static func require() throws -> Principal {
        guard let principal = self.principal else {
            throw MemOSError.unauthenticated("missing API key: send metadata 'authorization: Bearer <api key>'")
        }
        return principal
    }
}
