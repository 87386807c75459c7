import ArgumentParser
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle

/// Each service process's metrics: swift-metrics backed by Prometheus, scraped at `GET /metrics` on a port of its
/// own (the gateway serves its `/metrics` on its HTTP port).
enum ProcessMetrics {
    /// The process's registry; the first use makes Prometheus the backend of swift-metrics, so it comes before any
    /// metric is made.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// The scrape endpoint on `port`, or nil when `port` is 0 (turned off).
    /// Turned off, swift-metrics keeps its no-op backend: nothing is counted that nobody reads.
    static func endpoint(host: String, port: Int, logger: Logger) -> (any Service)? {
        guard port != 0 else { return nil }
        let registry = Self.registry
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in
                logger.info("metrics at /metrics", metadata: ["port": "\(channel.localAddress?.port ?? port)"])
            },
            logger: logger
        )
    }
}

/// Where a service process serves its metrics.
struct MetricsOptions: ParsableArguments {
    @Option(help: "Port of GET /metrics (Prometheus); 0 turns it off (env MEMOS_METRICS_PORT).")
    var metricsPort: Int?

    /// The port: the flag, else `MEMOS_METRICS_PORT`, else `defaultPort`.
    func port(default defaultPort: Int) throws -> Int {
        let port = try self.metricsPort ?? Environment.int("MEMOS_METRICS_PORT") ?? defaultPort
        guard (0...65_535).contains(port) else {
            throw ValidationError("the metrics port (MEMOS_METRICS_PORT) must be 0 (off) or a TCP port, not \(port)")
        }
        return port
    }

    /// The scrape endpoint of a service process (see ``ProcessMetrics``).
    func endpoint(host: String, default defaultPort: Int, logger: Logger) throws -> [any Service] {
        ProcessMetrics.endpoint(host: host, port: try self.port(default: defaultPort), logger: logger).map { [$0] }
            ?? []
    }
}
