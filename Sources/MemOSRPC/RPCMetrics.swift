import GRPCCore
import Metrics

/// Counts and times every call a service answers, by method and status: `memos_rpc_requests_total{method,code}`
/// and the histogram `memos_rpc_duration_seconds{method}` (to the response's head; for a streaming response, to its
/// start). First in the chain, so refused calls (no key, draining) are counted too. The metrics go to whatever
/// backend the process bootstrapped (Prometheus in `memos`; nothing in tests).
public struct RPCMetricsInterceptor: ServerInterceptor {
    public init() {}

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let method = context.descriptor.fullyQualifiedMethod
        let started = ContinuousClock.now
        let code: String
        defer {
            Counter(label: "memos_rpc_requests_total", dimensions: [("method", method), ("code", code)]).increment()
            Timer(label: "memos_rpc_duration_seconds", dimensions: [("method", method)])
                .record(duration: started.duration(to: .now))
        }
        do {
            let response = try await next(request, context)
            switch response.accepted {
            case .success: code = "ok"
            case .failure(let error): code = "\(error.code)"
            }
            return response
        } catch let error as RPCError {
            code = "\(error.code)"
            throw error
        } catch {
            code = "unknown"
            throw error
        }
    }
}
