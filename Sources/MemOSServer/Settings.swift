import Foundation
import MemOSCore
import MemOSGateway
import MemOSPostgres
import MemOSRPC

/// Every `MEMOS_*` setting of the processes, in one place: the catalog of variables (which process reads each,
/// its default, whether it is a secret, what values it allows), their values for this process (the environment
/// with the command line's flags laid over it), checked all at once at start (``validate(for:)``) and printed by
/// `memos config` with secrets redacted (``report(for:)``).
///
/// Processes read their settings only through this type; a library module takes typed values from the composition
/// root, never the environment.
public struct Settings: Sendable {
    /// The kinds of process, each reading its own subset of the catalog.
    public enum Process: String, CaseIterable, Sendable {
        case ingest, retrieval, scheduler, gateway
        /// The client subcommands (`users`, `add`, `search`, ...).
        case client
    }

    /// One variable of the catalog.
    public struct Variable: Sendable {
        public var name: String
        /// The processes that read it.
        public var processes: Set<Process>
        /// What applies when it is unset, as `memos config` shows it.
        public var defaultText: String
        /// Never printed: `memos config` shows that it is set, not its value.
        public var secret: Bool
        /// The problem with a value, or nil when the value is allowed.
        public var check: @Sendable (String) -> String?
    }

    /// The set `MEMOS_*` variables (empty ones count as unset), flags included.
    public let values: [String: String]

    /// - Parameters:
    ///   - environment: the process's environment.
    ///   - flags: values of command-line flags by the variable they stand for; a flag that was not given is nil.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        flags: [String: String?] = [:]
    ) {
        var values = environment.filter { $0.key.hasPrefix("MEMOS_") && !$0.value.isEmpty }
        for (name, value) in flags {
            if let value { values[name] = value }
        }
        self.values = values
    }

    /// The value of a variable of the catalog; nil when unset.
    public func string(_ name: String) -> String? {
        precondition(Self.variable(name) != nil, "\(name) is not in the settings catalog")
        return self.values[name]
    }

    /// A whole-number variable, checked against the catalog; nil when unset.
    /// - Throws: `failedPrecondition` with the catalog's explanation for a value it does not allow.
    public func int(_ name: String) throws -> Int? {
        try self.checked(name).map { value in
            guard let number = Int(value) else { throw Self.problem(name, "must be a whole number") }
            return number
        }
    }

    /// A number variable, checked against the catalog; nil when unset.
    public func double(_ name: String) throws -> Double? {
        try self.checked(name).map { value in
            guard let number = Double(value) else { throw Self.problem(name, "must be a number") }
            return number
        }
    }

    /// A `true`/`false` (or `1`/`0`) variable, checked against the catalog; nil when unset.
    public func bool(_ name: String) throws -> Bool? {
        try self.checked(name).map { ["true", "1"].contains($0.lowercased()) }
    }

    /// The process's TLS files (``TLSFiles``): each path checked readable.
    public func tlsFiles() throws -> TLSFiles {
        TLSFiles(
            certificate: try self.checked("MEMOS_TLS_CERT"),
            privateKey: try self.checked("MEMOS_TLS_KEY"),
            certificateAuthority: try self.checked("MEMOS_TLS_CA"),
            requireClientCertificates: try self.checked("MEMOS_TLS_CLIENT_AUTH") == "require"
        )
    }

    /// A text variable, checked against the catalog; nil when unset.
    public func checked(_ name: String) throws -> String? {
        guard let value = self.string(name) else { return nil }
        if let problem = Self.variable(name)?.check(value) { throw Self.problem(name, problem) }
        return value
    }

    /// Checks every variable `process` reads, and the ones that go together; throws one error naming every problem.
    public func validate(for process: Process) throws {
        var problems: [String] = []
        for variable in Self.catalog where variable.processes.contains(process) {
            if let value = self.values[variable.name], let problem = variable.check(value) {
                problems.append("\(variable.name) \(problem) (it is '\(variable.secret ? "…" : value.prefix(64))')")
            }
        }
        if [.ingest, .retrieval, .scheduler].contains(process) {
            if self.values["MEMOS_EMBEDDER"] == "openai" {
                for name in ["MEMOS_EMBEDDING_URL", "MEMOS_EMBEDDING_MODEL", "MEMOS_EMBEDDING_DIMENSION"]
                where self.values[name] == nil {
                    problems.append("\(name) is required with MEMOS_EMBEDDER=openai")
                }
            }
            if self.values["MEMOS_VISION_MODEL"] != nil, self.values["MEMOS_LLM_URL"] == nil {
                problems.append("MEMOS_VISION_MODEL needs MEMOS_LLM_URL (the API that serves it)")
            }
            if self.values["MEMOS_TLS_CLIENT_AUTH"] == "require",
                self.values["MEMOS_TLS_CA"] == nil || self.values["MEMOS_TLS_CERT"] == nil
            {
                problems.append("MEMOS_TLS_CLIENT_AUTH=require needs MEMOS_TLS_CA and MEMOS_TLS_CERT")
            }
        }
        if [.ingest, .retrieval, .scheduler, .gateway].contains(process), self.values["MEMOS_LLM_URL"] != nil,
            self.values["MEMOS_LLM_MODEL"] == nil
        {
            problems.append("MEMOS_LLM_MODEL is required with MEMOS_LLM_URL")
        }
        if process != .client, (self.values["MEMOS_TLS_CERT"] == nil) != (self.values["MEMOS_TLS_KEY"] == nil) {
            problems.append("MEMOS_TLS_CERT and MEMOS_TLS_KEY go together")
        }
        guard problems.isEmpty else {
            throw MemOSError(
                code: .failedPrecondition,
                message: "the \(process.rawValue) settings are not valid:\n  " + problems.joined(separator: "\n  ")
            )
        }
    }

    /// Set `MEMOS_*` variables that no process reads: most likely misspelt.
    public var unknownVariables: [String] {
        self.values.keys.filter { name in
            Self.variable(name) == nil && !Self.toolingPrefixes.contains { name.hasPrefix($0) }
        }.sorted()
    }

    /// What `memos config` prints for `process`: each variable it reads, its value (a secret only as set) or its
    /// default.
    public func report(for process: Process) -> String {
        let variables = Self.catalog.filter { $0.processes.contains(process) }
        let width = variables.map(\.name.count).max() ?? 0
        return variables.map { variable in
            let name = variable.name.padding(toLength: width, withPad: " ", startingAt: 0)
            guard let value = self.values[variable.name] else { return "\(name)  (default: \(variable.defaultText))" }
            return "\(name)  \(variable.secret ? Self.redacted(variable.name, value) : value)"
        }.joined(separator: "\n")
    }

    /// A secret as it may be shown: a database URL without its password, anything else as set.
    static func redacted(_ name: String, _ value: String) -> String {
        guard name == "MEMOS_DATABASE_URL", var url = URLComponents(string: value) else { return "(set; not shown)" }
        if url.password != nil { url.password = "***" }
        return url.string ?? "(set; not shown)"
    }

    static func problem(_ name: String, _ problem: String) -> MemOSError {
        MemOSError(code: .failedPrecondition, message: "\(name) \(problem)")
    }

    public static func variable(_ name: String) -> Variable? {
        self.catalog.first { $0.name == name }
    }

    /// Variables of the tests, benchmarks and CI scripts, which no process reads.
    static let toolingPrefixes = [
        "MEMOS_TEST_", "MEMOS_CI_", "MEMOS_WRITE_SCHEMA", "MEMOS_PGVECTOR_URL", "MEMOS_BENCH_",
    ]
}

