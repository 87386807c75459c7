/// The one error type of the domain: a code a client can act on, a message safe to show it, and the cause
/// for the server's logs.
///
/// The RPC layer maps ``Code`` to gRPC status codes and the gateway to HTTP statuses, each in one place.
/// ``message`` never contains driver text; ``underlying`` does and is only logged.
public struct MemOSError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in terms a client can act on. New codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Sendable {
            case invalidArgument, notFound, alreadyExists, permissionDenied, unauthenticated
            case failedPrecondition, aborted, resourceExhausted, unavailable, unimplemented, internalError
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The request is malformed or breaks a documented limit; nothing was written.
        public static let invalidArgument = Code(.invalidArgument)
        /// A named cube, memory or job does not exist.
        public static let notFound = Code(.notFound)
        /// An idempotency key was reused with a different request, or an id is taken.
        public static let alreadyExists = Code(.alreadyExists)
        /// The caller is known but may not do this.
        public static let permissionDenied = Code(.permissionDenied)
        /// No valid API key.
        public static let unauthenticated = Code(.unauthenticated)
        /// The system is not configured for this (for example no LLM for fine mode).
        public static let failedPrecondition = Code(.failedPrecondition)
        /// A concurrent change won (for example a version mismatch); retry after re-reading.
        public static let aborted = Code(.aborted)
        /// A rate or size limit was hit.
        public static let resourceExhausted = Code(.resourceExhausted)
        /// A dependency is down or a bounded wait ran out; safe to retry.
        public static let unavailable = Code(.unavailable)
        /// The operation is part of the API but not served by this version.
        public static let unimplemented = Code(.unimplemented)
        /// A bug or an unexpected failure; details are in the server log only.
        public static let internalError = Code(.internalError)

        public var description: String { self.wrapped.rawValue }
    }

    public var code: Code
    /// A message a client can act on; names the field and the limit for invalid input.
    public var message: String
    /// The cause, for logs only.
    public var underlying: (any Error)?

    public init(code: Code, message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { "\(self.code): \(self.message)" }

    public static func invalidArgument(_ message: String) -> MemOSError {
        MemOSError(code: .invalidArgument, message: message)
    }

    public static func notFound(_ message: String) -> MemOSError {
        MemOSError(code: .notFound, message: message)
    }

    public static func permissionDenied(_ message: String) -> MemOSError {
        MemOSError(code: .permissionDenied, message: message)
    }

    public static func unauthenticated(_ message: String) -> MemOSError {
        MemOSError(code: .unauthenticated, message: message)
    }

    public static func unimplemented(_ what: String) -> MemOSError {
        MemOSError(code: .unimplemented, message: "\(what) is not implemented by this version of the server")
    }

    /// Wraps an unexpected error: the client sees a generic message, the cause goes to the log.
    public static func internalError(_ underlying: any Error) -> MemOSError {
        if let error = underlying as? MemOSError { return error }
        return MemOSError(code: .internalError, message: "internal error", underlying: underlying)
    }
}
