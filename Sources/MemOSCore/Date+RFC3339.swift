import Foundation

extension Date {
    /// Parses an RFC 3339 time with or without fractional seconds (`2026-11-27T08:00:00Z`,
    /// `2026-11-27T08:00:00.123456+00:00`); nil for anything else.
    public init?(rfc3339 text: String) {
        if let date = try? Date(text, strategy: .iso8601) {
            self = date
        } else if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            self = date
        } else {
            return nil
        }
    }
}
