import Foundation
import MemOSCore
import Testing

@Suite("Token-bucket rate limiter")
struct RateLimiterTests {
    @Test("grants the burst, then asks to wait whole seconds, and refills at the rate")
    func burstAndRefill() {
        let limiter = RateLimiter<String>(rate: 2, burst: 3)
        let start = ContinuousClock.now
        #expect((0..<3).map { _ in limiter.acquire("k", now: start) } == [nil, nil, nil])
        #expect(limiter.acquire("k", now: start) == 1)
        // Another key has its own bucket.
        #expect(limiter.acquire("other", now: start) == nil)
        // Half a second refills one token at 2 per second.
        #expect(limiter.acquire("k", now: start.advanced(by: .milliseconds(500))) == nil)
        #expect(limiter.acquire("k", now: start.advanced(by: .milliseconds(500))) == 1)
        // Never more than the burst, however long the wait.
        let later = start.advanced(by: .seconds(60))
        #expect((0..<3).map { _ in limiter.acquire("k", now: later) } == [nil, nil, nil])
        #expect(limiter.acquire("k", now: later) != nil)
    }

    @Test("rounds the wait up: a slow rate asks for several seconds")
    func retryAfter() {
        let limiter = RateLimiter<Int>(rate: 0.25, burst: 1)
        let start = ContinuousClock.now
        #expect(limiter.acquire(1, now: start) == nil)
        #expect(limiter.acquire(1, now: start) == 4)
        #expect(limiter.acquire(1, now: start.advanced(by: .seconds(3))) == 1)
        #expect(limiter.acquire(1, now: start.advanced(by: .seconds(4))) == nil)
    }

    @Test("drops buckets that have refilled, so idle keys do not accumulate")
    func eviction() {
        let limiter = RateLimiter<Int>(rate: 10, burst: 5, sweepThreshold: 8)
        let start = ContinuousClock.now
        for key in 0..<7 { _ = limiter.acquire(key, now: start) }
        #expect(limiter.count == 7)
        // A second later every earlier bucket is full again: the sweep at 8 entries keeps only the new one.
        _ = limiter.acquire(100, now: start.advanced(by: .seconds(1)))
        #expect(limiter.count == 1)
        // A key that is still short of tokens survives a sweep.
        let now = start.advanced(by: .seconds(2))
        for _ in 0..<5 { _ = limiter.acquire(200, now: now) }
        for key in 300..<307 { _ = limiter.acquire(key, now: now) }
        #expect(limiter.count <= 8)
        #expect(limiter.acquire(200, now: now) != nil)
    }
}
