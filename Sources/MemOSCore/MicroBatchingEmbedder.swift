import Synchronization

/// Embeds concurrent small requests that arrive together as one batch.
///
/// The first request to arrive waits up to ``maxWait`` for others, then embeds all of them in one call of the
/// wrapped embedder and hands each caller its own vectors. Requests of ``maxBatch`` texts or more go straight
/// through. A failure of the shared call fails every request in it.
public final class MicroBatchingEmbedder: Embedder {
    public let base: any Embedder
    public let maxWait: Duration
    public let maxBatch: Int
    public var modelID: String { self.base.modelID }
    public var dimension: Int { self.base.dimension }
    public var maxInputTokens: Int? { self.base.maxInputTokens }
    public func tokenCount(_ text: String) -> Int? { self.base.tokenCount(text) }

    private struct Waiting {
        var texts: [String]
        var promise: Promise<[[Float]]>
    }

    private struct State {
        var waiting: [Waiting] = []
        var collecting = false
    }

    private let state = Mutex(State())

    public init(base: any Embedder, maxWait: Duration = .milliseconds(1), maxBatch: Int = 32) {
        self.base = base
        self.maxWait = maxWait
        self.maxBatch = maxBatch
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        if texts.count >= self.maxBatch || texts.isEmpty { return try await self.base.embed(texts) }
        let promise = Promise<[[Float]]>()
        let leads = self.state.withLock { state in
            state.waiting.append(Waiting(texts: texts, promise: promise))
            if state.collecting { return false }
            state.collecting = true
            return true
        }
        if leads {
            try? await Task.sleep(for: self.maxWait)
            let batch = self.state.withLock { state in
                defer {
                    state.waiting = []
                    state.collecting = false
                }
                return state.waiting
            }
            do {
                let vectors = try await self.base.embed(batch.flatMap(\.texts))
                var offset = 0
                for waiting in batch {
                    waiting.promise.fulfil(.success(Array(vectors[offset..<(offset + waiting.texts.count)])))
                    offset += waiting.texts.count
                }
            } catch {
                for waiting in batch { waiting.promise.fulfil(.failure(error)) }
            }
        }
        return try await promise.value()
    }
}

/// A value delivered once, awaited by one task.
final class Promise<Value: Sendable>: Sendable {
    private struct State {
        var result: Result<Value, any Error>?
        var waiter: CheckedContinuation<Value, any Error>?
    }

    private let state = Mutex(State())

    func fulfil(_ result: Result<Value, any Error>) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Value, any Error>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.result = result
            return nil
        }
        waiter?.resume(with: result)
    }

    func value() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let ready = self.state.withLock { state -> Result<Value, any Error>? in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
