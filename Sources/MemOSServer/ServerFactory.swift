import Logging
import MemOSAccounts
import MemOSCore
import MemOSDocuments
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
        visionModel: (any VisionModel)? = nil,
        listener: RPCListener,
        logger: Logger
    ) -> GRPCServerService {
        let accounts = PostgresAccountStore(database: database)
        let service = IngestService(
            store: PostgresMemoryStore(database: database),
            accounts: accounts,
            documents: PostgresDocumentStore(database: database),
            embedder: embedder,
            reader: reader,
            chatModel: chatModel,
            visionModel: visionModel,
            pageTokens: self.pageTokens(database)
        )
        return GRPCServerService(
            listener: listener,
            services: [service],
            serviceNames: ["memos.ingest.v1.IngestService"],
            accounts: accounts,
            logger: logger,
            dependenciesReady: self.databaseAnswers(database)
        )
    }

    /// - Parameters:
    ///   - index: the search index to serve from; by default one following `database`.
    ///   - recordCacheBytes: the budget of the records of returned memories kept in memory (``MemoryRecordCache``;
    ///     0 reads every returned memory from PostgreSQL; nil for the default, 128 MiB).
    public static func retrieval(
        database: Database,
        embedder: any Embedder,
        chatModel: (any ChatModel)? = nil,
        reranker: (reranker: any Reranker, depth: Int)? = nil,
        listener: RPCListener,
        logger: Logger,
        index: RetrievalIndex? = nil,
        recordCacheBytes: Int? = nil,
        eviction: RetrievalIndex.Eviction = .init()
    ) -> GRPCServerService {
        let accounts = PostgresAccountStore(database: database)
        let feed = PostgresChangeFeed(database: database)
        let index =
            index ?? self.retrievalIndex(database: database, embedder: embedder, eviction: eviction, logger: logger)
        let usage = UsageBatcher(recorder: feed, logger: logger)
        let service = RetrievalService(
            store: PostgresMemoryStore(database: database),
            accounts: accounts,
            embedder: embedder,
            index: index,
            statistics: feed,
            usage: usage,
            records: MemoryRecordCache(budget: recordCacheBytes ?? MemoryRecordCache.defaultBudget),
            chatModel: chatModel,
            reranker: reranker?.reranker,
            rerankDepth: reranker?.depth ?? 20,
            pageTokens: self.pageTokens(database)
        )
        return GRPCServerService(
            listener: listener,
            services: [service],
            serviceNames: ["memos.retrieval.v1.RetrievalService"],
            accounts: accounts,
            logger: logger,
            dependenciesReady: self.databaseAnswers(database),
            background: {
                async let following: Void = index.run()
                async let recording: Void = usage.run()
                _ = await (following, recording)
            }
        )
    }

    /// The record cache's budget in bytes from `MEMOS_RECORD_CACHE_MB` (whole MiB, 0–65,536; 0 turns it off), or
    /// nil when unset (the default, 128 MiB).
    /// - Throws: `failedPrecondition` for any other value.
    public static func recordCacheBytes(settings: Settings) throws -> Int? {
        try settings.int("MEMOS_RECORD_CACHE_MB").map { $0 << 20 }
    }

    /// A service's health probe of its database (run in the background of the health checks): a `SELECT 1` that
    /// answers within 5 seconds.
    static func databaseAnswers(_ database: Database) -> @Sendable () async -> Bool {
        { await database.isReachable(within: .seconds(5)) }
    }

    /// Page tokens under the deployment's key, which the migrations made in `database` (read on first use).
    static func pageTokens(_ database: Database) -> PageTokens {
        PageTokens(key: { try await database.serverSecret(named: "page_tokens") })
    }

    /// A search index following `database` for `embedder`'s vectors.
    public static func retrievalIndex(
        database: Database,
        embedder: any Embedder,
        eviction: RetrievalIndex.Eviction = .init(),
        logger: Logger
    ) -> RetrievalIndex {
        RetrievalIndex(
            feed: PostgresChangeFeed(database: database),
            model: embedder.modelID,
            dimension: embedder.dimension,
            eviction: eviction,
            logger: logger
        )
    }

    /// When the search index drops cubes: `MEMOS_INDEX_IDLE_MINUTES` (a cube not searched for that long; 0, the
    /// default, never) and `MEMOS_INDEX_BUDGET_MB` (the least recently searched beyond that estimated size; 0, the
    /// default, no budget).
    public static func indexEviction(settings: Settings) throws -> RetrievalIndex.Eviction {
        let idle = try settings.int("MEMOS_INDEX_IDLE_MINUTES") ?? 0
        let budget = try settings.int("MEMOS_INDEX_BUDGET_MB") ?? 0
        return RetrievalIndex.Eviction(
            idleAfter: idle > 0 ? .seconds(idle * 60) : nil,
            budgetBytes: budget > 0 ? budget << 20 : nil
        )
    }

    /// The scheduler's server, which also hosts the accounts service: the low-traffic control plane, and the
    /// process that runs the purges a deleted cube or user queues.
    public static func scheduler(
        database: Database,
        listener: RPCListener,
        logger: Logger
    ) -> GRPCServerService {
        let accounts = PostgresAccountStore(database: database)
        let service = SchedulerService(
            jobs: PostgresJobStore(database: database),
            store: PostgresMemoryStore(database: database),
            accounts: accounts,
            cubes: accounts,
            pageTokens: self.pageTokens(database)
        )
        return GRPCServerService(
            listener: listener,
            services: [service, AccountsService(accounts: accounts)],
            serviceNames: ["memos.scheduler.v1.SchedulerService", "memos.accounts.v1.AccountsService"],
            accounts: accounts,
            logger: logger,
            dependenciesReady: self.databaseAnswers(database)
        )
    }

    /// The scheduler's workers: they run the queued jobs (extraction of asynchronous adds, ...).
    public static func schedulerWorkers(
        database: Database,
        embedder: any Embedder,
        reader: FastReader = FastReader(),
        chatModel: (any ChatModel)? = nil,
        visionModel: (any VisionModel)? = nil,
        configuration: JobWorkerPool.Configuration = .init(),
        idempotencyRetention: Duration = .seconds(24 * 3_600),
        nearDuplicateThreshold: Float = 0.92,
        logger: Logger
    ) -> JobWorkerPool {
        let store = PostgresMemoryStore(database: database)
        let extractor = MemoryExtractor(embedder: embedder, fastReader: reader, chatModel: chatModel)
        let queue = PostgresJobStore(database: database)
        return JobWorkerPool(
            configuration: configuration,
            queue: queue,
            handlers: [
                JobKind.extract: ExtractionHandler(store: store, extractor: extractor),
                JobKind.feedback: FeedbackHandler(store: store, embedder: embedder, chatModel: chatModel),
                JobKind.reorganize: ReorganizeHandler(
                    store: store,
                    embedder: embedder,
                    chatModel: chatModel,
                    configuration: .init(mergeThreshold: nearDuplicateThreshold)
                ),
                JobKind.workingMemoryRefresh: WorkingMemoryHandler(store: store, jobs: queue, embedder: embedder),
                JobKind.reembed: ReembedHandler(store: store, queue: queue, embedder: embedder),
                JobKind.purge: PurgeHandler(eraser: PostgresEraser(database: database)),
                JobKind.lifecycleSweep: LifecycleSweepHandler(store: store, idempotencyRetention: idempotencyRetention),
                JobKind.parseDocument: DocumentHandler(
                    documents: PostgresDocumentStore(database: database),
                    jobs: queue,
                    ingestor: DocumentIngestor(embedder: embedder, chatModel: chatModel, visionModel: visionModel)
                ),
            ],
            logger: logger
        )
    }

    /// The gateway: a pure front that reaches every service, accounts included, over gRPC and holds no database
    /// connection.
    public static func gateway(clients: ServiceClients, configuration: Gateway.Configuration, logger: Logger) -> Gateway
    {
        Gateway(configuration: configuration, clients: clients, logger: logger)
    }
}

extension ServerFactory {
    /// Queues a re-embedding job for every cube with memories of another model than `embedder`'s (unless one
    /// is pending); the scheduler calls it at start-up.
    public static func queueReembedding(database: Database, embedder: any Embedder, logger: Logger) async throws {
        let queue = PostgresJobStore(database: database)
        for cube in try await PostgresMemoryStore(database: database).cubesNeedingReembedding(model: embedder.modelID) {
            if try await queue.enqueueUnlessPending(NewJob(cubeID: cube, kind: JobKind.reembed, priority: -1)) {
                logger.notice("queued re-embedding", metadata: ["cube": "\(cube)", "model": "\(embedder.modelID)"])
            }
        }
    }

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
