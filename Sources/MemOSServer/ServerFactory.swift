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
        host: String,
        port: Int,
        logger: Logger
    ) -> GRPCServerService {
        let accounts = PostgresAccountStore(database: database)
        let service = IngestService(
            store: PostgresMemoryStore(database: database),
            accounts: accounts,
            embedder: embedder,
            reader: reader
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

    /// - Parameter index: the search index to serve from; by default one following `database`.
    public static func retrieval(
        database: Database,
        embedder: any Embedder,
        host: String,
        port: Int,
        logger: Logger,
        index: RetrievalIndex? = nil
    ) -> GRPCServerService {
        let accounts = PostgresAccountStore(database: database)
        let feed = PostgresChangeFeed(database: database)
        let index = index ?? self.retrievalIndex(database: database, embedder: embedder, logger: logger)
        let usage = UsageBatcher(recorder: feed, logger: logger)
        let service = RetrievalService(
            store: PostgresMemoryStore(database: database),
            accounts: accounts,
            embedder: embedder,
            index: index,
            statistics: feed,
            usage: usage
        )
        return GRPCServerService(
            host: host,
            port: port,
            services: [service],
            serviceNames: ["memos.retrieval.v1.RetrievalService"],
            accounts: accounts,
            logger: logger,
            background: {
                async let following: Void = index.run()
                async let recording: Void = usage.run()
                _ = await (following, recording)
            }
        )
    }

    /// A search index following `database` for `embedder`'s vectors.
    public static func retrievalIndex(database: Database, embedder: any Embedder, logger: Logger) -> RetrievalIndex {
        RetrievalIndex(feed: PostgresChangeFeed(database: database), model: embedder.modelID, dimension: embedder.dimension, logger: logger)
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
