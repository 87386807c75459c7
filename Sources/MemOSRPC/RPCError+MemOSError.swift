import GRPCCore
import MemOSCore

extension RPCError {
    /// The gRPC status for a domain error: the one place where domain codes become gRPC codes.
    public init(_ error: MemOSError) {
        self.init(code: Self.code(for: error.code), message: error.message)
    }

    static func code(for code: MemOSError.Code) -> RPCError.Code {
        switch code {
        case .invalidArgument: .invalidArgument
        case .notFound: .notFound
        case .alreadyExists: .alreadyExists
        case .permissionDenied: .permissionDenied
        case .unauthenticated: .unauthenticated
        case .failedPrecondition: .failedPrecondition
        case .aborted: .aborted
        case .resourceExhausted: .resourceExhausted
        case .unavailable: .unavailable
        case .unimplemented: .unimplemented
        default: .internalError
        }
    }
}

extension MemOSError {
    /// The domain error for a gRPC status, for callers of the services (the gateway).
    public init(_ error: RPCError) {
        let code: MemOSError.Code =
            switch error.code {
            case .invalidArgument, .outOfRange: .invalidArgument
            case .notFound: .notFound
            case .alreadyExists: .alreadyExists
            case .permissionDenied: .permissionDenied
            case .unauthenticated: .unauthenticated
            case .failedPrecondition: .failedPrecondition
            case .aborted: .aborted
            case .resourceExhausted: .resourceExhausted
            case .unavailable, .deadlineExceeded, .cancelled: .unavailable
            case .unimplemented: .unimplemented
            default: .internalError
            }
        let message = code == .internalError ? "internal error" : error.message
        self.init(code: code, message: message, underlying: error)
    }
}
