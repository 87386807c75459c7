import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A child process running one subcommand of this executable.
final class ChildProcess: Sendable {
    let name: String
    private let process: Mutex<Process>

    init(name: String, arguments: [String], environment: [String: String]) {
        self.name = name
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = arguments
        process.environment = environment
        self.process = Mutex(process)
    }

    /// Starts the process; returns when it exits, with its status.
    func run() async throws -> Int32 {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            self.process.withLock { process in
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do {
                    try process.run()
                } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Asks the process to shut down gracefully.
    func terminate() {
        self.process.withLock { process in
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        }
    }
}

/// Runs the children together: when one exits or a shutdown signal comes, all are stopped.
struct Supervisor: Service {
    let children: [ChildProcess]
    let readyPorts: [Int]
    let banner: String
    let logger: Logger

    struct ChildExited: Error, CustomStringConvertible {
        var name: String
        var status: Int32
        var description: String { "process '\(self.name)' exited with status \(self.status)" }
    }

    func run() async throws {
        let stopping = Mutex(false)
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: ChildExited?.self) { group in
                for child in self.children {
                    group.addTask { ChildExited(name: child.name, status: try await child.run()) }
                }
                group.addTask {
                    for port in self.readyPorts { try await Self.waitForPort(port) }
                    FileHandle.standardOutput.write(Data(self.banner.utf8))
                    return nil
                }
                var failure: ChildExited?
                var running = self.children.count
                while running > 0, let result = try await group.next() {
                    guard let exited = result else { continue }
                    running -= 1
                    // A child that exits on its own brings the others down; during shutdown exits are expected.
                    if failure == nil, !stopping.withLock({ $0 }) {
                        failure = exited
                        self.logger.error("\(exited); stopping the others")
                        self.children.forEach { $0.terminate() }
                    }
                }
                group.cancelAll()
                if let failure { throw failure }
            }
        } onGracefulShutdown: {
            stopping.withLock { $0 = true }
            self.children.forEach { $0.terminate() }
        }
    }

    /// Returns once something accepts TCP connections on 127.0.0.1:port.
    static func waitForPort(_ port: Int) async throws {
        while true {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            close(fd)
            if connected { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
