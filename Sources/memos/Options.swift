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

    /// The settings: the environment with these flags, and `flags`, laid over it.
    func settings(flags: [String: String?] = [:]) -> Settings {
        let common: [String: String?] = [
            "MEMOS_DATABASE_URL": self.databaseURL, "MEMOS_HOST": self.host, "MEMOS_LOG_LEVEL": self.logLevel,
            "MEMOS_EMBEDDER": self.embedder, "MEMOS_MODEL_DIR": self.modelDir,
            "MEMOS_DB_POOL_SIZE": self.dbPoolSize.map(String.init),
            "MEMOS_DB_WAIT_SECONDS": self.dbWaitSeconds.map(String.init),
        ]
        return Settings(flags: common.merging(flags) { $1 })
    }

    /// Checks every setting `process` reads (the environment, with these and `flags` laid over it) before anything
    /// starts, and warns of `MEMOS_*` variables no process reads.
    /// - Throws: one error naming every variable whose value is not allowed.
    func validateSettings(_ process: Settings.Process, flags: [String: String?] = [:], logger: Logger) throws {
        let settings = self.settings(flags: flags)
        try settings.validate(for: process)
        for name in settings.unknownVariables {
            logger.warning("no process reads this variable; is it misspelt?", metadata: ["variable": "\(name)"])
        }
    }

    func databaseConfiguration() throws -> DatabaseConfiguration {
        guard let url = self.databaseURL ?? Environment.string("MEMOS_DATABASE_URL") else {
            throw ValidationError(
                "no database configured: pass --database-url or set MEMOS_DATABASE_URL (scripts/dev.sh starts a local PostgreSQL)"
            )
        }
        let poolSize = try self.dbPoolSize ?? Environment.int("MEMOS_DB_POOL_SIZE") ?? 8
        var configuration = try DatabaseConfiguration(url: url, maxConnections: poolSize)
        let wait = try self.dbWaitSeconds ?? Environment.int("MEMOS_DB_WAIT_SECONDS") ?? 30
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
            settings: Environment.settings,
            logger: self.makeLogger("memos.embedder")
        )
    }

    /// The fast reader with the window of `MEMOS_FAST_WINDOW` (`turns/overlap`, e.g. `4/0`), else the default.
    func makeFastReader() throws -> FastReader {
        guard let setting = try Environment.settings.checked("MEMOS_FAST_WINDOW"),
            let window = Settings.fastWindow(setting)
        else { return FastReader() }
        return FastReader(windowSize: window.turns, overlap: window.overlap)
    }

    /// The fine reader's LLM from `MEMOS_LLM_*`; nil when `MEMOS_LLM_URL` is unset.
    func makeChatModel() throws -> (any ChatModel)? {
        try ChatModelFactory.make(settings: Environment.settings, logger: self.makeLogger("memos.llm"))
    }

    /// The chat routes' LLM from `MEMOS_LLM_*`; nil when `MEMOS_LLM_URL` is unset.
    func makeAnswerModel() throws -> (any AnswerModel)? {
        try AnswerModelFactory.make(settings: Environment.settings, logger: self.makeLogger("memos.llm"))
    }

    /// The model that describes uploaded images, from `MEMOS_VISION_MODEL`; nil when unset.
    func makeVisionModel() throws -> (any VisionModel)? {
        try VisionModelFactory.make(settings: Environment.settings, logger: self.makeLogger("memos.vision"))
    }

    func makeLogger(_ label: String) -> Logger {
        let level =
            (self.logLevel ?? Environment.string("MEMOS_LOG_LEVEL")).flatMap(Logger.Level.init(rawValue:)) ?? .info
        var logger = Logger(label: label, metadataProvider: RequestIdentity.metadataProvider)
        logger.logLevel = level
        return logger
    }
}

/// The process's `MEMOS_*` variables, read only through the settings catalog (``Settings``): a variable missing
/// from the catalog cannot be read, and a value the catalog does not allow is an error naming the variable.
enum Environment {
    static let settings = Settings()

    static func string(_ name: String) -> String? { self.settings.string(name) }

    static func int(_ name: String) throws -> Int? { try self.settings.int(name) }

    static func double(_ name: String) throws -> Double? { try self.settings.double(name) }
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
