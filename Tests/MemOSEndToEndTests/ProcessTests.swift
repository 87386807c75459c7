import Foundation
import HTTPTypes
import HummingbirdTesting
import MemOSCore
import MemOSPostgres
import NIOCore
import Testing

@testable import MemOSTestSupport

/// The real `memos` binary, as a user runs it: `memos all` starts four processes; SIGTERM stops them.
@Suite("memos all runs the four processes and stops them together")
struct ProcessTests {
    @Test(
        "memos --version prints the release",
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: MemosBinary.url.path),
            "build the memos product first"
        )
    )
    func version() throws {
        let process = Process()
        process.executableURL = MemosBinary.url
        process.arguments = ["--version"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines) == MemOSVersion.current)
    }

    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: MemosBinary.url.path),
            "build the memos product first"
        )
    )
    func allProcesses() async throws {
        try await TestDatabase.withEmptyDatabase { configuration, _ in
            let ports = try (0..<7).map { _ in try MemosBinary.freePort() }
            let state = FileManager.default.temporaryDirectory.appendingPathComponent("memos-all-\(UUID())")
            defer { try? FileManager.default.removeItem(at: state) }
            let process = Process()
            process.executableURL = MemosBinary.url
            process.arguments = [
                "all", "--state-dir", state.path, "--gateway-port", "\(ports[0])", "--ingest-port", "\(ports[1])",
                "--retrieval-port", "\(ports[2])", "--scheduler-port", "\(ports[3])",
                "--metrics-ports", "\(ports[4]),\(ports[5]),\(ports[6])",
            ]
            var environment = ProcessInfo.processInfo.environment
            let url =
                "postgres://\(configuration.username)@\(configuration.host):\(configuration.port)/\(configuration.database)"
            environment["MEMOS_DATABASE_URL"] = url
            environment["MEMOS_EMBEDDER"] = "feature-hash"
            environment["MEMOS_LOG_LEVEL"] = "error"
            environment["MEMOS_ADMIN_KEY"] = "admin-key-for-the-process-test-0123456789"
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { process.terminate() } }

            // Ready when the gateway reports every service serving.
            var ready = false
            for _ in 0..<300 where !ready {
                ready = (try? await MemosBinary.get(ports[0], "/readyz"))?.0 == .ok
                if !ready { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(ready)
            let key = try String(contentsOf: state.appendingPathComponent("dev-api-key"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)

            let added = try await MemosBinary.get(
                ports[0],
                "/v1/memories",
                key: key,
                body: #"{"cube_id": "dev", "content": "The cat is called Miso"}"#
            )
            #expect(added.0 == .ok, "\(added.1)")
            let found = try await MemosBinary.get(
                ports[0],
                "/v1/search",
                key: key,
                body: #"{"cube_ids": ["dev"], "query": "cat called", "relativity": 0}"#
            )
            #expect(found.1.contains("Miso"), "\(found.1)")
            // The admin key from MEMOS_ADMIN_KEY authenticates (it owns no cube, so the dev cube is refused).
            let admin = try await MemosBinary.get(
                ports[0],
                "/v1/search",
                key: "admin-key-for-the-process-test-0123456789",
                body: #"{"cube_ids": ["dev"], "query": "cat"}"#
            )
            #expect(admin.0 == .forbidden)

            // Each service serves its own metrics: the calls it answered, its database pool; the search index's
            // size in retrieval; the accounts calls (the gateway's WhoAmI) in the scheduler.
            for (port, wanted) in [
                (
                    ports[4],
                    ["memos_rpc_requests_total{method=\"memos.ingest.v1.IngestService/AddMemories\",code=\"ok\"}"]
                ),
                (
                    ports[5],
                    ["memos_rpc_duration_seconds_bucket", "memos_index_cubes", "memos_db_call_duration_seconds"]
                ),
                (ports[6], ["memos.accounts.v1.AccountsService/WhoAmI", "memos_db_connections_in_use"]),
            ] {
                let (status, text) = try await MemosBinary.get(port, "/metrics")
                #expect(status == .ok)
                for series in wanted {
                    #expect(text.contains(series), "\(series) missing from:\n\(text.prefix(3_000))")
                }
            }

            // A service that dies (kill -9, as a crash would) is started again; the others keep serving meanwhile.
            let retrievalArguments = ["retrieval", "--port", "\(ports[2])", "--metrics-port", "\(ports[5])"]
            let retrieval = try #require(MemosBinary.childProcess(arguments: retrievalArguments))
            kill(retrieval, SIGKILL)
            #expect(try await MemosBinary.get(ports[0], "/v1/cubes/dev/jobs", key: key).0 == .ok)
            var searchable = false
            for _ in 0..<300 where !searchable {
                searchable =
                    (try? await MemosBinary.get(
                        ports[0],
                        "/v1/search",
                        key: key,
                        body: #"{"cube_ids": ["dev"], "query": "cat"}"#
                    ))?.0 == .ok
                if !searchable { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(searchable)
            #expect(MemosBinary.childProcess(arguments: retrievalArguments) != retrieval)

            // SIGTERM: every process shuts down gracefully and the supervisor exits cleanly.
            kill(process.processIdentifier, SIGTERM)
            for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            try #require(!process.isRunning)
            #expect(process.terminationStatus == 0)
            #expect((try? await MemosBinary.get(ports[0], "/healthz")) == nil)
        }
    }
}

/// The gateway as a pure front: the `memos gateway` process, given no database URL, serves every route through the
/// services (here the test's in-process stack) over gRPC.
@Suite("memos gateway runs without a database")
struct GatewayProcessTests {
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: MemosBinary.url.path),
            "build the memos product first"
        )
    )
    func noDatabaseURL() async throws {
        try await TestStack.run(transport: .tcp) { stack in
            let port = try MemosBinary.freePort()
            let process = Process()
            process.executableURL = MemosBinary.url
            process.arguments = ["gateway", "--port", "\(port)"]
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MEMOS_") }
            environment["MEMOS_INGEST_ADDR"] = "127.0.0.1:\(stack.ingestPort)"
            environment["MEMOS_RETRIEVAL_ADDR"] = "127.0.0.1:\(stack.retrievalPort)"
            environment["MEMOS_SCHEDULER_ADDR"] = "127.0.0.1:\(stack.schedulerPort)"
            environment["MEMOS_LOG_LEVEL"] = "warning"
            process.environment = environment
            try process.run()
            defer {
                process.terminate()
                process.waitUntilExit()
            }
            var ready = false
            for _ in 0..<100 where !ready {
                if let (status, _) = try? await MemosBinary.get(port, "/readyz"), status == .ok {
                    ready = true
                } else {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(ready, "the gateway never answered /readyz 200")
            let (cubes, body) = try await MemosBinary.get(port, "/v1/cubes", key: stack.alice.key)
            #expect(cubes == .ok)
            #expect(body.contains(stack.alice.cubeID))
            let (added, _) = try await MemosBinary.get(
                port,
                "/v1/memories",
                key: stack.alice.key,
                body: #"{"cube_id": "\#(stack.alice.cubeID)", "content": "the gateway needs no database"}"#
            )
            #expect(added == .ok)
            let (stranger, _) = try await MemosBinary.get(port, "/v1/cubes", key: "mk_not-a-key")
            #expect(stranger == .unauthorized)
            let (metrics, text) = try await MemosBinary.get(port, "/metrics")
            #expect(metrics == .ok && text.contains("memos_http_requests_total"))
        }
    }
}
