import Foundation
import MemOSCore
import MemOSServer
import Testing

/// The settings catalog: every variable checked at start with an error naming it, secrets never printed, and the
/// catalog and docs/configuration.md naming the same variables.
@Suite("Settings: one catalog, checked at start")
struct SettingsTests {
    @Test("every problem of a process's settings is named in one error; other processes' variables are not checked")
    func validation() throws {
        let settings = Settings(environment: [
            "MEMOS_DB_POOL_SIZE": "0", "MEMOS_RECORD_CACHE_MB": "lots", "MEMOS_EMBEDDER": "word2vec",
            "MEMOS_LLM_URL": "http://127.0.0.1:1", "MEMOS_RATE_LIMIT_RPS": "-1", "PATH": "/bin",
        ])
        let error = #expect(throws: MemOSError.self) { try settings.validate(for: .retrieval) }
        #expect(error?.code == .failedPrecondition)
        let message = error?.message ?? ""
        for name in ["MEMOS_DB_POOL_SIZE", "MEMOS_RECORD_CACHE_MB", "MEMOS_EMBEDDER", "MEMOS_LLM_MODEL"] {
            #expect(message.contains(name), "\(name) missing from: \(message)")
        }
        // The rate limit is the gateway's: not a problem of the retrieval process.
        #expect(!message.contains("MEMOS_RATE_LIMIT_RPS"))
        #expect(throws: MemOSError.self) { try settings.validate(for: .gateway) }
        #expect(throws: MemOSError.self) { try settings.int("MEMOS_RECORD_CACHE_MB") }
        try Settings(environment: [:]).validate(for: .ingest)
        try Settings(environment: ["MEMOS_EMBEDDER": "openai"]).validate(for: .gateway)
        let openAI = #expect(throws: MemOSError.self) {
            try Settings(environment: ["MEMOS_EMBEDDER": "openai"]).validate(for: .ingest)
        }
        #expect(openAI?.message.contains("MEMOS_EMBEDDING_DIMENSION is required") == true)
    }

    @Test("flags lay over the environment; empty variables count as unset")
    func flags() throws {
        let settings = Settings(
            environment: ["MEMOS_INGEST_PORT": "1", "MEMOS_HOST": "", "MEMOS_GATEWAY_PORT": "2"],
            flags: ["MEMOS_INGEST_PORT": "3", "MEMOS_GATEWAY_PORT": nil]
        )
        #expect(try settings.int("MEMOS_INGEST_PORT") == 3)
        #expect(try settings.int("MEMOS_GATEWAY_PORT") == 2)
        #expect(settings.string("MEMOS_HOST") == nil)
    }

    @Test("memos config shows values and defaults, never a secret; misspelt variables are reported")
    func report() {
        let settings = Settings(environment: [
            "MEMOS_DATABASE_URL": "postgres://memos:hunter2@db:5432/memos", "MEMOS_LLM_API_KEY": "sk-secret",
            "MEMOS_ADMIN_KEY": "admin-key-of-twenty-four-chars", "MEMOS_SCHEDULER_WORKERS": "4",
            "MEMOS_SHEDULER_WORKERS": "8", "MEMOS_TEST_DATABASE_URL": "postgres://t@h/d",
        ])
        let report = settings.report(for: .scheduler)
        #expect(report.contains("postgres://memos:***@db:5432/memos"))
        for secret in ["hunter2", "sk-secret", "admin-key-of-twenty-four-chars"] { #expect(!report.contains(secret)) }
        #expect(report.contains("MEMOS_SCHEDULER_WORKERS") && report.contains("4"))
        #expect(report.contains("MEMOS_DB_POOL_SIZE") && report.contains("(default: 8)"))
        #expect(!report.contains("MEMOS_GATEWAY_PORT"))
        #expect(settings.unknownVariables == ["MEMOS_SHEDULER_WORKERS"])
    }

    @Test("the catalog and docs/configuration.md name the same variables")
    func documented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        let regex = try NSRegularExpression(pattern: "`(MEMOS_[A-Z_]+)`")
        let documented = Set(
            regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
                Range($0.range(at: 1), in: text).map { String(text[$0]) }
            }
        )
        let catalog = Set(Settings.catalog.map(\.name))
        let tooling = documented.filter { name in
            ["MEMOS_TEST_", "MEMOS_CI_", "MEMOS_WRITE_SCHEMA", "MEMOS_PGVECTOR_URL"].contains { name.hasPrefix($0) }
        }
        #expect(catalog.subtracting(documented).isEmpty, "undocumented: \(catalog.subtracting(documented).sorted())")
        let extra = documented.subtracting(catalog).subtracting(tooling)
        #expect(extra.isEmpty, "documented but read by no process: \(extra.sorted())")
    }
}
