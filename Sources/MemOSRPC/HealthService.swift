import GRPCCore
import MemOSProto
import SwiftProtobuf
import Synchronization

/// The standard gRPC health service (`grpc.health.v1.Health`).
///
/// Reports SERVING for the empty service name and for each registered service while the process's
/// dependencies answered their last probe (its database, probed at most once a second, in the background of the
/// checks), until ``markNotServing()`` is called at the start of a graceful shutdown.
public final class HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    private let services: Set<String>
    private let serving = Mutex(true)
    private let dependenciesReady: (@Sendable () async -> Bool)?
    /// What the last probe of the dependencies found, when it began, and whether one is running: a check answers
    /// from it at once and starts a new probe when it is older than ``probeInterval``, so a check never waits for
    /// the database and frequent checks do not load it.
    private let probe = Mutex<(ready: Bool, at: ContinuousClock.Instant?, running: Bool)>((true, nil, false))
    static let probeInterval: Duration = .seconds(1)

    /// - Parameters:
    ///   - services: fully qualified names of the services this server hosts.
    ///   - dependenciesReady: whether what the services need answers (the database); nil: nothing to probe.
    public init(services: [String], dependenciesReady: (@Sendable () async -> Bool)? = nil) {
        self.services = Set(services + [""])
        self.dependenciesReady = dependenciesReady
    }

    /// Makes every later check answer NOT_SERVING, so load balancers stop sending calls.
    public func markNotServing() {
        self.serving.withLock { $0 = false }
    }

    private func status(of service: String) -> Grpc_Health_V1_HealthCheckResponse.ServingStatus? {
        guard self.services.contains(service) else { return nil }
        guard self.serving.withLock({ $0 }) else { return .notServing }
        return self.dependenciesAnswer() ? .serving : .notServing
    }

    /// The dependencies' state as last probed; starts a probe in the background when that is stale.
    private func dependenciesAnswer() -> Bool {
        guard let probe = self.dependenciesReady else { return true }
        let now = ContinuousClock.now
        let (ready, start) = self.probe.withLock { state in
            let stale = state.at.map { $0.duration(to: now) >= Self.probeInterval } ?? true
            let start = stale && !state.running
            if start {
                state.running = true
                state.at = now
            }
            return (state.ready, start)
        }
        if start {
            Task {
                let answer = await probe()
                self.probe.withLock {
                    $0.ready = answer
                    $0.running = false
                }
            }
        }
        return ready
    }

    public func check(
        request: Grpc_Health_V1_HealthCheckRequest,
        context: ServerContext
    ) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard let status = self.status(of: request.service) else {
            throw RPCError(code: .notFound, message: "unknown service '\(request.service)'")
        }
        return .with { $0.status = status }
    }

    public func watch(
        request: Grpc_Health_V1_HealthCheckRequest,
        response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        var last: Grpc_Health_V1_HealthCheckResponse.ServingStatus?
        while !Task.isCancelled {
            let status = self.status(of: request.service) ?? .serviceUnknown
            if status != last {
                try await response.write(.with { $0.status = status })
                last = status
            }
            try await Task.sleep(for: .seconds(1))
        }
    }
}

extension ServerContext {
    /// Whether the call is to the standard health service, which needs no key and is answered while stopping.
    var isHealthCheck: Bool {
        self.descriptor.service == Grpc_Health_V1_Health.descriptor
    }

    /// Whether the call needs no API key: the health service, and the queue's monitoring figures (they name no
    /// cube and return no content).
    var needsNoKey: Bool {
        self.isHealthCheck || self.descriptor == Memos_Scheduler_V1_SchedulerService.Method.GetQueueMetrics.descriptor
    }
}
