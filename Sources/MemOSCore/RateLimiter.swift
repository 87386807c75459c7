import Foundation
import Synchronization

/// Token buckets, one per key: each holds up to `burst` tokens, refills at `rate` tokens a second, and a
/// request takes one.
///
/// Memory stays bounded: a bucket that has refilled to full is the same as no bucket, so such buckets are
/// dropped whenever the table has doubled since the last sweep (at least ``sweepThreshold`` entries). The
/// table therefore holds about twice the keys used within the last `burst / rate` seconds at most.
public final class RateLimiter<Key: Hashable & Sendable>: Sendable {
    /// Refill in tokens per second; greater than 0.
    public let rate: Double
    /// Largest number of tokens a bucket holds; at least 1.
    public let burst: Double
    /// Buckets kept before the first sweep for full ones.
    public let sweepThreshold: Int

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private struct State {
        var buckets: [Key: Bucket] = [:]
        var nextSweep: Int
    }

    private let state: Mutex<State>

    public init(rate: Double, burst: Int, sweepThreshold: Int = 10_000) {
        precondition(rate > 0 && burst >= 1, "rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = Double(burst)
        self.sweepThreshold = sweepThreshold
        self.state = Mutex(State(nextSweep: sweepThreshold))
    }

    /// Takes a token for `key`: nil when granted, or else the whole seconds (at least 1) after which one
    /// will be available.
    public func acquire(_ key: Key, now: ContinuousClock.Instant = .now) -> Int? {
        self.state.withLock { state in
            var bucket =
                state.buckets[key].map { self.refilled($0, at: now) } ?? Bucket(tokens: self.burst, updated: now)
            let granted = bucket.tokens >= 1
            if granted { bucket.tokens -= 1 }
            state.buckets[key] = bucket
            if state.buckets.count >= state.nextSweep {
                state.buckets = state.buckets.filter { self.refilled($0.value, at: now).tokens < self.burst }
                state.nextSweep = max(self.sweepThreshold, 2 * state.buckets.count)
            }
            if granted { return nil }
            return max(1, Int(((1 - bucket.tokens) / self.rate).rounded(.up)))
        }
    }

    /// Takes `tokens` more from `key`'s bucket for work a granted request fans out into (one call per cube, say),
    /// going into debt if need be: later requests then wait until the debt is paid back at `rate`.
    public func charge(_ key: Key, tokens: Double, now: ContinuousClock.Instant = .now) {
        guard tokens > 0 else { return }
        self.state.withLock { state in
            var bucket =
                state.buckets[key].map { self.refilled($0, at: now) } ?? Bucket(tokens: self.burst, updated: now)
            bucket.tokens -= tokens
            state.buckets[key] = bucket
        }
    }

    /// Buckets currently held.
    public var count: Int { self.state.withLock { $0.buckets.count } }

    private func refilled(_ bucket: Bucket, at now: ContinuousClock.Instant) -> Bucket {
        let elapsed = now - bucket.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        guard seconds > 0 else { return bucket }
        return Bucket(tokens: min(self.burst, bucket.tokens + seconds * self.rate), updated: now)
    }
}
