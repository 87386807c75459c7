import PostgresNIO
import Synchronization

/// The state of one bounded database call (``Database``): its waiting caller, the connection it got, and who
/// finished first.
final class BoundedCall<Result: Sendable>: Sendable {
    struct TimedOut: Error {
        var limit: Duration
    }

    struct ConnectionLost: Error {}

    private struct State {
        var continuation: CheckedContinuation<Result, any Error>?
        var connection: PostgresConnection?
        var work: Task<Void, Never>?
        var finished = false
        /// The error a call given up before it started is answered with.
        var earlyError: (any Error)?
        var onFinish: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    /// Takes the caller's continuation; answers it at once when the call was given up before it started (a task
    /// cancelled already runs its cancellation handler before the operation).
    func start(_ continuation: CheckedContinuation<Result, any Error>) {
        let early = self.state.withLock { state -> (any Error)? in
            if let error = state.earlyError { return error }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(throwing: early) }
    }

    /// The task doing the work, cancelled when the caller is answered first.
    func run(_ work: Task<Void, Never>) {
        let cancelNow = self.state.withLock { state in
            state.work = work
            return state.finished
        }
        if cancelNow { work.cancel() }
    }

    func use(_ connection: PostgresConnection) {
        self.state.withLock { $0.connection = connection }
    }

    /// Runs `action` once the call has finished (at once if it has).
    func onFinish(_ action: @escaping @Sendable () -> Void) {
        let runNow = self.state.withLock { state in
            if state.finished { return true }
            state.onFinish = action
            return false
        }
        if runNow { action() }
    }

    /// The work's own outcome; ignored when the caller was already answered.
    func finish(_ result: Swift.Result<Result, any Error>) {
        let (continuation, action) = self.state.withLock {
            state -> (CheckedContinuation<Result, any Error>?, (@Sendable () -> Void)?) in
            guard !state.finished else { return (nil, nil) }
            state.finished = true
            defer {
                state.continuation = nil
                state.onFinish = nil
            }
            return (state.continuation, state.onFinish)
        }
        action?()
        continuation?.resume(with: result)
    }

    /// Answers the caller with `error` unless the work already did, cancels the work and, when `closing`, closes
    /// its connection (a call that timed out may be stuck on it).
    func giveUp(_ error: any Error, closing: Bool) {
        let (continuation, connection, work, action) = self.state.withLock {
            state -> (
                CheckedContinuation<Result, any Error>?, PostgresConnection?, Task<Void, Never>?,
                (@Sendable () -> Void)?
            ) in
            guard !state.finished else { return (nil, nil, nil, nil) }
            state.finished = true
            if state.continuation == nil { state.earlyError = error }
            defer {
                state.continuation = nil
                state.onFinish = nil
            }
            return (state.continuation, state.connection, state.work, state.onFinish)
        }
        work?.cancel()
        action?()
        continuation?.resume(throwing: error)
        if closing, let connection { _ = connection.close() as EventLoopFuture<Void> }
    }
}
