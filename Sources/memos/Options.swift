import ArgumentParser
import Foundation
import Logging
import MemOSCore
import MemOSPostgres
import MemOSRPC
import MemOSServer

/// Settings every process shares. Each flag falls back to its environment variable, then to its default.
struct CommonOptions: ParsableArguments {
    @Option(help: "PostgreSQL URL, postgres://user:password@host:port/database (env MEMOS_DATABASE_URL).")
    var databaseURL: String?

    @Option(help: "Address to listen on (env MEMOS_HOST; default 127.0.0.1).")
    var host: String?

    @Option(
        help: "Log level: trace, debug, info, notice, warning, error, critical (env MEMOS_LOG_LEVEL; default info)."
    )
    var logLevel: String?

    @Option(help: "Embedder: minilm, openai or feature-hash (env MEMOS_EMBEDDER; default minilm).")
    var embedder: String?

    @Option(help: "Folder of the MiniLM model files (env MEMOS_MODEL_DIR; default .local/models/all-MiniLM-L6-v2).")
    var modelDir: String?

    @Option(help: "Connections in each process's PostgreSQL pool (env MEMOS_DB_POOL_SIZE; default 8).")
    var dbPoolSize: Int?

    @Option(
        help:
            "Seconds start-up waits for PostgreSQL to accept a session, 0–3600 (env MEMOS_DB_WAIT_SECONDS; default 30)."
    )
    var dbWaitSeconds: Int?

    var resolvedHost: String { self.host ?? Environment.string("MEMOS_HOST") ?? "127.0.0.1" }

    func databaseConfiguration() throws -> DatabaseConfiguration {
        guard let url = self.databaseURL ?? Environment.string("MEMOS_DATABASE_URL") else {
            throw ValidationError(
                "no database configured: pass --database-url or set MEMOS_DATABASE_URL (scripts/dev.sh starts a local PostgreSQL)"
            )
        }
        let poolSize = self.dbPoolSize ?? Environment.int("MEMOS_DB_POOL_SIZE") ?? 8
        var configuration = try DatabaseConfiguration(url: url, maxConnections: poolSize)
        let wait = self.dbWaitSeconds ?? Environment.int("MEMOS_DB_WAIT_SECONDS") ?? 30
        guard (0...3_600).contains(wait) else {
            throw ValidationError("--db-wait-seconds (MEMOS_DB_WAIT_SECONDS) must be 0–3600, not \(wait)")
        }
        configuration.startupWait = .seconds(wait)
        return configuration
    }

    var embedderKind: String { self.embedder ?? Environment.string("MEMOS_EMBEDDER") ?? "minilm" }
    var modelDirectory: String {
        self.modelDir ?? Environment.string("MEMOS_MODEL_DIR") ?? EmbedderFactory.defaultModelDirectory
    }

    func makeEmbedder() throws -> any Embedder {
        try EmbedderFactory.make(
            kind: self.embedderKind,
            modelDirectory: self.modelDirectory,
            logger: self.makeLogger("memos.embedder")
        )
    }

    /// The fast reader with the window of `MEMOS_FAST_WINDOW` (`turns/overlap`, e.g. `4/0`), else the default.
    func makeFastReader() throws -> FastReader {
        guard let setting = Environment.string("MEMOS_FAST_WINDOW") else { return FastReader() }
        let parts = setting.split(separator: "/").map { Int($0) }
        guard parts.count == 2, let turns = parts[0], let overlap = parts[1], (1...50).contains(turns),
            (0..<turns).contains(overlap)
        else {
            throw ValidationError(
                "MEMOS_FAST_WINDOW must be turns/overlap with 1 ≤ turns ≤ 50 and 0 ≤ overlap < turns, e.g. 4/0"
            )
        }
        return FastReader(windowSize: turns, overlap: overlap)
    }

    /// The fine reader's LLM from `MEMOS_LLM_*`; nil when `MEMOS_LLM_URL` is unset.
    func makeChatModel() throws -> (any ChatModel)? {
        try ChatModelFactory.make(logger: self.makeLogger("memos.llm"))
    }

    func makeLogger(_ label: String) -> Logger {
        let level =
            (self.logLevel ?? Environment.string("MEMOS_LOG_LEVEL")).flatMap(Logger.Level.init(rawValue:)) ?? .info
        var logger = Logger(label: label, metadataProvider: RequestIdentity.metadataProvider)
        logger.logLevel = level
        return logger
    }
}

enum Environment {
    static func string(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    static func int(_ name: String) -> Int? {
        self.string(name).flatMap(Int.init)
    }
}

/// Default ports of the processes.
enum DefaultPort {
    static let ingest = 50051
    static let retrieval = 50052
    static let scheduler = 50053
    static let gateway = 8080
    /// Each service's Prometheus scrape port (`--metrics-port`).
    static let ingestMetrics = 9091
    static let retrievalMetrics = 9092
    static let schedulerMetrics = 9093
}
