import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import MemOSCore
import MemOSGateway
import MemOSProto
import MemOSRPC
import MemOSServer

/// Where the accounts service is and whose key an account subcommand (`users`, `keys`, `cubes`) uses.
///
/// The service is hosted by the scheduler process; the subcommands call it over gRPC (TLS verified against `MEMOS_TLS_CA` when set), each call with the
/// key as `authorization: Bearer` metadata and a timeout of ``timeout``.
struct AccountsClientOptions: ParsableArguments {
    typealias Client = Memos_Accounts_V1_AccountsService.Client<HTTP2ClientTransport.Posix>

    @Option(help: "Accounts service host:port (env MEMOS_ACCOUNTS_ADDR; default 127.0.0.1:50053, the scheduler).")
    var accountsAddr: String?
    @Option(help: "API key (env MEMOS_KEY).")
    var key: String?

    /// How long one call may take.
    static let timeout: Duration = .seconds(30)

    /// Runs `body` with a client of the service and prints its answer as the gateway's JSON, pretty.
    ///
    /// An error of the service, or bad input that `body` refuses with a ``MemOSError`` before its call, goes to
    /// standard error as `error: <message> (<code>)` and exits 1.
    func call<Answer: Encodable>(_ body: (Client) async throws -> Answer) async throws {
        let data = try await self.withClient { client in try Gateway.jsonEncoder.encode(try await body(client)) }
        print(try prettyJSON(data))
    }

    /// Runs `body` with a client of the service; errors as in ``call(_:)``.
    func withClient<Result: Sendable>(_ body: (Client) async throws -> Result) async throws -> Result {
        guard let key = self.key ?? Environment.string("MEMOS_KEY") else {
            throw ValidationError("no API key: pass --key or set MEMOS_KEY")
        }
        let address =
            self.accountsAddr ?? Environment.string("MEMOS_ACCOUNTS_ADDR") ?? "127.0.0.1:\(DefaultPort.scheduler)"
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            throw ValidationError("--accounts-addr (MEMOS_ACCOUNTS_ADDR) must be host:port, not '\(address)'")
        }
        let host = String(address[..<colon])
        do {
            return try await withGRPCClient(
                transport: .http2NIOPosix(
                    target: GRPCTarget.of(host: host, port: port),
                    transportSecurity: try Environment.settings.tlsFiles().clientSecurity,
                    serviceConfig: ServiceConfig(methodConfig: [
                        MethodConfig(names: [MethodConfig.Name(service: "")], timeout: Self.timeout)
                    ])
                ),
                interceptors: [BearerKeyInterceptor(key: key)]
            ) { client in
                try await body(Client(wrapping: client))
            }
        } catch let error as RPCError {
            throw Self.failure(error.message, code: "\(error.code)")
        } catch let error as MemOSError {
            throw Self.failure(error.message, code: "\(error.code)")
        }
    }

    /// Writes `error: <message> (<code>)` to standard error; the error to throw to exit 1.
    static func failure(_ message: String, code: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message) (\(code))\n".utf8))
        return ExitCode.failure
    }
}

/// Sends the caller's API key with every call.
private struct BearerKeyInterceptor: ClientInterceptor {
    let key: String

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>,
        context: ClientContext,
        next: (
            _ request: StreamingClientRequest<Input>,
            _ context: ClientContext
        ) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        var request = request
        request.metadata.addString("Bearer \(self.key)", forKey: "authorization")
        return try await next(request, context)
    }
}
