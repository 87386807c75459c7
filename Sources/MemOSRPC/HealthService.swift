import GRPCCore
import MemOSProto
import SwiftProtobuf
import Synchronization

/// The standard gRPC health service (`grpc.health.v1.Health`).
///
/// Reports SERVING for the empty service name and for each registered service, until
/// ``markNotServing()`` is called at the start of a graceful shutdown.
public final class HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    private let services: Set<String>
    private let serving = Mutex(true)

    /// - Parameter services: fully qualified names of the services this server hosts.
    public init(services: [String]) {
        self.services = Set(services + [""])
    }

    /// Makes every later check answer NOT_SERVING, so load balancers stop sending calls.
    public func markNotServing() {
        self.serving.withLock { $0 = false }
    }

    private func status(of service: String) -> Grpc_Health_V1_HealthCheckResponse.ServingStatus? {
        guard self.services.contains(service) else { return nil }
        return self.serving.withLock { $0 } ? .serving : .notServing
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
}
