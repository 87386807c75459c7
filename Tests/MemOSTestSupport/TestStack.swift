import Foundation
import GRPCCore
import GRPCInProcessTransport
import GRPCNIOTransportHTTP2
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MemOSCore
import MemOSGateway
import MemOSPostgres
import MemOSProto
import MemOSRPC
import MemOSScheduler
import MemOSServer
import NIOCore
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import SwiftProtobuf
import Synchronization
import Testing

/// The whole system in the test's process, over a fresh database, with two users who each own a cube: the three gRPC
/// services, reached over in-process transports (the default) or over loopback TCP, and the gateway on an HTTP port
/// the OS picks.
struct TestStack: Sendable {
    /// How the gateway and the tests reach the services.
    enum Transport: Sendable {
        /// grpc-swift's in-process transport: the services' code, interceptors and serialisation, without sockets.
        case inProcess
        /// HTTP/2 over loopback TCP on ports the OS picks, as between processes (``ingestPort`` etc. are set).
        case tcp
    }

    struct Account: Sendable {
        var userID: UUID
        var key: String
        var cubeID: String
    }

    let database: Database
    /// The gateway's clients of the services; the tests' gRPC calls go through them on in-process transports.
    let clients: ServiceClients
    let transport: Transport
    /// The services' TCP ports; 0 on in-process transports.
    let ingestPort: Int
    let retrievalPort: Int
    let schedulerPort: Int
    let gatewayPort: Int
    /// Owns cube "alice-cube".
    let alice: Account
    /// Owns cube "bob-cube".
    let bob: Account
    /// Key of user "admin" (role admin), who owns no cube.
    let adminKey: String
    /// The TLS files the stack runs with: with a certificate, the gateway serves HTTPS and ``http(_:_:key:body:headers:)``
    /// speaks it, trusting the CA.
    var tls = TLSFiles()

