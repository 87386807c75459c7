import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import MemOSCore
import ServiceLifecycle

/// A gRPC server on HTTP/2 over TCP (plaintext, TLS or mutual TLS), run as a `Service`.
///
/// Serves the given services behind ``AuthenticationInterceptor`` plus the standard health service. On
/// graceful shutdown it reports NOT_SERVING, refuses new calls (UNAVAILABLE), waits for the calls in flight to
/// answer (``CallDrain``; the process's drain limit bounds the wait) and then closes its connections.
public final class GRPCServerService: Service {
    public let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let transport: HTTP2ServerTransport.Posix
    private let health: HealthService
    private let drain = CallDrain()
    private let logger: Logger
    private let background: (@Sendable () async -> Void)?

    /// - Parameters:
    ///   - host: address to bind, for example "127.0.0.1" or "0.0.0.0".
    ///   - port: TCP port; 0 picks a free one (see ``listeningPort``).
    ///   - dependenciesReady: whether the services' dependencies (the database) answer; the health service
    ///     reports NOT_SERVING while they do not.
    ///   - tls: the server's certificate (TLS, or mutual TLS with required client certificates); plaintext
    ///     without one.
    ///   - background: work that runs alongside the server and is cancelled when the server stops.
    public init(
        host: String,
        port: Int,
        services: [any RegistrableRPCService],
        serviceNames: [String],
        accounts: any AccountStore,
        logger: Logger,
        dependenciesReady: (@Sendable () async -> Bool)? = nil,
        tls: TLSFiles = TLSFiles(),
        background: (@Sendable () async -> Void)? = nil
    ) {
        self.transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: host, port: port),
            transportSecurity: tls.serverSecurity,
            config: .defaults { $0.rpc.maxRequestPayloadSize = Limits.maxRequestBytes + 64 * 1_024 }
        )
        self.health = HealthService(services: serviceNames, dependenciesReady: dependenciesReady)
        self.server = GRPCServer(
            transport: self.transport,
            services: services + [self.health],
            interceptors: [
                RPCMetricsInterceptor(), DrainInterceptor(drain: self.drain),
                AuthenticationInterceptor(accounts: accounts, logger: logger),
            ]
        )
        self.logger = logger
        self.background = background
    }

    /// The bound port, once the server listens.
    public var listeningPort: Int {
        get async throws {
            guard let port = try await self.transport.listeningAddress.ipv4?.port else {
                throw MemOSError(code: .internalError, message: "server is not listening on IPv4")
            }
            return port
        }
    }

    /// Stops as a graceful shutdown of the service group does: NOT_SERVING, new calls refused, the calls in flight
    /// answered (for at most `drainLimit`), then the connections closed and ``run()`` returns.
    public func beginGracefulShutdown(drainLimit: Duration = .seconds(20)) {
        self.health.markNotServing()
        let (drain, server, logger) = (self.drain, self.server, self.logger)
        Task {
            let running = drain.running
            await drain.drain()
            logger.info("calls drained; closing connections", metadata: ["calls_in_flight_at_shutdown": "\(running)"])
            server.beginGracefulShutdown()
        }
        Task {
            try? await Task.sleep(for: drainLimit)
            if drain.running > 0 {
                logger.warning(
                    "calls still running after the drain limit; closing connections",
                    metadata: ["calls": "\(drain.running)"]
                )
            }
            server.beginGracefulShutdown()
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
                    try await self.server.serve()
                } onGracefulShutdown: {
                    self.beginGracefulShutdown()
                }
            }
            if let address = try? await self.transport.listeningAddress {
                self.logger.notice("gRPC server listening", metadata: ["address": "\(address)"])
            }
        }
    }
}
