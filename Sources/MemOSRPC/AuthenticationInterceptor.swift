import Foundation
import GRPCCore
import Logging
import MemOSCore
import SwiftProtobuf

/// Resolves the `authorization: Bearer <api key>` metadata of every call to a user before the handler runs.
///
/// The health service is exempt, so probes need no key. Handlers read the caller from
/// ``RequestIdentity/principal``; they never take a user id from the request body. An `x-request-id` metadata
/// value (at most 128 bytes) becomes ``RequestIdentity/requestID`` and the `request_id` of the log lines about
/// the call. Every request message passes ``RequestScreen`` (no NUL in any string, no NaN or infinity) before
/// the handler reads it. Errors thrown by handlers are logged here with their cause and reach the client as their
/// ``MemOSError`` code and message only.
public struct AuthenticationInterceptor: ServerInterceptor {
    let accounts: any AccountStore
    let logger: Logger

    public init(accounts: any AccountStore, logger: Logger) {
        self.accounts = accounts
        self.logger = logger
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        if context.needsNoKey {
            return try await next(request, context)
        }
        let requestID = request.metadata[stringValues: "x-request-id"].first { $0.utf8.count <= 128 }
        let deadline = RequestDeadline.forRequest(
            arrivingAt: .now,
            clientTimeout: request.metadata[stringValues: "grpc-timeout"].first(where: { _ in true }).flatMap(
                RequestDeadline.parseGRPCTimeout
            )
        )
        return try await RequestDeadline.$current.withValue(deadline) {
            try await RequestIdentity.$requestID.withValue(requestID) {
                try await self.authenticate(request: request, context: context, next: next)
            }
        }
    }

    private func authenticate<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        do {
            guard let key = Self.bearerToken(in: request.metadata) else {
                throw MemOSError.unauthenticated("missing API key: send metadata 'authorization: Bearer <api key>'")
            }
            guard let principal = try await self.accounts.principal(forAPIKey: key) else {
                throw MemOSError.unauthenticated("the API key is unknown or revoked")
            }
            var screened = request
            screened.messages = RPCAsyncSequence(
                wrapping: request.messages.map { @Sendable message in
                    if let message = message as? any SwiftProtobuf.Message {
                        do { try RequestScreen.check(message) } catch let error as MemOSError { throw RPCError(error) }
                    }
                    return message
                }
            )
            return try await RequestIdentity.$principal.withValue(principal) {
                try await next(screened, context)
            }
        } catch let error as MemOSError {
            throw self.log(error, method: context.descriptor)
        } catch let error as RPCError {
            throw error
        } catch {
            throw self.log(MemOSError.internalError(error), method: context.descriptor)
        }
    }

    private func log(_ error: MemOSError, method: MethodDescriptor) -> RPCError {
        if error.code == .internalError || error.code == .unavailable {
            self.logger.error(
                "rpc failed",
                metadata: [
                    "method": "\(method.fullyQualifiedMethod)", "code": "\(error.code)",
                    "cause": "\(error.underlying.map { String(reflecting: $0) } ?? error.message)",
                    "request_id": "\(RequestIdentity.requestID ?? "")",
                ]
            )
        }
        return RPCError(error)
    }

    /// The key of an `authorization: Bearer <key>` metadata value.
    static func bearerToken(in metadata: Metadata) -> String? {
        for value in metadata[stringValues: "authorization"] {
            let parts = value.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}
