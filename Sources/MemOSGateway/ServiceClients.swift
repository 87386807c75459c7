import GRPCCore
import GRPCInProcessTransport
import GRPCNIOTransportHTTP2
import MemOSProto
import MemOSRPC
import ServiceLifecycle
import SwiftProtobuf

/// gRPC clients of the ingest, retrieval, scheduler and accounts services, run as one `Service`.
///
/// The accounts service is hosted by the scheduler process: unless given an address of its own, it is reached
/// over the scheduler's connection.
///
/// A lost connection is retried after 0.1 s, the pause growing by 1.6 up to 1 s, so that the gateway serves
/// again within about a second of a service coming back. Meanwhile calls wait for the connection (wait for ready)
/// instead of failing at once, for at most their timeout (``serviceConfig``): a restart of a service is a pause
/// for the gateway's clients, not a burst of 503s.
public final class ServiceClients: Service, Sendable {
    public struct Address: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// Parses `host:port`.
        public init?(_ text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
                return nil
            }
            self.init(host: String(text[..<colon]), port: port)
        }

        public var description: String { "\(self.host):\(self.port)" }
    }

    /// One connection (a `GRPCClient` of any transport): its standard health service, and how to run and stop it.
    struct Connection: Sendable {
        var health: any Grpc_Health_V1_Health.ClientProtocol
        var run: @Sendable () async throws -> Void
        var stop: @Sendable () -> Void

        init<Transport: ClientTransport>(_ client: GRPCClient<Transport>) {
            self.health = Grpc_Health_V1_Health.Client(wrapping: client)
            self.run = { try await client.runConnections() }
            self.stop = { client.beginGracefulShutdown() }
        }
    }

    let ingestConnection: Connection
    let retrievalConnection: Connection
    let schedulerConnection: Connection
    /// The accounts service's connection when it has an address other than the scheduler's.
    let accountsConnection: Connection?

    public let ingest: any Memos_Ingest_V1_IngestService.ClientProtocol
    public let retrieval: any Memos_Retrieval_V1_RetrievalService.ClientProtocol
    public let scheduler: any Memos_Scheduler_V1_SchedulerService.ClientProtocol
    public let accounts: any Memos_Accounts_V1_AccountsService.ClientProtocol
    /// The standard health service of the ingest service's process.
    public var ingestHealth: any Grpc_Health_V1_Health.ClientProtocol { self.ingestConnection.health }

    /// - Parameter accounts: the accounts service's address; nil (the default) for the scheduler's.
    /// - Parameter tls: with a certificate authority, the services are reached over TLS and verified against it
    ///   (presenting this process's certificate where the services require client certificates).
    public convenience init(
        ingest: Address,
        retrieval: Address,
        scheduler: Address,
        accounts: Address? = nil,
        tls: TLSFiles = TLSFiles()
    ) throws {
        func client(_ address: Address) throws -> GRPCClient<HTTP2ClientTransport.Posix> {
            GRPCClient(
                transport: try HTTP2ClientTransport.Posix(
                    target: GRPCTarget.of(host: address.host, port: address.port),
                    transportSecurity: tls.clientSecurity,
                    config: .defaults {
                        $0.connection.maxIdleTime = nil
                        // A restarted service is reached again within a second (the default waits up to two minutes).
                        $0.backoff = .init(initial: .milliseconds(100), max: .seconds(1), multiplier: 1.6, jitter: 0.2)
                    },
                    serviceConfig: Self.serviceConfig
                )
            )
        }
        self.init(
            ingest: try client(ingest),
            retrieval: try client(retrieval),
            scheduler: try client(scheduler),
            accounts: try accounts.flatMap { $0 == scheduler ? nil : try client($0) }
        )
    }

    /// Clients of services on in-process transports (tests that exercise the gateway without sockets between it and
    /// the services). The accounts service is reached over the scheduler's transport.
    public convenience init(
        ingest: InProcessTransport.Client,
        retrieval: InProcessTransport.Client,
        scheduler: InProcessTransport.Client
    ) {
        self.init(
            ingest: GRPCClient(transport: ingest),
            retrieval: GRPCClient(transport: retrieval),
            scheduler: GRPCClient(transport: scheduler),
            accounts: nil
        )
    }

    /// Takes over clients of any transport: ``run()`` runs their connections and shuts them down.
    init<Transport: ClientTransport>(
        ingest: GRPCClient<Transport>,
        retrieval: GRPCClient<Transport>,
        scheduler: GRPCClient<Transport>,
        accounts: GRPCClient<Transport>?
    ) {
        self.ingestConnection = Connection(ingest)
        self.retrievalConnection = Connection(retrieval)
        self.schedulerConnection = Connection(scheduler)
        self.accountsConnection = accounts.map(Connection.init)
        self.ingest = Memos_Ingest_V1_IngestService.Client(wrapping: ingest)
        self.retrieval = CubeRoutedRetrievalClient(
            wrapping: Memos_Retrieval_V1_RetrievalService.Client(wrapping: retrieval)
        )
        self.scheduler = Memos_Scheduler_V1_SchedulerService.Client(wrapping: scheduler)
        self.accounts = Memos_Accounts_V1_AccountsService.Client(wrapping: accounts ?? scheduler)
    }

    /// Every call waits for a connection that is not ready (a service starting or restarting), within its timeout:
    /// 30 s, the services' own default deadline, so that no call is cut that the service would have answered;
    /// WaitUntilIdle, which may wait 300 s by request, 310 s. Sending starts only once connected, so the wait
    /// never repeats a request.
    ///
    /// The retrieval service's calls, which only read, are tried up to three times when a replica answers
    /// UNAVAILABLE (one that is stopping, or a proxy's connection to one that died): behind a proxy, the next
    /// attempt reaches another replica.
    static let serviceConfig: ServiceConfig = {
        let waitUntilIdle = Memos_Scheduler_V1_SchedulerService.Method.WaitUntilIdle.descriptor
        return ServiceConfig(methodConfig: [
            MethodConfig(names: [MethodConfig.Name(service: "")], waitForReady: true, timeout: .seconds(30)),
            MethodConfig(
                names: [
                    MethodConfig.Name(service: Memos_Retrieval_V1_RetrievalService.descriptor.fullyQualifiedService)
                ],
                waitForReady: true,
                timeout: .seconds(30),
                executionPolicy: .retry(
                    RetryPolicy(
                        maxAttempts: 3,
                        initialBackoff: .milliseconds(50),
                        maxBackoff: .milliseconds(500),
                        backoffMultiplier: 2,
                        retryableStatusCodes: [.unavailable]
                    )
                )
            ),
            MethodConfig(
                names: [
                    MethodConfig.Name(
                        service: waitUntilIdle.service.fullyQualifiedService,
                        method: waitUntilIdle.method
                    )
                ],
                waitForReady: true,
                timeout: .seconds(310)
            ),
        ])
    }()

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                for connection in self.connections { group.addTask { try await connection.run() } }
            }
        } onGracefulShutdown: {
            for connection in self.connections { connection.stop() }
        }
    }
}

