import Foundation
import Logging
import MemOSCore
import Metrics
import ServiceLifecycle
import Synchronization

/// Runs one kind of job.
public protocol JobHandler: Sendable {
    /// Does the job's work. Throwing fails the attempt (retried after a backoff, or dead after the last one).
    ///
    /// The work must be safe to repeat: a worker that dies after the work committed but before the job was
    /// marked completed leaves the job to run again (handlers make their writes idempotent by the job id).
    func run(_ job: ClaimedJob) async throws -> JobResult
}

/// What a finished job records.
public struct JobResult: Sendable, Hashable {
    public var result: [String: JSONValue]
    public var memoryIDs: [UUID]

    public init(result: [String: JSONValue] = [:], memoryIDs: [UUID] = []) {
        self.result = result
        self.memoryIDs = memoryIDs
    }
}

/// Workers that claim jobs from the PostgreSQL queue and run them.
///
/// Each worker claims one job at a time under a lease (``Configuration/lease``) and renews it every third of
/// the lease; when a renewal fails (the job was cancelled, or the lease expired and another worker took it)
/// the work is cancelled. A failed attempt is retried after an exponential backoff with jitter; after the
/// job's last attempt it is `dead` with its error kept. Idle workers wake on the queue's NOTIFY and, should a
/// notification be missed, poll every ``Configuration/pollInterval``. Any number of pools, in any number of
/// processes, may share one queue. On graceful shutdown, workers finish the job in hand and stop.
public struct JobWorkerPool: Service {
    /// - `workers` (`MEMOS_SCHEDULER_WORKERS`, default 2): jobs run at once in this process.
    /// - `lease` (default 10 s): how long a job stays held without a heartbeat before others may take it. Renewed
    ///   every third of it, so a worker that died frees its job within about 10 s (plus a poll interval), while
    ///   two missed renewals (a database hiccup of several seconds) do not lose it. A worker that stops gracefully
    ///   gives its job back at once (``JobStore/release(_:)``).
    /// - `pollInterval` (default 1 s): the longest an idle worker waits without a notification.
    /// - `initialBackoff` (default 1 s) doubles per attempt up to `maxBackoff` (default 5 min), times a
    ///   random factor in 0.5...1 (jitter), before a failed job runs again.
    /// - `periodic`: system jobs queued at start and then every interval, unless one is already pending
    ///   (default: a lifecycle sweep every 5 minutes).
    public struct Configuration: Sendable {
        public var workers: Int
        public var lease: Duration
        public var pollInterval: Duration
        public var initialBackoff: Duration
        public var maxBackoff: Duration
        public var periodic: [String: Duration]

        public init(
            workers: Int = 2,
            lease: Duration = .seconds(10),
            pollInterval: Duration = .seconds(1),
            initialBackoff: Duration = .seconds(1),
            maxBackoff: Duration = .seconds(300),
            periodic: [String: Duration] = [JobKind.lifecycleSweep: .seconds(300)]
        ) {
            self.workers = workers
            self.lease = lease
            self.pollInterval = pollInterval
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.periodic = periodic
        }

        /// The delay before attempt `attempts + 1`, with jitter.
        func backoff(afterAttempt attempts: Int) -> Duration {
            let exponential = self.initialBackoff * (1 << min(max(attempts - 1, 0), 20))
            return min(exponential, self.maxBackoff) * Double.random(in: 0.5...1.0)
        }
    }

    let configuration: Configuration
    let queue: any JobStore
    let handlers: [String: any JobHandler]
    let name: String
    let logger: Logger

    /// - Parameter name: identifies this process in leases (`<name>/<worker>`); make it unique per process.
    public init(
        configuration: Configuration = Configuration(),
        queue: any JobStore,
        handlers: [String: any JobHandler],
        name: String = "scheduler-\(ProcessInfo.processInfo.processIdentifier)-\(UUID.random().uuidString.prefix(8))",
        logger: Logger
    ) {
        self.configuration = configuration
        self.queue = queue
        self.handlers = handlers
        self.name = name
        self.logger = logger
    }

