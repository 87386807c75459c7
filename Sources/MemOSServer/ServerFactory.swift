import Logging
import MemOSCore
import MemOSGateway
import MemOSIngest
import MemOSPostgres
import MemOSRPC
import MemOSRetrieval
import MemOSScheduler

/// The composition root: builds each process's servers from a database and an embedder.
///
/// The executable and the end-to-end tests wire the system through these functions, so what the tests start
/// is what runs in production.
public enum ServerFactory {
    public static func ingest(
        database: Database,
        embedder: any Embedder,
        reader: FastReader = FastReader(),
        chatModel: (any ChatModel)? = nil,
        host: String,
        port: Int,
        logger: Logger
    ) -> GRPCServerService {
        let accounts = PostgresAccountStore(database: database)
        let service = IngestService(
            store: PostgresMemoryStore(database: database),
            accounts: accounts,
            embedder: embedder,
            reader: reader,
            chatModel: chatModel
        )
        return GRPCServerService(
            host: host,
            port: port,
            services: [service],
            serviceNames: ["memos.ingest.v1.IngestService"],
            accounts: accounts,
            logger: logger
        )
    }

    public static func retrieval(
        database: Database,
        embedder: any Embedder,
        host: String,
        port: Int,
        logger: Logger
    ) -> GRPCServerService {
        let accounts = PostgresAccountStore(database: database)
        let service = RetrievalService(store: PostgresMemoryStore(database: database), accounts: accounts, embedder: embedder)
        return GRPCServerService(
            host: host,
            port: port,
            services: [service],
            serviceNames: ["memos.retrieval.v1.RetrievalService"],
            accounts: accounts,
            logger: logger
        )
    }

    public static func scheduler(database: Database, host: String, port: Int, logger: Logger) -> GRPCServerService {
        let accounts = PostgresAccountStore(database: database)
        let service = SchedulerService(jobs: PostgresJobStore(database: database), accounts: accounts, cubes: accounts)
        return GRPCServerService(
            host: host,
            port: port,
            services: [service],
            serviceNames: ["memos.scheduler.v1.SchedulerService"],
            accounts: accounts,
            logger: logger
        )
    }

    /// The scheduler's workers: they run the queued jobs (extraction of asynchronous adds, ...).
    public static func schedulerWorkers(
        database: Database,
        embedder: any Embedder,
        reader: FastReader = FastReader(),
        chatModel: (any ChatModel)? = nil,
        configuration: JobWorkerPool.Configuration = .init(),
        idempotencyRetention: Duration = .seconds(24 * 3_600),
        nearDuplicateThreshold: Float = 0.92,
        logger: Logger
    ) -> JobWorkerPool {
        let store = PostgresMemoryStore(database: database)
        let extractor = MemoryExtractor(embedder: embedder, fastReader: reader, chatModel: chatModel)
        return JobWorkerPool(
            configuration: configuration,
            queue: PostgresJobStore(database: database),
            handlers: [
                JobKind.extract: ExtractionHandler(store: store, extractor: extractor),
                JobKind.reorganize: ReorganizeHandler(store: store, model: embedder.modelID, threshold: nearDuplicateThreshold),
                JobKind.lifecycleSweep: LifecycleSweepHandler(store: store, idempotencyRetention: idempotencyRetention),
            ],
            logger: logger
        )
    }

    public static func gateway(
        database: Database,
        clients: ServiceClients,
        configuration: Gateway.Configuration,
        logger: Logger
    ) -> Gateway {
        Gateway(
            configuration: configuration,
            clients: clients,
            accounts: PostgresAccountStore(database: database),
            databaseIsReady: { await database.isReachable() },
            logger: logger
        )
    }
}

extension ServerFactory {
    /// Logs a warning for memories whose vectors another embedding model made: search skips them until they
    /// are re-embedded.
    public static func warnAboutOtherModels(database: Database, embedder: any Embedder, logger: Logger) async {
        guard let counts = try? await PostgresMemoryStore(database: database).embeddingModelCounts() else { return }
        for (model, count) in counts where model != embedder.modelID {
            logger.warning(
                "memories embedded with another model are not searchable with this one until re-embedded",
                metadata: ["model": "\(model)", "memories": "\(count)", "configured": "\(embedder.modelID)"]
            )
        }
    }
}