extension ServiceClients {
    var connections: [Connection] {
        [self.ingestConnection, self.retrievalConnection, self.schedulerConnection]
            + (self.accountsConnection.map { [$0] } ?? [])
    }

    /// Asks each service's standard health endpoint; returns the names of those not serving. The accounts service
    /// is asked apart only when it has an address of its own: else its health is the scheduler's.
    public func unhealthyServices() async -> [String] {
        var unhealthy: [String] = []
        var probes = [
            ("ingest", self.ingestConnection, "memos.ingest.v1.IngestService"),
            ("retrieval", self.retrievalConnection, "memos.retrieval.v1.RetrievalService"),
            ("scheduler", self.schedulerConnection, "memos.scheduler.v1.SchedulerService"),
        ]
        if let accounts = self.accountsConnection {
            probes.append(("accounts", accounts, "memos.accounts.v1.AccountsService"))
        }
        for (name, connection, service) in probes {
            let status = try? await connection.health.check(
                .with { $0.service = service },
                options: .timeout(.seconds(2))
            ).status
            if status != .serving { unhealthy.append(name) }
        }
        return unhealthy
    }
}

extension CallOptions {
    /// A probe's options: at most `duration`, and failing at once when the service is not connected (a health
    /// check reports what is, it does not wait for the service to come back).
    static func timeout(_ duration: Duration) -> CallOptions {
        var options = CallOptions.defaults
        options.timeout = duration
        options.waitForReady = false
        return options
    }
}
