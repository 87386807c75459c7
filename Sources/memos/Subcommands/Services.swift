import ArgumentParser
import Foundation
import MemOSPostgres
import MemOSRPC
import MemOSScheduler
import MemOSServer

struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Runs the ingest gRPC service.")

    @OptionGroup var common: CommonOptions
    @Option(help: "gRPC port (env MEMOS_INGEST_PORT; default 50051).")
    var port: Int?
    @OptionGroup var metrics: MetricsOptions

    func run() async throws {
        let logger = self.common.makeLogger("memos.ingest")
        try self.common.validateSettings(
            .ingest,
            flags: [
                "MEMOS_INGEST_PORT": self.port.map(String.init),
                "MEMOS_METRICS_PORT": self.metrics.metricsPort.map(String.init),
            ],
            logger: logger
        )
        let metrics = try self.metrics.endpoint(
            host: self.common.resolvedHost,
            default: DefaultPort.ingestMetrics,
            logger: logger
        )
        let configuration = try self.common.databaseConfiguration()
        _ = try await ServiceRunner.migrate(configuration, logger: logger)
        let database = Database(configuration: configuration, logger: logger)
        let server = ServerFactory.ingest(
            database: database,
            embedder: try self.common.makeEmbedder(),
            reader: try self.common.makeFastReader(),
            chatModel: try self.common.makeChatModel(),
            visionModel: try self.common.makeVisionModel(),
            listener: .tcp(
                host: self.common.resolvedHost,
                port: try self.port ?? Environment.int("MEMOS_INGEST_PORT") ?? DefaultPort.ingest,
                tls: try Environment.settings.tlsFiles()
            ),
            logger: logger
        )
        try await ServiceRunner.run(database: database, services: metrics + [server], logger: logger)
    }
}

struct Retrieval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Runs the retrieval gRPC service.")

    @OptionGroup var common: CommonOptions
    @Option(help: "gRPC port (env MEMOS_RETRIEVAL_PORT; default 50052).")
    var port: Int?
    @OptionGroup var metrics: MetricsOptions

    func run() async throws {
        let logger = self.common.makeLogger("memos.retrieval")
        try self.common.validateSettings(
            .retrieval,
            flags: [
                "MEMOS_RETRIEVAL_PORT": self.port.map(String.init),
                "MEMOS_METRICS_PORT": self.metrics.metricsPort.map(String.init),
            ],
            logger: logger
        )
        let metrics = try self.metrics.endpoint(
            host: self.common.resolvedHost,
            default: DefaultPort.retrievalMetrics,
            logger: logger
        )
        let configuration = try self.common.databaseConfiguration()
        _ = try await ServiceRunner.migrate(configuration, logger: logger)
        let embedder = try self.common.makeEmbedder()
        try await ServiceRunner.withTemporaryDatabase(configuration, logger: logger) { database in
            await ServerFactory.warnAboutOtherModels(database: database, embedder: embedder, logger: logger)
        }
        let database = Database(configuration: configuration, logger: logger)
        let server = ServerFactory.retrieval(
            database: database,
            embedder: embedder,
            chatModel: try self.common.makeChatModel(),
            reranker: try RerankerFactory.make(settings: Environment.settings, logger: logger),
            listener: .tcp(
                host: self.common.resolvedHost,
                port: try self.port ?? Environment.int("MEMOS_RETRIEVAL_PORT") ?? DefaultPort.retrieval,
                tls: try Environment.settings.tlsFiles()
            ),
            logger: logger,
            recordCacheBytes: try ServerFactory.recordCacheBytes(settings: Environment.settings),
            eviction: try ServerFactory.indexEviction(settings: Environment.settings)
        )
        try await ServiceRunner.run(database: database, services: metrics + [server], logger: logger)
    }
}

struct Scheduler: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Runs the scheduler gRPC service and its job workers.")

    @OptionGroup var common: CommonOptions
    @Option(help: "gRPC port (env MEMOS_SCHEDULER_PORT; default 50053).")
    var port: Int?
    @OptionGroup var metrics: MetricsOptions
    @Option(help: "Jobs run at once by this process (env MEMOS_SCHEDULER_WORKERS; default 2).")
    var workers: Int?

    func run() async throws {
        let logger = self.common.makeLogger("memos.scheduler")
        try self.common.validateSettings(
            .scheduler,
            flags: [
                "MEMOS_SCHEDULER_PORT": self.port.map(String.init),
                "MEMOS_METRICS_PORT": self.metrics.metricsPort.map(String.init),
                "MEMOS_SCHEDULER_WORKERS": self.workers.map(String.init),
            ],
            logger: logger
        )
        let metrics = try self.metrics.endpoint(
            host: self.common.resolvedHost,
            default: DefaultPort.schedulerMetrics,
            logger: logger
        )
        let configuration = try self.common.databaseConfiguration()
        _ = try await ServiceRunner.migrate(configuration, logger: logger)
        // The accounts service lives here, so the deployment's first admin key is made here too.
        if let adminKey = Environment.string("MEMOS_ADMIN_KEY") {
            try await ServiceRunner.withTemporaryDatabase(configuration, logger: logger) { database in
                try await PostgresAccountStore(database: database).ensureAdmin(key: adminKey)
            }
        }
        let database = Database(configuration: configuration, logger: logger)
        let server = ServerFactory.scheduler(
            database: database,
            listener: .tcp(
                host: self.common.resolvedHost,
                port: try self.port ?? Environment.int("MEMOS_SCHEDULER_PORT") ?? DefaultPort.scheduler,
                tls: try Environment.settings.tlsFiles()
            ),
            logger: logger
        )
        let embedder = try self.common.makeEmbedder()
        try await ServiceRunner.withTemporaryDatabase(configuration, logger: logger) { database in
            try await ServerFactory.queueReembedding(database: database, embedder: embedder, logger: logger)
        }
        let workers = ServerFactory.schedulerWorkers(
            database: database,
            embedder: embedder,
            reader: try self.common.makeFastReader(),
            chatModel: try self.common.makeChatModel(),
            visionModel: try self.common.makeVisionModel(),
            configuration: .init(workers: try self.workers ?? Environment.int("MEMOS_SCHEDULER_WORKERS") ?? 2),
            idempotencyRetention: .seconds(3_600 * (try Environment.int("MEMOS_IDEMPOTENCY_RETENTION_HOURS") ?? 24)),
            nearDuplicateThreshold: Float(try Environment.double("MEMOS_NEAR_DUPLICATE_THRESHOLD") ?? 0.92),
            logger: logger
        )
        try await ServiceRunner.run(database: database, services: metrics + [server, workers], logger: logger)
    }
}
