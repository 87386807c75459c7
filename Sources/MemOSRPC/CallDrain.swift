import GRPCCore
import Synchronization

/// The calls a server is running, so that a stopping server lets them finish before it closes its connections.
///
/// HTTP/2's graceful close (GOAWAY) is meant to let open streams finish, but a call in flight when it began was seen
/// cut off (the client heard "stream unexpectedly closed" while the write it carried went on to commit). So a stopping
/// server first refuses new calls (UNAVAILABLE: nothing of them was done), waits for the running ones to answer,
/// and only then closes its connections.
public final class CallDrain: Sendable {
    private struct State {
        var running = 0
        var draining = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Counts a call in, unless the server is stopping.
    func enter() -> Bool {
        self.state.withLock { state in
            guard !state.draining else { return false }
            state.running += 1
            return true
        }
    }

    /// Counts a call out.
    func leave() {
        let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.running -= 1
            guard state.draining, state.running == 0 else { return [] }
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Calls running now.
    public var running: Int { self.state.withLock { $0.running } }

    /// Refuses new calls from now on and returns once the running ones have answered.
    public func drain() async {
        await withCheckedContinuation { continuation in
            let done = self.state.withLock { state -> Bool in
                state.draining = true
                guard state.running > 0 else { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}

/// Counts every call but health checks in ``CallDrain`` while its handler runs; refuses calls once the server
/// is stopping.
struct DrainInterceptor: ServerInterceptor {
    let drain: CallDrain

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        if context.isHealthCheck {
            return try await next(request, context)
        }
        guard self.drain.enter() else {
            throw RPCError(code: .unavailable, message: "the service is stopping; nothing of this call was done: retry")
        }
        // Every RPC of these services is unary: its handler has run when `next` returns, and what is left is
        // writing one message. (Counting until a producer runs would leak a count whenever the client has gone
        // and the transport never runs it.)
        defer { self.drain.leave() }
        return try await next(request, context)
    }
}