    /// - Parameters:
    ///   - chatModel: the LLM of mode FINE and reorganisation (a local fake); none by default.
    ///   - visionModel: the model that describes uploaded images (a local fake); none by default.
    ///   - nearDuplicateThreshold: the scheduler merges memories this similar (above 1: never).
    ///   - gateway: the gateway's settings; host and port are always loopback and 0.
    ///   - retrievalEmbedder: the retrieval service's embedder, where it must differ from the others' (a failing one).
    ///   - reranker: the retrieval service's reranker (a client of a local fake); none by default.
    ///   - transport: how the gateway and the tests reach the services.
    static func run(
        chatModel: (any ChatModel)? = nil,
        visionModel: (any VisionModel)? = nil,
        nearDuplicateThreshold: Float = 0.92,
        gateway gatewayConfiguration: Gateway.Configuration = .init(),
        retrievalEmbedder: (any Embedder)? = nil,
        reranker: (any Reranker)? = nil,
        tls: TLSFiles = TLSFiles(),
        transport: Transport = .inProcess,
        _ body: @Sendable (TestStack) async throws -> Void
    ) async throws {
        try await TestDatabase.withMigratedDatabase { database in
            let accounts = PostgresAccountStore(database: database)
            func account(_ name: String) async throws -> Account {
                let userID = try await accounts.createUser(name: name, role: .user)
                try await accounts.createCube(id: "\(name)-cube", name: name, owner: userID)
                let (_, key) = try await accounts.createAPIKey(for: userID)
                return Account(userID: userID, key: key, cubeID: "\(name)-cube")
            }
            let alice = try await account("alice")
            let bob = try await account("bob")
            let adminKey = try await accounts.createAPIKey(
                for: try await accounts.createUser(name: "admin", role: .admin)
            ).key

            let logger = TestDatabase.logger
            let embedder = FeatureHashingEmbedder()
            let pipes = (InProcessTransport(), InProcessTransport(), InProcessTransport())
            func listener(_ pipe: InProcessTransport) -> RPCListener {
                transport == .tcp ? .tcp(host: "127.0.0.1", port: 0, tls: tls) : .inProcess(pipe.server)
            }
            let ingest = ServerFactory.ingest(
                database: database,
                embedder: embedder,
                chatModel: chatModel,
                visionModel: visionModel,
                listener: listener(pipes.0),
                logger: logger
            )
            let retrieval = ServerFactory.retrieval(
                database: database,
                embedder: retrievalEmbedder ?? embedder,
                chatModel: chatModel,
                reranker: reranker.map { ($0, 20) },
                listener: listener(pipes.1),
                logger: logger
            )
            let scheduler = ServerFactory.scheduler(
                database: database,
                listener: listener(pipes.2),
                logger: logger
            )
            let workers = ServerFactory.schedulerWorkers(
                database: database,
                embedder: embedder,
                chatModel: chatModel,
                visionModel: visionModel,
                configuration: .init(pollInterval: .milliseconds(200), initialBackoff: .milliseconds(50)),
                nearDuplicateThreshold: nearDuplicateThreshold,
                logger: logger
            )

            // On failure the group cancels every child; on success everything shuts down gracefully.
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Servers first, so their ports are known before the gateway's clients are made.
                group.addTask { try await ingest.run() }
                group.addTask { try await retrieval.run() }
                group.addTask { try await scheduler.run() }
                let ports =
                    transport == .tcp
                    ? (
                        try await ingest.listeningPort, try await retrieval.listeningPort,
                        try await scheduler.listeningPort
                    ) : (0, 0, 0)
                let clients =
                    transport == .tcp
                    ? try ServiceClients(
                        ingest: .init(host: "127.0.0.1", port: ports.0),
                        retrieval: .init(host: "127.0.0.1", port: ports.1),
                        scheduler: .init(host: "127.0.0.1", port: ports.2),
                        tls: tls
                    )
                    : ServiceClients(ingest: pipes.0.client, retrieval: pipes.1.client, scheduler: pipes.2.client)
                let gateway = ServerFactory.gateway(
                    clients: clients,
                    configuration: {
                        var configuration = gatewayConfiguration
                        configuration.host = "127.0.0.1"
                        configuration.port = 0
                        configuration.tls = tls
                        return configuration
                    }(),
                    logger: logger
                )
                let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
                let app = try gateway.makeApplication { port in portContinuation.yield(port) }
                let serviceGroup = ServiceGroup(services: [clients, app, workers], logger: logger)
                group.addTask { try await serviceGroup.run() }
                var gatewayPort = 0
                for await port in portStream {
                    gatewayPort = port
                    break
                }
                let stack = TestStack(
                    database: database,
                    clients: clients,
                    transport: transport,
                    ingestPort: ports.0,
                    retrievalPort: ports.1,
                    schedulerPort: ports.2,
                    gatewayPort: gatewayPort,
                    alice: alice,
                    bob: bob,
                    adminKey: adminKey,
                    tls: tls
                )
                try await body(stack)
                await serviceGroup.triggerGracefulShutdown()
                ingest.stopServing()
                retrieval.stopServing()
                scheduler.stopServing()
                try await group.waitForAll()
            }
        }
    }

    // MARK: gRPC

    /// Runs `body` with gRPC clients of the services: the gateway's on in-process transports, clients of their own
    /// connected over TCP otherwise.
    func withGRPC<T: Sendable>(
        _ body: @Sendable (GRPCClients) async throws -> T
    ) async throws -> T {
        if self.transport == .inProcess {
            return try await body(
                GRPCClients(
                    ingest: self.clients.ingest,
                    retrieval: self.clients.retrieval,
                    scheduler: self.clients.scheduler,
                    accounts: self.clients.accounts,
                    ingestHealth: self.clients.ingestHealth
                )
            )
        }
        return try await withGRPCClient(
            transport: .http2NIOPosix(
                target: .ipv4(address: "127.0.0.1", port: self.ingestPort),
                transportSecurity: .plaintext
            )
        ) { ingest in
            try await withGRPCClient(
                transport: .http2NIOPosix(
                    target: .ipv4(address: "127.0.0.1", port: self.retrievalPort),
                    transportSecurity: .plaintext
                )
            ) { retrieval in
                try await withGRPCClient(
                    transport: .http2NIOPosix(
                        target: .ipv4(address: "127.0.0.1", port: self.schedulerPort),
                        transportSecurity: .plaintext
                    )
                ) { scheduler in
                    try await body(
                        GRPCClients(
                            ingest: Memos_Ingest_V1_IngestService.Client(wrapping: ingest),
                            retrieval: Memos_Retrieval_V1_RetrievalService.Client(wrapping: retrieval),
                            scheduler: Memos_Scheduler_V1_SchedulerService.Client(wrapping: scheduler),
                            accounts: Memos_Accounts_V1_AccountsService.Client(wrapping: scheduler),
                            ingestHealth: Grpc_Health_V1_Health.Client(wrapping: ingest)
                        )
                    )
                }
            }
        }
    }

    struct GRPCClients: Sendable {
        var ingest: any Memos_Ingest_V1_IngestService.ClientProtocol
        var retrieval: any Memos_Retrieval_V1_RetrievalService.ClientProtocol
        var scheduler: any Memos_Scheduler_V1_SchedulerService.ClientProtocol
        /// The accounts service, hosted by the scheduler's server.
        var accounts: any Memos_Accounts_V1_AccountsService.ClientProtocol
        var ingestHealth: any Grpc_Health_V1_Health.ClientProtocol
    }

    static func metadata(_ key: String) -> Metadata { ["authorization": "Bearer \(key)"] }

    // MARK: HTTP

    struct HTTPResult: Sendable {
        var status: HTTPResponse.Status
        var body: String
        var headers: HTTPFields

        /// The body as a JSON object.
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(self.body.utf8)) as? [String: Any]) ?? [:]
        }

        /// `error.message` of an error body.
        var errorMessage: String { (self.json["error"] as? [String: Any])?["message"] as? String ?? "" }
    }

    /// Waits (up to 120 s) until alice's cube has no pending job, through the gateway.
    func waitForJobs(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let waited = try await self.http(
            .post,
            "/v1/cubes/alice-cube/jobs/wait?timeout_ms=120000",
            key: self.alice.key
        )
        #expect(waited.json["idle"] as? Bool == true, "\(waited.body)", sourceLocation: sourceLocation)
    }

    /// One HTTP request to the gateway over TCP.
    func http(
        _ method: HTTPRequest.Method,
        _ path: String,
        key: String?,
        body: String? = nil,
        bytes: [UInt8]? = nil,
        headers extraHeaders: HTTPFields = [:]
    ) async throws -> HTTPResult {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        headers.append(contentsOf: extraHeaders)
        if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        let request = TestClient.Request(
            path,
            method: method,
            headers: headers,
            body: bytes.map { ByteBuffer(bytes: $0) } ?? body.map { ByteBuffer(string: $0) }
        )
        // 60 s without a byte, not the client's default 15: the suite runs its stacks in parallel beside tests that
        // hold a core for a minute (HNSW recall), and a starved request is not a failed one. No test asserts time.
        var tlsConfiguration: TLSConfiguration?
        if self.tls.certificate != nil, let authority = self.tls.certificateAuthority {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = .file(authority)
            tlsConfiguration = configuration
        }
        let response = try await TestClient.withClient(
            host: "127.0.0.1",
            port: self.gatewayPort,
            configuration: .init(tlsConfiguration: tlsConfiguration, timeout: .seconds(60), serverName: "localhost")
        ) { client in
            try await client.execute(request)
        }
        let result = HTTPResult(
            status: response.status,
            body: response.body.map { String(buffer: $0) } ?? "",
            headers: response.headers
        )
        HTTPExchangeRecorder.shared?.record(method: method, path: path, result: result)
        return result
    }
}

