import Foundation
import Logging
import MemOSCore
import Synchronization

/// Counts the memories returned to readers and writes the counts (with the last access time) in one statement
/// every ``interval``, off the request path. Counts not yet written when the process stops abruptly are lost;
/// usage is bookkeeping, not data.
public final class UsageBatcher: Sendable {
    let recorder: any UsageRecorder
    let interval: Duration
    let logger: Logger
    private let pending = Mutex<[UsageKey: Int]>([:])

    public init(recorder: any UsageRecorder, interval: Duration = .seconds(1), logger: Logger) {
        self.recorder = recorder
        self.interval = interval
        self.logger = logger
    }

    /// Counts one access to each memory; returns at once.
    func record(_ memories: some Sequence<UsageKey>) {
        self.pending.withLock { pending in
            for key in memories { pending[key, default: 0] += 1 }
        }
    }

    /// Writes the counts every interval until cancelled, then once more.
    public func run() async {
        while (try? await Task.sleep(for: self.interval)) != nil { await self.flush() }
        await self.flush()
    }

    /// Writes the counts gathered so far; on failure they are kept for the next attempt.
    func flush() async {
        let batch = self.pending.withLock { pending in
            defer { pending = [:] }
            return pending
        }
        guard !batch.isEmpty else { return }
        do {
            try await self.recorder.recordAccess(batch, at: Date())
        } catch {
            self.logger.warning("could not record memory usage; retrying", metadata: ["error": "\(error)"])
            self.pending.withLock { pending in pending.merge(batch, uniquingKeysWith: +) }
        }
    }
}
