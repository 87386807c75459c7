import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One run of a command-line tool under a deadline, with what it prints drained as it comes (so a full pipe
/// never stalls it) and capped.
///
/// The tool is killed (SIGKILL) when the deadline passes, when its standard output passes the cap, or when the
/// calling task is cancelled. The drains and the wait run on Dispatch's threads, not on the task's executor.
struct ToolProcess {
    struct Output {
        /// The exit status, or the signal that ended it when ``signalled``.
        var status: Int32
        var signalled: Bool
        var stdout: Data
        var stderr: Data
        /// Standard output passed the cap and the tool was killed; ``stdout`` holds the cap's worth.
        var overflowed: Bool
        var timedOut: Bool
    }

    /// Bytes of standard error kept; the rest is read and dropped.
    static let maxStderrBytes = 64 * 1_024

    private final class State: Sendable {
        struct Value {
            var stdout = Data()
            var stderr = Data()
            var overflowed = false
            var timedOut = false
            var exited = false
            var pid: Int32 = 0
        }

        let value = Mutex(Value())

        /// Kills the tool unless it has exited (and its process id may have been reused).
        func kill(timedOut: Bool = false) {
            self.value.withLock { value in
                guard !value.exited, value.pid > 0 else { return }
                if timedOut { value.timedOut = true }
                _ = sendSignal(value.pid, SIGKILL)
            }
        }
    }

    /// Runs `executable` with `arguments`, an empty environment but `PATH` and `LC_ALL=C`, and no input.
    static func run(
        _ executable: String,
        _ arguments: [String],
        timeout: Duration,
        maxStdoutBytes: Int
    ) async throws(DocumentError) -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin", "LC_ALL": "C"]
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr

        let state = State()
        let group = DispatchGroup()
        group.enter()
        process.terminationHandler = { _ in
            state.value.withLock { $0.exited = true }
            group.leave()
        }
        do {
            try process.run()
        } catch {
            throw DocumentError(
                reason: .unsupported,
                message: "the server could not start its PDF reader",
                underlying: error
            )
        }
        let pid = process.processIdentifier
        state.value.withLock { $0.pid = pid }

        Self.drain(stdout.fileHandleForReading, group: group) { chunk in
            let overflowed = state.value.withLock { value in
                let room = maxStdoutBytes - value.stdout.count
                value.stdout.append(chunk.prefix(max(room, 0)))
                if chunk.count > room { value.overflowed = true }
                return value.overflowed
            }
            if overflowed { state.kill() }
        }
        Self.drain(stderr.fileHandleForReading, group: group) { chunk in
            state.value.withLock { value in
                value.stderr.append(chunk.prefix(max(Self.maxStderrBytes - value.stderr.count, 0)))
            }
        }
        let timer = DispatchWorkItem { state.kill(timedOut: true) }
        Self.queue.asyncAfter(deadline: .now() + Self.interval(timeout), execute: timer)

        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                group.notify(queue: Self.queue) { continuation.resume() }
            }
        } onCancel: {
            state.kill()
        }
        timer.cancel()

        let signalled = process.terminationReason == .uncaughtSignal
        let status = process.terminationStatus
        return state.value.withLock { value in
            Output(
                status: status,
                signalled: signalled,
                stdout: value.stdout,
                stderr: value.stderr,
                overflowed: value.overflowed,
                timedOut: value.timedOut
            )
        }
    }

    /// The queue of the blocking reads, the timer and the wake-up: a queue of its own, which gets a thread per
    /// blocked read. (The global queues have as many threads as cores on Linux: two parses' reads there would hold
    /// them all, and the timer that kills a tool past its time limit would never run.)
    private static let queue = DispatchQueue(label: "memos.documents.tool-process", attributes: .concurrent)

    /// Reads `handle` to its end on a thread of ``queue``, handing each chunk to `consume`.
    private static func drain(
        _ handle: FileHandle,
        group: DispatchGroup,
        consume: @escaping @Sendable (Data) -> Void
    ) {
        group.enter()
        Self.queue.async {
            while let chunk = try? handle.read(upToCount: 65_536), !chunk.isEmpty {
                consume(chunk)
            }
            try? handle.close()
            group.leave()
        }
    }

    private static func interval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        guard seconds > 0 || attoseconds > 0 else { return .nanoseconds(0) }
        guard seconds < Int64(Int32.max) else { return .seconds(Int(Int32.max)) }
        return .nanoseconds(Int(seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }
}

/// `kill(2)`, named apart from ``ToolProcess``'s own `kill`.
private func sendSignal(_ pid: Int32, _ signal: Int32) -> Int32 {
    kill(pid, signal)
}