    public func run() async throws {
        let signal = WakeUpSignal()
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.listen(signal) }
                group.addTask { await self.measureQueue() }
                for (kind, interval) in self.configuration.periodic where self.handlers[kind] != nil {
                    group.addTask { await self.repeatedly(queue: kind, every: interval) }
                }
                await withDiscardingTaskGroup { workers in
                    for index in 0..<self.configuration.workers {
                        workers.addTask { await self.work(owner: "\(self.name)/\(index)", signal: signal) }
                    }
                }
                // The workers have stopped: nobody is left to wake.
                group.cancelAll()
            }
        } onGracefulShutdown: {
            signal.stop()
        }
    }

    /// Keeps a LISTEN connection open, re-opening it after failures, until cancelled.
    func listen(_ signal: WakeUpSignal) async {
        while !Task.isCancelled {
            do {
                try await self.queue.notifications { signal.wakeAll() }
            } catch {
                if Task.isCancelled { return }
                self.logger.warning(
                    "job notifications interrupted; polling until they resume",
                    metadata: ["error": "\(error)"]
                )
            }
            try? await Task.sleep(for: self.configuration.pollInterval)
        }
    }

    /// Every 15 seconds, the whole queue's depth as `memos_queue_jobs{kind,status}` (every status of every kind seen,
    /// so a status that empties reads 0), until cancelled.
    func measureQueue() async {
        var kinds = Set<String>()
        while !Task.isCancelled {
            if let metrics = try? await self.queue.metrics() {
                kinds.formUnion(metrics.counts.keys)
                for kind in kinds {
                    for status in JobStatus.allCases {
                        Gauge(label: "memos_queue_jobs", dimensions: [("kind", kind), ("status", status.rawValue)])
                            .record(metrics.counts[kind]?[status] ?? 0)
                    }
                }
            }
            try? await Task.sleep(for: .seconds(15))
        }
    }

    /// Queues a system job of `kind` now and every `interval`, until cancelled.
    func repeatedly(queue kind: String, every interval: Duration) async {
        while !Task.isCancelled {
            do {
                _ = try await self.queue.enqueueSystemJob(kind: kind)
            } catch {
                if Task.isCancelled { return }
                self.logger.warning(
                    "could not queue a periodic job",
                    metadata: ["kind": "\(kind)", "error": "\(error)"]
                )
            }
            try? await Task.sleep(for: interval)
        }
    }

    func work(owner: String, signal: WakeUpSignal) async {
        let kinds = Set(self.handlers.keys)
        let clock = ContinuousClock()
        var lastReap = clock.now - self.configuration.pollInterval
        while !Task.isCancelled, !signal.isStopped {
            do {
                // Expired leases are looked for once per poll interval, not before every claim.
                if clock.now - lastReap >= self.configuration.pollInterval {
                    _ = try await self.queue.reapExpiredLeases()
                    lastReap = clock.now
                }
                if let claimed = try await self.queue.claim(owner: owner, kinds: kinds, lease: self.configuration.lease)
                {
                    await self.execute(claimed, signal: signal)
                    continue
                }
            } catch {
                if Task.isCancelled { return }
                self.logger.warning("job queue unavailable", metadata: ["error": "\(error)"])
            }
            await signal.wait(upTo: self.configuration.pollInterval)
        }
    }

    /// Runs a claimed job while renewing its lease, then records the outcome; gives the job back unfinished when
    /// the pool is stopping.
    func execute(_ claimed: ClaimedJob, signal: WakeUpSignal) async {
        let job = claimed.job
        var logger = self.logger
        logger[metadataKey: "job"] = "\(job.id)"
        logger[metadataKey: "kind"] = "\(job.kind)"
        logger[metadataKey: "cube"] = "\(job.cubeID)"
        guard let handler = self.handlers[job.kind] else { return }
        let started = ContinuousClock.now
        // From when the job was due to when a worker took it: how far behind the queue runs.
        Timer(label: "memos_job_wait_seconds", dimensions: [("kind", job.kind)])
            .record(duration: .milliseconds(max(0, Int64(Date().timeIntervalSince(job.runAt) * 1_000))))
        let outcome: Result<JobResult, any Error> = await withTaskGroup(of: Result<JobResult, any Error>?.self) {
            group in
            group.addTask {
                do { return .success(try await handler.run(claimed)) } catch { return .failure(error) }
            }
            group.addTask {
                // nil while the lease holds; a failure when it is lost.
                while !Task.isCancelled {
                    try? await Task.sleep(for: self.configuration.lease / 3)
                    if Task.isCancelled { return nil }
                    let held =
                        (try? await self.queue.heartbeat(claimed, lease: self.configuration.lease, progress: nil))
                        ?? true
                    if !held { return .failure(LeaseLost()) }
                }
                return nil
            }
            group.addTask {
                // The process is stopping: the job goes back to the queue now rather than when its lease expires.
                while !Task.isCancelled {
                    if signal.isStopped { return .failure(Stopping()) }
                    try? await Task.sleep(for: .milliseconds(100))
                }
                return nil
            }
            defer { group.cancelAll() }
            while let next = await group.next() {
                if let next { return next }
            }
            return .failure(CancellationError())
        }
        Timer(label: "memos_job_run_seconds", dimensions: [("kind", job.kind)])
            .record(duration: started.duration(to: .now))
        let outcomeName =
            switch outcome {
            case .success: "completed"
            case .failure(is LeaseLost): "lease_lost"
            case .failure(is Stopping): "given_back"
            case .failure: "failed"
            }
        Counter(label: "memos_jobs_run_total", dimensions: [("kind", job.kind), ("outcome", outcomeName)]).increment()
        do {
            switch outcome {
            case .success(let result):
                if try await !self.queue.complete(claimed, result: result.result, memoryIDs: result.memoryIDs) {
                    logger.info("job finished after its lease was lost; another attempt owns it now")
                }
            case .failure(is LeaseLost):
                logger.info("job lease lost (cancelled or expired); work stopped")
            case .failure(is Stopping):
                let released = try await self.queue.release(claimed)
                logger.notice("stopping: job given back unfinished", metadata: ["released": "\(released)"])
            case .failure(let error):
                let message = (error as? MemOSError)?.message ?? "\(error)"
                let delay = self.configuration.backoff(afterAttempt: job.attempts)
                switch try await self.queue.fail(claimed, error: message, retryAfter: delay) {
                case .retry(let runAt):
                    logger.warning(
                        "job attempt failed; will retry",
                        metadata: ["error": "\(message)", "run_at": "\(runAt)"]
                    )
                case .dead:
                    logger.error("job failed on its last attempt", metadata: ["error": "\(message)"])
                case .leaseLost:
                    logger.info("job failed after its lease was lost", metadata: ["error": "\(message)"])
                }
            }
        } catch {
            logger.warning("could not record the job's outcome; its lease will expire", metadata: ["error": "\(error)"])
        }
    }

    struct LeaseLost: Error {}
    struct Stopping: Error {}
}

