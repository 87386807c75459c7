/// When the database calls made for the current request must have finished.
///
/// The RPC layer sets it for every call: a tenth (at least 50 ms) before the client's own gRPC deadline, so that
/// the client hears why, or ``RequestDeadline/serverDefault`` after arrival when that is sooner or the client set
/// none. Background work runs without one and gets the database's own ceiling. A database call still waiting at
/// the deadline is abandoned with `unavailable`, so no request waits forever on a connection that will never
/// answer.
public enum RequestDeadline {
    /// The deadline of a request that did not bring its own, and the longest any request gets.
    public static let serverDefault: Duration = .seconds(30)

    /// The deadline of a request that arrived now with the client's `timeout` (nil: none).
    public static func forRequest(
        arrivingAt now: ContinuousClock.Instant,
        clientTimeout timeout: Duration?
    ) -> ContinuousClock.Instant {
        guard let timeout else { return now.advanced(by: Self.serverDefault) }
        let margin = max(.milliseconds(50), timeout / 10)
        return now.advanced(by: min(Self.serverDefault, max(.zero, timeout - margin)))
    }

    /// A gRPC `grpc-timeout` header value (`15S`, `250m`, `1000000u` ...): at most 8 digits and a unit.
    public static func parseGRPCTimeout(_ value: String) -> Duration? {
        guard let unit = value.last, value.count >= 2, value.count <= 9, let amount = Int64(value.dropLast()),
            amount >= 0
        else {
            return nil
        }
        switch unit {
        case "H": return .seconds(amount * 3_600)
        case "M": return .seconds(amount * 60)
        case "S": return .seconds(amount)
        case "m": return .milliseconds(amount)
        case "u": return .microseconds(amount)
        case "n": return .nanoseconds(amount)
        default: return nil
        }
    }

    @TaskLocal public static var current: ContinuousClock.Instant?
}