// MARK: The catalog

extension Settings {
    static let services: Set<Process> = [.ingest, .retrieval, .scheduler]
    static let everyProcess: Set<Process> = [.ingest, .retrieval, .scheduler, .gateway]

    /// Every variable a process reads, in the order of docs/configuration.md.
    public static let catalog: [Variable] = [
        Variable(
            name: "MEMOS_DATABASE_URL",
            processes: services,
            defaultText: "none: required",
            secret: true,
            check: { (try? DatabaseConfiguration(url: $0)) == nil ? "is not a postgres:// URL" : nil }
        ),
        integer("MEMOS_DB_POOL_SIZE", services, default: 8, 1...1_000),
        integer("MEMOS_DB_WAIT_SECONDS", services, default: 30, 0...3_600),
        Variable(
            name: "MEMOS_HOST",
            processes: everyProcess,
            defaultText: "127.0.0.1",
            secret: false,
            check: { _ in nil }
        ),
        integer("MEMOS_INGEST_PORT", [.ingest], default: 50_051, 0...65_535),
        integer("MEMOS_RETRIEVAL_PORT", [.retrieval], default: 50_052, 0...65_535),
        integer("MEMOS_SCHEDULER_PORT", [.scheduler], default: 50_053, 0...65_535),
        integer("MEMOS_GATEWAY_PORT", [.gateway], default: 8_080, 0...65_535),
        integer("MEMOS_METRICS_PORT", services, default: "9091, 9092, 9093 (ingest, retrieval, scheduler)", 0...65_535),
        address("MEMOS_INGEST_ADDR", default: "127.0.0.1:50051"),
        address("MEMOS_RETRIEVAL_ADDR", default: "127.0.0.1:50052"),
        address("MEMOS_SCHEDULER_ADDR", default: "127.0.0.1:50053"),
        Variable(
            name: "MEMOS_ACCOUNTS_ADDR",
            processes: [.gateway, .client],
            defaultText: "the scheduler's address",
            secret: false,
            check: Self.checkAddress
        ),
        Variable(
            name: "MEMOS_RATE_LIMIT_RPS",
            processes: [.gateway],
            defaultText: "50",
            secret: false,
            check: { Double($0).map { $0 >= 0 && $0.isFinite } == true ? nil : "must be a number ≥ 0 (0: no limit)" }
        ),
        integer("MEMOS_RATE_LIMIT_BURST", [.gateway], default: 100, 1...1_000_000),
        file("MEMOS_TLS_CERT", default: "none: plaintext"),
        file("MEMOS_TLS_KEY", default: "none: plaintext"),
        file(
            "MEMOS_TLS_CA",
            processes: [.ingest, .retrieval, .scheduler, .gateway, .client],
            default: "none: plaintext clients"
        ),
        oneOf("MEMOS_TLS_CLIENT_AUTH", services, default: "none", ["none", "require"]),
        Variable(
            name: "MEMOS_CORS_ORIGINS",
            processes: [.gateway],
            defaultText: "none: no cross-origin calls",
            secret: false,
            check: {
                Gateway.CORSOrigins(setting: $0) == nil
                    ? "must be *, or origins such as https://app.example.com separated by commas" : nil
            }
        ),
        Variable(
            name: "MEMOS_ADMIN_KEY",
            processes: [.scheduler],
            defaultText: "none",
            secret: true,
            check: { $0.count >= 24 ? nil : "must be at least 24 characters" }
        ),
        oneOf("MEMOS_EMBEDDER", services, default: "minilm", ["minilm", "openai", "feature-hash"]),
        Variable(
            name: "MEMOS_MODEL_DIR",
            processes: services,
            defaultText: ".local/models/all-MiniLM-L6-v2",
            secret: false,
            check: { _ in nil }
        ),
        oneOf(
            "MEMOS_EMBEDDER_KERNEL",
            services,
            default: "the fastest the CPU has",
            ["avx512-bf16", "avx512", "avx2", "portable"]
        ),
        integer("MEMOS_EMBEDDER_SPIN_MS", services, default: 5, 0...1_000),
        url("MEMOS_EMBEDDING_URL", default: "none: required with MEMOS_EMBEDDER=openai"),
        Variable(
            name: "MEMOS_EMBEDDING_MODEL",
            processes: services,
            defaultText: "none: required with MEMOS_EMBEDDER=openai",
            secret: false,
            check: { _ in nil }
        ),
        integer(
            "MEMOS_EMBEDDING_DIMENSION",
            services,
            default: "none: required with MEMOS_EMBEDDER=openai",
            1...65_536
        ),
        Variable(
            name: "MEMOS_EMBEDDING_API_KEY",
            processes: services,
            defaultText: "none",
            secret: true,
            check: { _ in nil }
        ),
        integer("MEMOS_EMBEDDING_BATCH_SIZE", services, default: 64, 1...2_048),
        url("MEMOS_LLM_URL", processes: services.union([.gateway]), default: "none: fine mode and chat off"),
        Variable(
            name: "MEMOS_LLM_MODEL",
            processes: services.union([.gateway]),
            defaultText: "none: required with MEMOS_LLM_URL",
            secret: false,
            check: { _ in nil }
        ),
        Variable(
            name: "MEMOS_LLM_API_KEY",
            processes: services.union([.gateway]),
            defaultText: "none",
            secret: true,
            check: { _ in nil }
        ),
        integer("MEMOS_LLM_TIMEOUT_SECONDS", services.union([.gateway]), default: 60, 1...3_600),
        integer("MEMOS_LLM_MAX_RETRIES", services, default: 2, 0...10),
        oneOf("MEMOS_LLM_JSON_MODE", services, default: "true", ["true", "false", "1", "0"]),
        Variable(
            name: "MEMOS_VISION_MODEL",
            processes: [.ingest, .scheduler],
            defaultText: "none: images are refused",
            secret: false,
            check: { _ in nil }
        ),
        url("MEMOS_RERANKER_URL", processes: [.retrieval], default: "none: no reranking"),
        Variable(
            name: "MEMOS_RERANKER_MODEL",
            processes: [.retrieval],
            defaultText: "none: TEI's request",
            secret: false,
            check: { _ in nil }
        ),
        Variable(
            name: "MEMOS_RERANKER_API_KEY",
            processes: [.retrieval],
            defaultText: "none",
            secret: true,
            check: { _ in nil }
        ),
        integer("MEMOS_RERANKER_TOP_N", [.retrieval], default: 20, 1...100),
        integer("MEMOS_RERANKER_TIMEOUT_MS", [.retrieval], default: 2_000, 50...60_000),
        Variable(
            name: "MEMOS_FAST_WINDOW",
            processes: [.ingest, .scheduler],
            defaultText: "4/0",
            secret: false,
            check: {
                Self.fastWindow($0) == nil ? "must be turns/overlap with 1 ≤ turns ≤ 50 and 0 ≤ overlap < turns" : nil
            }
        ),
        integer("MEMOS_RECORD_CACHE_MB", [.retrieval], default: 128, 0...65_536),
        integer("MEMOS_INDEX_IDLE_MINUTES", [.retrieval], default: 0, 0...525_600),
        integer("MEMOS_INDEX_BUDGET_MB", [.retrieval], default: 0, 0...1_048_576),
        integer("MEMOS_SCHEDULER_WORKERS", [.scheduler], default: 2, 1...64),
        Variable(
            name: "MEMOS_NEAR_DUPLICATE_THRESHOLD",
            processes: [.scheduler],
            defaultText: "0.92",
            secret: false,
            check: { Double($0).map { (0...1).contains($0) } == true ? nil : "must be a cosine from 0 to 1" }
        ),
        integer("MEMOS_IDEMPOTENCY_RETENTION_HOURS", [.scheduler], default: 24, 1...8_760),
        oneOf(
            "MEMOS_LOG_LEVEL",
            everyProcess,
            default: "info",
            ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        ),
        Variable(
            name: "MEMOS_KEY",
            processes: [.client],
            defaultText: "none: required",
            secret: true,
            check: { _ in nil }
        ),
        url("MEMOS_URL", processes: [.client], default: "http://127.0.0.1:8080"),
    ]