/// Wakes waiting workers: each ``wakeAll()`` releases every current waiter, or the next one to wait.
final class WakeUpSignal: Sendable {
    private struct State {
        var stopped = false
        var pending = false
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    func wakeAll() {
        let waiters = self.state.withLock { state in
            let waiters = state.waiters.values
            state.waiters = [:]
            state.pending = waiters.isEmpty
            return Array(waiters)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// True after ``stop()``.
    var isStopped: Bool { self.state.withLock(\.stopped) }

    /// Marks the signal stopped and wakes every waiter.
    func stop() {
        self.state.withLock { $0.stopped = true }
        self.wakeAll()
    }

    /// Returns after a wake-up, `timeout`, or cancellation, whichever comes first.
    func wait(upTo timeout: Duration) async {
        let id = UUID.random()
        let timer = Mutex<Task<Void, Never>?>(nil)
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = self.state.withLock { state in
                    if state.pending || state.stopped {
                        state.pending = false
                        return true
                    }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow {
                    continuation.resume()
                } else {
                    timer.withLock { timer in
                        timer = Task {
                            try? await Task.sleep(for: timeout)
                            self.resume(id)
                        }
                    }
                }
            }
        } onCancel: {
            self.resume(id)
        }
        timer.withLock { $0?.cancel() }
    }

    private func resume(_ id: UUID) {
        self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
    }
}
