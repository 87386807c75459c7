import Foundation
import HTTPTypes
import HummingbirdTesting
import MemOSCore
import MemOSPostgres
import NIOCore
import Testing

/// The real `memos` binary, as a user runs it: `memos all` starts four processes; SIGTERM stops them.
@Suite("memos all runs the four processes and stops them together")
struct ProcessTests {
    /// The `memos` executable next to the test binary (swift build puts every product in one folder).
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("memos")

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func get(
        _ port: Int,
        _ path: String,
        key: String? = nil,
        body: String? = nil
    ) async throws -> (HTTPResponse.Status, String) {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        let request = TestClient.Request(
            path,
            method: body == nil ? .get : .post,
            headers: headers,
            body: body.map { ByteBuffer(string: $0) }
        )
        // 60 s without a byte, as TestStack's client: the suite's compute-bound tests can starve a stack for long.
        let response = try await TestClient.withClient(
            host: "127.0.0.1",
            port: port,
            configuration: .init(timeout: .seconds(60))
        ) { try await $0.execute(request) }
        return (response.status, response.body.map { String(buffer: $0) } ?? "")
    }

    @Test(
        "memos --version prints the release",
        .enabled(if: FileManager.default.isExecutableFile(atPath: binary.path), "build the memos product first")
    )
    func version() throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["--version"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines) == MemOSVersion.current)
    }

    /// The pid of the process whose command line ends with `arguments`.
    static func childProcess(arguments: [String]) -> pid_t? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = pid_t(entry),
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { continue }
            let parts = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if parts.count > arguments.count, Array(parts.suffix(arguments.count)) == arguments { return pid }
        }
        return nil
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path), "build the memos product first"))
    func allProcesses() async throws {
        try await TestDatabase.withEmptyDatabase { configuration, _ in
            let ports = try (0..<7).map { _ in try Self.freePort() }
            let state = FileManager.default.temporaryDirectory.appendingPathComponent("memos-all-\(UUID())")
            defer { try? FileManager.default.removeItem(at: state) }
            let process = Process()
            process.executableURL = Self.binary
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
                ready = (try? await Self.get(ports[0], "/readyz"))?.0 == .ok
                if !ready { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(ready)
            let key = try String(contentsOf: state.appendingPathComponent("dev-api-key"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)

            let added = try await Self.get(
                ports[0],
                "/v1/memories",
                key: key,
                body: #"{"cube_id": "dev", "content": "The cat is called Miso"}"#
            )
            #expect(added.0 == .ok, "\(added.1)")
            let found = try await Self.get(
                ports[0],
                "/v1/search",
                key: key,
                body: #"{"cube_ids": ["dev"], "query": "cat called", "relativity": 0}"#
            )
            #expect(found.1.contains("Miso"), "\(found.1)")
            // The admin key from MEMOS_ADMIN_KEY authenticates (it owns no cube, so the dev cube is refused).
            let admin = try await Self.get(
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
                let (status, text) = try await Self.get(port, "/metrics")
                #expect(status == .ok)
                for series in wanted {
                    #expect(text.contains(series), "\(series) missing from:\n\(text.prefix(3_000))")
                }
            }

            // A service that dies (kill -9, as a crash would) is started again; the others keep serving meanwhile.
            let retrievalArguments = ["retrieval", "--port", "\(ports[2])", "--metrics-port", "\(ports[5])"]
            let retrieval = try #require(Self.childProcess(arguments: retrievalArguments))
            kill(retrieval, SIGKILL)
            #expect(try await Self.get(ports[0], "/v1/cubes/dev/jobs", key: key).0 == .ok)
            var searchable = false
            for _ in 0..<300 where !searchable {
                searchable =
                    (try? await Self.get(
                        ports[0],
                        "/v1/search",
                        key: key,
                        body: #"{"cube_ids": ["dev"], "query": "cat"}"#
                    ))?.0 == .ok
                if !searchable { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(searchable)
            #expect(Self.childProcess(arguments: retrievalArguments) != retrieval)

            // SIGTERM: every process shuts down gracefully and the supervisor exits cleanly.
            kill(process.processIdentifier, SIGTERM)
            for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            try #require(!process.isRunning)
            #expect(process.terminationStatus == 0)
            #expect((try? await Self.get(ports[0], "/healthz")) == nil)
        }
    }
}

/// The gateway as a pure front: the `memos gateway` process, given no database URL, serves every route through the
/// services (here the test's in-process stack) over gRPC.
@Suite("memos gateway runs without a database")
struct GatewayProcessTests {
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: ProcessTests.binary.path),
            "build the memos product first"
        )
    )
    func noDatabaseURL() async throws {
        try await TestStack.run { stack in
            let port = try ProcessTests.freePort()
            let process = Process()
            process.executableURL = ProcessTests.binary
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
                if let (status, _) = try? await ProcessTests.get(port, "/readyz"), status == .ok {
                    ready = true
                } else {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(ready, "the gateway never answered /readyz 200")
            let (cubes, body) = try await ProcessTests.get(port, "/v1/cubes", key: stack.alice.key)
            #expect(cubes == .ok)
            #expect(body.contains(stack.alice.cubeID))
            let (added, _) = try await ProcessTests.get(
                port,
                "/v1/memories",
                key: stack.alice.key,
                body: #"{"cube_id": "\#(stack.alice.cubeID)", "content": "the gateway needs no database"}"#
            )
            #expect(added == .ok)
            let (stranger, _) = try await ProcessTests.get(port, "/v1/cubes", key: "mk_not-a-key")
            #expect(stranger == .unauthorized)
            let (metrics, text) = try await ProcessTests.get(port, "/metrics")
            #expect(metrics == .ok && text.contains("memos_http_requests_total"))
        }
    }
}
