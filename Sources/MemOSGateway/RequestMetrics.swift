import Synchronization

/// The gateway's requests since it started, for `/metrics`: a count by method, route and status, and a latency
/// histogram by method and route (the time to the response's head; a streamed body is not included).
///
/// Routes are the router's patterns (`/v1/cubes/{cube_id}/memories`), and requests no route matched share the
/// route `unmatched`, so the number of series is bounded by the number of routes.
final class RequestMetrics: Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct Endpoint: Hashable {
        var method: String
        var route: String
    }

    struct Figures {
        var statuses: [Int: Int] = [:]
        /// Requests at or under each bucket's bound (not cumulative here; summed when printed).
        var buckets = [Int](repeating: 0, count: RequestMetrics.buckets.count)
        var count = 0
        var sum = 0.0
    }

    private let figures = Mutex<[Endpoint: Figures]>([:])

    func record(method: String, route: String?, status: Int, seconds: Double) {
        let endpoint = Endpoint(method: method, route: route.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched")
        self.figures.withLock { figures in
            var entry = figures[endpoint, default: Figures()]
            entry.statuses[status, default: 0] += 1
            if let bucket = Self.buckets.firstIndex(where: { seconds <= $0 }) { entry.buckets[bucket] += 1 }
            entry.count += 1
            entry.sum += seconds
            figures[endpoint] = entry
        }
    }

    /// The Prometheus text exposition: `memos_http_requests_total` and `memos_http_request_duration_seconds`.
    var prometheus: String {
        let figures = self.figures.withLock { $0 }.sorted {
            ($0.key.route, $0.key.method) < ($1.key.route, $1.key.method)
        }
        var lines = [
            "# HELP memos_http_requests_total Requests the gateway answered, by method, route and status.",
            "# TYPE memos_http_requests_total counter",
        ]
        for (endpoint, entry) in figures {
            for (status, count) in entry.statuses.sorted(by: { $0.key < $1.key }) {
                lines.append("memos_http_requests_total{\(endpoint.labels),status=\"\(status)\"} \(count)")
            }
        }
        lines += [
            "# HELP memos_http_request_duration_seconds Time from a request to its response's head, by method and route.",
            "# TYPE memos_http_request_duration_seconds histogram",
        ]
        for (endpoint, entry) in figures {
            var cumulative = 0
            for (bound, count) in zip(Self.buckets, entry.buckets) {
                cumulative += count
                lines.append(
                    "memos_http_request_duration_seconds_bucket{\(endpoint.labels),le=\"\(bound)\"} \(cumulative)"
                )
            }
            lines.append("memos_http_request_duration_seconds_bucket{\(endpoint.labels),le=\"+Inf\"} \(entry.count)")
            lines.append("memos_http_request_duration_seconds_sum{\(endpoint.labels)} \(entry.sum)")
            lines.append("memos_http_request_duration_seconds_count{\(endpoint.labels)} \(entry.count)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension RequestMetrics.Endpoint {
    /// Route patterns hold no quote or backslash, so they need no escaping.
    var labels: String { "method=\"\(self.method)\",route=\"\(self.route)\"" }
}
