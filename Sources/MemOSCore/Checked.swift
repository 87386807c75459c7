import Foundation

/// Conversions of numbers a client sent, that answer nil instead of trapping.
///
/// Every number from JSON or protobuf that becomes an integer or a time goes through here. Times are
/// accepted from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z (``Checked/earliestSeconds`` to
/// ``Checked/latestSeconds`` since 1970), the range of RFC 3339 and well inside PostgreSQL's.
public enum Checked {
    /// 0001-01-01T00:00:00Z in seconds since 1970.
    public static let earliestSeconds: Int64 = -62_135_596_800
    /// 9999-12-31T23:59:59Z in seconds since 1970.
    public static let latestSeconds: Int64 = 253_402_300_799

    /// A time from seconds since 1970, when finite and in range.
    public static func date(secondsSince1970 seconds: Double) -> Date? {
        guard seconds.isFinite, seconds >= Double(Self.earliestSeconds),
            seconds <= Double(Self.latestSeconds) + 0.999_999
        else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    /// A time from whole seconds and nanoseconds since 1970 (a protobuf Timestamp), when in range.
    public static func date(seconds: Int64, nanos: Int32) -> Date? {
        guard seconds >= Self.earliestSeconds, seconds <= Self.latestSeconds, (0..<1_000_000_000).contains(nanos) else {
            return nil
        }
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanos) / 1e9)
    }

    /// Whether a time lies in the accepted range.
    public static func isInRange(_ date: Date) -> Bool {
        self.date(secondsSince1970: date.timeIntervalSince1970) != nil
    }

    /// A number's text without a fraction when it is whole (`3` for 3.0), else its shortest decimal form.
    public static func text(_ value: Double) -> String {
        if let integer = Int(exactly: value) { return String(integer) }
        return String(value)
    }
}

extension Checked {
    /// A SQL LIKE pattern as the API defines it: `%` and `_` are wildcards, a backslash escapes the character
    /// after it, and a backslash with nothing special after it (or at the end) stands for itself.
    public static func likePattern(_ pattern: String) -> String {
        var result = ""
        result.reserveCapacity(pattern.utf8.count)
        var escaping = false
        for character in pattern {
            if escaping {
                if character == "%" || character == "_" || character == "\\" {
                    result.append("\\")
                    result.append(character)
                } else {
                    result.append("\\\\")
                    result.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        if escaping { result.append("\\\\") }
        return result
    }
}
