import ArgumentParser
import Foundation
import Logging
import MemOSCore
import MemOSPostgres
import MemOSServer
import ServiceLifecycle
import UnixSignals

/// Development: the four services as separate processes on loopback, supervised together.
struct All: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs ingest, retrieval, scheduler and gateway as separate processes on loopback (development).",
        discussion: """
            Applies the schema, creates a development user 'dev' with a cube 'dev' and an API key (kept in \
            STATE_DIR/dev-api-key and reused while it is valid), starts the four processes, and prints the \
            gateway URL and the key. Ctrl-C stops them all; if one exits, the others are stopped too.
            """
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "Folder for the development key (default .local).")
    var stateDir: String = ".local"
    @Option(help: "Gateway HTTP port (default 8080).")
    var gatewayPort: Int = DefaultPort.gateway
    @Option(help: "Ingest gRPC port (default 50051).")
    var ingestPort: Int = DefaultPort.ingest
    @Option(help: "Retrieval gRPC port (default 50052).")
    var retrievalPort: Int = DefaultPort.retrieval
    @Option(help: "Scheduler gRPC port (default 50053).")
    var schedulerPort: Int = DefaultPort.scheduler
    @Option(help: "The services' metrics ports, ingest,retrieval,scheduler (default 9091,9092,9093; 0 turns one off).")
    var metricsPorts: String =
        "\(DefaultPort.ingestMetrics),\(DefaultPort.retrievalMetrics),\(DefaultPort.schedulerMetrics)"
    @OptionGroup var rateLimit: RateLimitOptions

    func run() async throws {
        let logger = self.common.makeLogger("memos.all")
        // Every child's settings, checked once here rather than by four children failing apart.
        for process in [Settings.Process.ingest, .retrieval, .scheduler, .gateway] {
            try self.common.validateSettings(process, logger: logger)
        }
        let configuration = try self.common.databaseConfiguration()
        _ = try await ServiceRunner.migrate(configuration, logger: logger)
        let key = try await self.bootstrapDevAccount(configuration, logger: logger)

        let host = "127.0.0.1"
        var environment = ProcessInfo.processInfo.environment
        environment["MEMOS_DATABASE_URL"] = self.common.databaseURL ?? environment["MEMOS_DATABASE_URL"]
        environment["MEMOS_HOST"] = host
        environment["MEMOS_INGEST_ADDR"] = "\(host):\(self.ingestPort)"
        environment["MEMOS_RETRIEVAL_ADDR"] = "\(host):\(self.retrievalPort)"
        environment["MEMOS_SCHEDULER_ADDR"] = "\(host):\(self.schedulerPort)"
        if let level = self.common.logLevel { environment["MEMOS_LOG_LEVEL"] = level }
        if let embedder = self.common.embedder { environment["MEMOS_EMBEDDER"] = embedder }
        if let modelDir = self.common.modelDir { environment["MEMOS_MODEL_DIR"] = modelDir }
        if let size = self.common.dbPoolSize { environment["MEMOS_DB_POOL_SIZE"] = "\(size)" }
        if let wait = self.common.dbWaitSeconds { environment["MEMOS_DB_WAIT_SECONDS"] = "\(wait)" }
        _ = try self.rateLimit.resolved()
        if let rate = try self.rateLimit.requestsPerSecond { environment["MEMOS_RATE_LIMIT_RPS"] = "\(rate)" }
        if let burst = try self.rateLimit.burst { environment["MEMOS_RATE_LIMIT_BURST"] = "\(burst)" }
        // Fail here, once, with the fetch instructions, rather than in two child processes.
        try EmbedderFactory.check(
            kind: self.common.embedderKind,
            modelDirectory: self.common.modelDirectory,
            settings: Environment.settings,
            logger: logger
        )

        let metricsPorts = self.metricsPorts.split(separator: ",").compactMap { Int($0) }
        guard metricsPorts.count == 3 else {
            throw ValidationError("--metrics-ports must be three ports, ingest,retrieval,scheduler")
        }
        let children = [
            ChildProcess(
                name: "ingest",
                arguments: ["ingest", "--port", "\(self.ingestPort)", "--metrics-port", "\(metricsPorts[0])"],
                environment: environment
            ),
            ChildProcess(
                name: "retrieval",
                arguments: ["retrieval", "--port", "\(self.retrievalPort)", "--metrics-port", "\(metricsPorts[1])"],
                environment: environment
            ),
            ChildProcess(
                name: "scheduler",
                arguments: ["scheduler", "--port", "\(self.schedulerPort)", "--metrics-port", "\(metricsPorts[2])"],
                environment: environment
            ),
            ChildProcess(
                name: "gateway",
                arguments: ["gateway", "--port", "\(self.gatewayPort)"],
                environment: environment
            ),
        ]
        let banner = """

            MemOS-Swift is running.
              gateway    http://\(host):\(self.gatewayPort)
              ingest     \(host):\(self.ingestPort)  (gRPC)
              retrieval  \(host):\(self.retrievalPort)  (gRPC)
              scheduler  \(host):\(self.schedulerPort)  (gRPC; also the accounts service)
              metrics    http://\(host):{\(self.metricsPorts)}/metrics
              user 'dev', cube 'dev'
              API key    \(key)

            Try:
              curl -s http://\(host):\(self.gatewayPort)/v1/memories -H 'Authorization: Bearer \(key)' \\
                -d '{"cube_id": "dev", "content": "Alice likes green tea"}'
              curl -s http://\(host):\(self.gatewayPort)/v1/search -H 'Authorization: Bearer \(key)' \\
                -d '{"cube_ids": ["dev"], "query": "what does Alice like to drink?"}'

            Ctrl-C stops everything.

            """
        let supervisor = Supervisor(
            children: children,
            readyPorts: [self.ingestPort, self.retrievalPort, self.schedulerPort, self.gatewayPort],
            banner: banner,
            logger: logger
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: supervisor)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }

    /// Creates user 'dev' and cube 'dev' when missing; returns a valid key, reusing the saved one.
    func bootstrapDevAccount(_ configuration: DatabaseConfiguration, logger: Logger) async throws -> String {
        let keyFile = URL(fileURLWithPath: self.stateDir).appendingPathComponent("dev-api-key")
        return try await ServiceRunner.withTemporaryDatabase(configuration, logger: logger) { database in
            let accounts = PostgresAccountStore(database: database)
            let userID: UUID
            if let existing = try await accounts.userID(named: "dev") {
                userID = existing
            } else {
                userID = try await accounts.createUser(name: "dev", role: .admin)
            }
            do {
                try await accounts.createCube(id: "dev", name: "Development cube", owner: userID)
            } catch let error as MemOSError where error.code == .alreadyExists {
                // Made by an earlier run.
            }
            if let saved = try? String(contentsOf: keyFile, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines
            ),
                let principal = try await accounts.principal(forAPIKey: saved), principal.userID == userID
            {
                return saved
            }
            let (_, key) = try await accounts.createAPIKey(for: userID, name: "dev")
            try FileManager.default.createDirectory(atPath: self.stateDir, withIntermediateDirectories: true)
            FileManager.default.createFile(
                atPath: keyFile.path,
                contents: Data((key + "\n").utf8),
                attributes: [.posixPermissions: 0o600]
            )
            return key
        }
    }
}
