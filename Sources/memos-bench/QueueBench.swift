import ArgumentParser
import Foundation
import Logging
import MemOSCore
import MemOSPostgres
import MemOSScheduler
import Synchronization

/// The job queue with no-op jobs: throughput with 1 and 4 workers, and the delay from enqueue to start when idle.
struct QueueBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Job queue throughput (no-op jobs) and enqueue-to-start latency, against PostgreSQL."
    )

    @Option(help: "PostgreSQL server URL; a fresh database is made and dropped (env MEMOS_DATABASE_URL).")
    var databaseURL: String?
    @Option(help: "No-op jobs per throughput run.")
    var jobs = 2_000
    @Option(help: "Cubes the jobs are spread over.")
    var cubes = 20
    @Option(help: "Single jobs timed from enqueue to start.")
    var latencySamples = 200
    @Option(help: "Write the figures as JSON to this file too.")
    var json: String?

    /// Counts the jobs it runs and notes when each started.
    final class Noop: JobHandler {
        let started = Mutex<[UUID: ContinuousClock.Instant]>([:])

        func run(_ job: ClaimedJob) async throws -> JobResult {
            self.started.withLock { $0[job.job.id] = .now }
            return JobResult()
        }
    }

    func run() async throws {
        guard let url = self.databaseURL ?? ProcessInfo.processInfo.environment["MEMOS_DATABASE_URL"] else {
            throw ValidationError(
                "pass --database-url or set MEMOS_DATABASE_URL (scripts/local-postgres.sh prints one)"
            )
        }
        var logger = Logger(label: "memos.bench")
        logger.logLevel = .error
        let server = try DatabaseConfiguration(url: url, maxConnections: 12)
        let figures = try await BenchStack.withScratchDatabase(server: server, logger: logger) { configuration in
            try await self.measure(configuration, logger: logger)
        }
        self.report(figures)
    }

    func measure(_ configuration: DatabaseConfiguration, logger: Logger) async throws -> [String: Double] {
        var figures: [String: Double] = [:]
        try await Database.withPool(configuration, logger: logger) { database in
            try await Migrator(database: database).migrate()
            let queue = PostgresJobStore(database: database)
            for workers in [1, 4] {
                for index in 0..<self.jobs {
                    _ = try await queue.enqueue(NewJob(cubeID: "cube\(index % self.cubes)", kind: "noop"))
                }
                let handler = Noop()
                let start = ContinuousClock.now
                try await Self.withPool(queue, handler, workers: workers, logger: logger) {
                    while try await queue.countsByStatus(cubeIDs: (0..<self.cubes).map { "cube\($0)" })[
                        .completed,
                        default: 0
                    ]
                        < self.jobs * (workers == 1 ? 1 : 2)
                    {
                        try await Task.sleep(for: .milliseconds(20))
                        LoCoMoBench.progress(
                            "\(workers) worker(s): \(handler.started.withLock(\.count))/\(self.jobs) jobs"
                        )
                    }
                }
                figures["jobs_per_second_\(workers)_workers"] =
                    Double(self.jobs) / LoCoMoBench.seconds(ContinuousClock.now - start)
            }

            // Idle pool: enqueue one job at a time and time until its handler starts.
            let handler = Noop()
            var delays: [Double] = []
            try await Self.withPool(queue, handler, workers: 2, logger: logger) {
                try await Task.sleep(for: .milliseconds(300))
                for sample in 0..<self.latencySamples {
                    let enqueued = ContinuousClock.now
                    let job = try await queue.enqueue(NewJob(cubeID: "latency", kind: "noop"))
                    while handler.started.withLock({ $0[job.id] }) == nil {
                        try await Task.sleep(for: .microseconds(200))
                    }
                    delays.append(EmbedderBench.milliseconds(handler.started.withLock { $0[job.id]! } - enqueued))
                    LoCoMoBench.progress("latency: \(sample + 1)/\(self.latencySamples)")
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            delays.sort()
            figures["enqueue_to_start_p50_ms"] = delays[delays.count / 2]
            figures["enqueue_to_start_p99_ms"] = delays[min(delays.count - 1, delays.count * 99 / 100)]
        }
        LoCoMoBench.progress("")
        return figures
    }

    func report(_ figures: [String: Double]) {
        let machine = Machine.describe()
        print(
            """
            Job queue on \(machine), \(Date().formatted(.iso8601)); \(self.jobs) no-op jobs over \(self.cubes) cubes
            | workload | figure |
            |---|---|
            | 1 worker | \(String(format: "%.0f", figures["jobs_per_second_1_workers"]!)) jobs/s |
            | 4 workers | \(String(format: "%.0f", figures["jobs_per_second_4_workers"]!)) jobs/s |
            | enqueue to start, idle pool (NOTIFY), p50 / p99 | \(String(format: "%.2f", figures["enqueue_to_start_p50_ms"]!)) / \(String(format: "%.2f", figures["enqueue_to_start_p99_ms"]!)) ms |
            """
        )
        if let path = self.json {
            var output: [String: Any] = figures
            output["machine"] = machine
            output["date"] = ISO8601DateFormatter().string(from: Date())
            try? JSONSerialization.data(withJSONObject: output, options: [.prettyPrinted, .sortedKeys]).write(
                to: URL(fileURLWithPath: path)
            )
        }
    }

    /// Runs a worker pool for the duration of `body`.
    static func withPool(
        _ queue: PostgresJobStore,
        _ handler: Noop,
        workers: Int,
        logger: Logger,
        _ body: () async throws -> Void
    ) async throws {
        let pool = JobWorkerPool(
            configuration: .init(workers: workers, pollInterval: .seconds(1), periodic: [:]),
            queue: queue,
            handlers: ["noop": handler],
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            defer { group.cancelAll() }
            try await body()
        }
    }
}