/// Appends every exchange of ``TestStack/http(_:_:key:body:headers:)`` to the JSON Lines file named by
/// `MEMOS_TEST_HTTP_EXCHANGES` (scripts/test.sh sets it), where scripts/check-openapi.py validates each response
/// body against the OpenAPI document's schema for its route and status.
final class HTTPExchangeRecorder: Sendable {
    static let shared: HTTPExchangeRecorder? = ProcessInfo.processInfo.environment["MEMOS_TEST_HTTP_EXCHANGES"].flatMap
    {
        path in
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil)
        }
        return FileHandle(forWritingAtPath: path).map(HTTPExchangeRecorder.init)
    }

    private let file: Mutex<FileHandle>

    private init(_ file: FileHandle) {
        self.file = Mutex(file)
    }

    func record(method: HTTPRequest.Method, path: String, result: TestStack.HTTPResult) {
        let contentType = result.headers[.contentType] ?? ""
        let body: Any =
            contentType.contains("json") && !contentType.contains("ndjson")
            ? (try? JSONSerialization.jsonObject(with: Data(result.body.utf8), options: [.fragmentsAllowed]))
                ?? NSNull()
            : NSNull()
        let exchange: [String: Any] = [
            "method": method.rawValue, "path": path, "status": result.status.code, "content_type": contentType,
            "body": body,
        ]
        guard var line = try? JSONSerialization.data(withJSONObject: exchange, options: [.fragmentsAllowed]) else {
            return
        }
        line.append(0x0A)
        self.file.withLock { file in
            file.seekToEndOfFile()
            file.write(line)
        }
    }
}