    static func integer(
        _ name: String,
        _ processes: Set<Process>,
        default defaultValue: some CustomStringConvertible,
        _ range: ClosedRange<Int>
    ) -> Variable {
        Variable(name: name, processes: processes, defaultText: "\(defaultValue)", secret: false) { value in
            guard let number = Int(value), range.contains(number) else {
                return "must be a whole number from \(range.lowerBound) to \(range.upperBound)"
            }
            return nil
        }
    }

    static func oneOf(
        _ name: String,
        _ processes: Set<Process>,
        default defaultText: String,
        _ allowed: [String]
    )
        -> Variable
    {
        Variable(name: name, processes: processes, defaultText: defaultText, secret: false) { value in
            allowed.contains(value) ? nil : "must be one of \(allowed.joined(separator: ", "))"
        }
    }

    /// A readable file.
    static func file(_ name: String, processes: Set<Process> = everyProcess, default defaultText: String) -> Variable {
        Variable(name: name, processes: processes, defaultText: defaultText, secret: false) { value in
            FileManager.default.isReadableFile(atPath: value) ? nil : "must name a readable file"
        }
    }

    static func address(_ name: String, default defaultText: String) -> Variable {
        Variable(name: name, processes: [.gateway], defaultText: defaultText, secret: false, check: Self.checkAddress)
    }

    static func url(_ name: String, processes: Set<Process> = services, default defaultText: String) -> Variable {
        Variable(name: name, processes: processes, defaultText: defaultText, secret: false) { value in
            guard let url = URL(string: value), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                return "must be an http:// or https:// URL"
            }
            return nil
        }
    }

    @Sendable static func checkAddress(_ value: String) -> String? {
        guard let colon = value.lastIndex(of: ":"), colon != value.startIndex,
            let port = Int(value[value.index(after: colon)...]), (1...65_535).contains(port)
        else {
            return "must be host:port"
        }
        return nil
    }

    /// `turns/overlap` of `MEMOS_FAST_WINDOW`; nil when not allowed.
    public static func fastWindow(_ value: String) -> (turns: Int, overlap: Int)? {
        let parts = value.split(separator: "/").map { Int($0) }
        guard parts.count == 2, let turns = parts[0], let overlap = parts[1], (1...50).contains(turns),
            (0..<turns).contains(overlap)
        else { return nil }
        return (turns, overlap)
    }
}
