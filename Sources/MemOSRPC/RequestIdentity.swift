import MemOSCore

/// The authenticated caller of the RPC being handled, set by ``AuthenticationInterceptor``.
public enum RequestIdentity {
    @TaskLocal public static var principal: Principal?

    /// The caller; throws `unauthenticated` outside an authenticated call.
    public static func require() throws -> Principal {
        guard let principal = self.principal else {
            throw MemOSError.unauthenticated("missing API key: send metadata 'authorization: Bearer <api key>'")
        }
        return principal
    }
}
