import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// The real `memos` executable, run as a user runs it, and what tests that start it need.
enum MemosBinary {
    /// The `memos` executable next to the test binary (swift build puts every product in one folder).
    static let url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
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

    struct Run {
        var status: Int32
        var output: String
        var error: String

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(self.output.utf8)) as? [String: Any]) ?? [:]
        }
    }

    static func run(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> Run {
        let process = Process()
        process.executableURL = Self.url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        return Run(
            status: process.terminationStatus,
            output: String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
            error: String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        )
    }

}
