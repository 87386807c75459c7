import GRPCCore
import GRPCInProcessTransport
import GRPCNIOTransportHTTP2
import Logging
import MemOSCore
import ServiceLifecycle

/// Where a gRPC server listens: HTTP/2 over TCP (plaintext, TLS or mutual TLS), as in production, or the other end
/// of an in-process transport, for tests that exercise a service without sockets.
public enum RPCListener: Sendable {
    /// `host` and `port` to bind (port 0 picks a free one); TLS with a certificate in `tls`, plaintext without.
    case tcp(host: String, port: Int, tls: TLSFiles = TLSFiles())
    /// The server side of an `InProcessTransport`, whose client side the caller keeps.
    case inProcess(InProcessTransport.Server)
}

/// A gRPC server run as a `Service`, on HTTP/2 over TCP or on an in-process transport (``RPCListener``).
///
/// Serves the given services behind ``AuthenticationInterceptor`` plus the standard health service. On
/// graceful shutdown it reports NOT_SERVING, refuses new calls (UNAVAILABLE), waits for the calls in flight to
/// answer (``CallDrain``; the process's drain limit bounds the wait) and then closes its connections.
public final class GRPCServerService: Service {
    /// The TCP transport; nil on an in-process one.
    private let transport: HTTP2ServerTransport.Posix?
    private let serveServer: @Sendable () async throws -> Void
    private let stopServer: @Sendable () -> Void
    private let health: HealthService
    private let drain = CallDrain()
    private let logger: Logger
    private let background: (@Sendable () async -> Void)?

    /// - Parameters:
    ///   - listener: where to listen; over TCP, port 0 picks a free one (see ``listeningPort``).
    ///   - dependenciesReady: whether the services' dependencies (the database) answer; the health service
    ///     reports NOT_SERVING while they do not.
    ///   - background: work that runs alongside the server and is cancelled when the server stops.
    public init(
        listener: RPCListener,
        services: [any RegistrableRPCService],
        serviceNames: [String],
        accounts: any AccountStore,
        logger: Logger,
        dependenciesReady: (@Sendable () async -> Bool)? = nil,
        background: (@Sendable () async -> Void)? = nil
    ) {
        let health = HealthService(services: serviceNames, dependenciesReady: dependenciesReady)
        let interceptors: [any ServerInterceptor] = [
            RPCMetricsInterceptor(), DrainInterceptor(drain: self.drain),
            AuthenticationInterceptor(accounts: accounts, logger: logger),
        ]
        switch listener {
        case .tcp(let host, let port, let tls):
            let transport = HTTP2ServerTransport.Posix(
                address: .ipv4(host: host, port: port),
                transportSecurity: tls.serverSecurity,
                config: .defaults { $0.rpc.maxRequestPayloadSize = Limits.maxRequestBytes + 64 * 1_024 }
            )
            let server = GRPCServer(
                transport: transport,
                services: services + [health],
                interceptors: interceptors
            )
            self.transport = transport
            self.serveServer = { try await server.serve() }
            self.stopServer = { server.beginGracefulShutdown() }
        case .inProcess(let transport):
            let server = GRPCServer(transport: transport, services: services + [health], interceptors: interceptors)
            self.transport = nil
            self.serveServer = { try await server.serve() }
            self.stopServer = { server.beginGracefulShutdown() }
        }
        self.health = health
        self.logger = logger
        self.background = background
    }

    /// The bound port, once the server listens.
    public var listeningPort: Int {
        get async throws {
            guard let port = try await self.transport?.listeningAddress.ipv4?.port else {
                throw MemOSError(code: .internalError, message: "server is not listening on IPv4")
            }
            return port
        }
    }

    /// Stops the server without the health change and the drain of ``beginGracefulShutdown(drainLimit:)``: new
    /// calls are refused, calls in flight finish, then ``run()`` returns.
    public func stopServing() {
        self.stopServer()
    }

    /// Stops as a graceful shutdown of the service group does: NOT_SERVING, new calls refused, the calls in flight
    /// answered (for at most `drainLimit`), then the connections closed and ``run()`` returns.
    public func beginGracefulShutdown(drainLimit: Duration = .seconds(20)) {
        self.health.markNotServing()
        let (drain, stopServer, logger) = (self.drain, self.stopServer, self.logger)
        Task {
            let running = drain.running
            await drain.drain()
            logger.info("calls drained; closing connections", metadata: ["calls_in_flight_at_shutdown": "\(running)"])
            stopServer()
        }
        Task {
            try? await Task.sleep(for: drainLimit)
            if drain.running > 0 {
                logger.warning(
                    "calls still running after the drain limit; closing connections",
                    metadata: ["calls": "\(drain.running)"]
                )
            }
            stopServer()
        }
    }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { outer in
            if let background = self.background { outer.addTask { await background() } }
            defer { outer.cancelAll() }
            try await self.serve()
        }
    }

    private func serve() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                try await withGracefulShutdownHandler {
                    try await self.serveServer()
                } onGracefulShutdown: {
                    self.beginGracefulShutdown()
                }
            }
            if let address = try? await self.transport?.listeningAddress {
                self.logger.notice("gRPC server listening", metadata: ["address": "\(address)"])
            }
        }
    }
}
