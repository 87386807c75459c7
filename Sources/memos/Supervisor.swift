import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A child process running one subcommand of this executable; each ``run()`` starts a new process.
final class ChildProcess: Sendable {
    let name: String
    let arguments: [String]
    let environment: [String: String]
    private let process = Mutex<Process?>(nil)

    init(name: String, arguments: [String], environment: [String: String]) {
        self.name = name
        self.arguments = arguments
        self.environment = environment
    }

    /// Starts a process; returns when it exits, with its status.
    func run() async throws -> Int32 {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            self.process.withLock { current in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
                process.arguments = self.arguments
                process.environment = self.environment
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do {
                    try process.run()
                    current = process
                } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Asks the running process to shut down gracefully.
    func terminate() {
        self.process.withLock { process in
            if let process, process.isRunning { kill(process.processIdentifier, SIGTERM) }
        }
    }
}

/// Runs the children together. A child that dies on its own (a crash, say) is started again after a pause that
/// doubles from half a second to ten, so one failing process does not take the others down; a child that dies
/// ``maxRestarts`` times within ``restartWindow`` stops them all. A shutdown signal stops every child.
struct Supervisor: Service {
    let children: [ChildProcess]
    let readyPorts: [Int]
    let banner: String
    let logger: Logger
    var maxRestarts = 5
    var restartWindow: Duration = .seconds(60)

    struct ChildExited: Error, CustomStringConvertible {
        var name: String
        var status: Int32
        var description: String { "process '\(self.name)' exited with status \(self.status)" }
    }

    func run() async throws {
        let stopping = StopFlag()
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: ChildExited?.self) { group in
                for child in self.children {
                    group.addTask { try await self.supervise(child, stopping: stopping) }
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
                    // A child that gave up brings the others down; during shutdown exits are expected.
                    if failure == nil, !stopping.isSet {
                        failure = exited
                        self.logger.error("\(exited) too often; stopping the others")
                        stopping.set()
                        for child in self.children { child.terminate() }
                    }
                }
                group.cancelAll()
                if let failure { throw failure }
            }
        } onGracefulShutdown: {
            stopping.set()
            for child in self.children { child.terminate() }
        }
    }

    final class StopFlag: Sendable {
        private let value = Mutex(false)
        var isSet: Bool { self.value.withLock { $0 } }
        func set() { self.value.withLock { $0 = true } }
    }

    /// Runs `child` until shutdown, restarting it when it dies; returns its last exit when it died too often.
    private func supervise(_ child: ChildProcess, stopping: StopFlag) async throws -> ChildExited? {
        let clock = ContinuousClock()
        var exits: [ContinuousClock.Instant] = []
        var pause: Duration = .milliseconds(500)
        while true {
            let status = try await child.run()
            if stopping.isSet { return ChildExited(name: child.name, status: status) }
            let now = clock.now
            exits = exits.filter { $0.duration(to: now) < self.restartWindow } + [now]
            if exits.count > self.maxRestarts { return ChildExited(name: child.name, status: status) }
            self.logger.error(
                "process exited on its own; restarting it",
                metadata: ["process": "\(child.name)", "status": "\(status)", "pause": "\(pause)"]
            )
            try await Task.sleep(for: pause)
            if stopping.isSet { return nil }
            pause = min(pause * 2, .seconds(10))
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
