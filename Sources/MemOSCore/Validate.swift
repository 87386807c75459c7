import Foundation

/// Input checks that name the field and the limit in their error.
///
/// Field names are autoclosures: a request of hundreds of items builds the name `items[i].content` only for the
/// one that fails.
public enum Validate {
    /// Non-empty text of at most `maxBytes` UTF-8 bytes.
    public static func text(_ value: String, field: @autoclosure () -> String, maxBytes: Int) throws {
        // Scans up to the first non-blank character (usually the first), where trimming would copy the text.
        if !value.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) {
            throw MemOSError.invalidArgument("\(field()) must not be empty")
        }
        try self.optionalText(value, field: field(), maxBytes: maxBytes)
    }

    /// Text (possibly empty) of at most `maxBytes` UTF-8 bytes.
    public static func optionalText(_ value: String, field: @autoclosure () -> String, maxBytes: Int) throws {
        let bytes = value.utf8.count
        if bytes > maxBytes {
            throw MemOSError.invalidArgument("\(field()) is \(bytes) bytes; the limit is \(maxBytes) bytes")
        }
    }

    /// A count between `min` and `max`.
    public static func count(_ count: Int, field: @autoclosure () -> String, min: Int = 1, max: Int) throws {
        if count < min {
            throw MemOSError.invalidArgument("\(field()) must have at least \(min) item\(min == 1 ? "" : "s")")
        }
        if count > max {
            throw MemOSError.invalidArgument("\(field()) has \(count) items; the limit is \(max)")
        }
    }

    /// A cube id: 1 to 128 bytes of letters, digits and `-_.:@`, other than `.` and `..` (ids appear in URL paths).
    public static func cubeID(_ value: String, field: @autoclosure () -> String = "cube_id") throws {
        try self.name(value, field: field(), maxBytes: Limits.maxIdentifierBytes, punctuation: "-_.:@")
        if value == "." || value == ".." { throw MemOSError.invalidArgument("\(field()) must not be '.' or '..'") }
    }

    /// A user name: 1 to 64 bytes of letters, digits and `-_.@`, other than `.` and `..` (names appear in URL paths).
    public static func userName(_ value: String, field: @autoclosure () -> String = "name") throws {
        try self.name(value, field: field(), maxBytes: Limits.maxUserNameBytes, punctuation: "-_.@")
        if value == "." || value == ".." { throw MemOSError.invalidArgument("\(field()) must not be '.' or '..'") }
    }

    private static func name(
        _ value: String,
        field: @autoclosure () -> String,
        maxBytes: Int,
        punctuation: String
    ) throws {
        if value.isEmpty { throw MemOSError.invalidArgument("\(field()) is required") }
        try self.optionalText(value, field: field(), maxBytes: maxBytes)
        let allowed = Set(punctuation)
        if !value.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || allowed.contains($0) }) {
            let listed = punctuation.map(String.init).joined(separator: " ")
            throw MemOSError.invalidArgument("\(field()) may contain only ASCII letters, digits and \(listed)")
        }
    }

    /// A UUID in text form.
    public static func uuid(_ value: String, field: @autoclosure () -> String) throws -> UUID {
        guard let id = UUID(uuidString: value) else {
            throw MemOSError.invalidArgument("\(field()) '\(value.prefix(64))' is not a UUID")
        }
        return id
    }

    /// Tags: at most ``Limits/maxTags``, each 1 to ``Limits/maxTagBytes`` bytes.
    public static func tags(_ tags: [String], field: @autoclosure () -> String) throws {
        try self.count(tags.count, field: field(), min: 0, max: Limits.maxTags)
        for (index, tag) in tags.enumerated() {
            try self.text(tag, field: "\(field())[\(index)]", maxBytes: Limits.maxTagBytes)
        }
    }

    /// A JSON object of at most ``Limits/maxInfoBytes`` bytes serialised.
    public static func info(_ info: [String: JSONValue], field: @autoclosure () -> String) throws {
        if info.isEmpty { return }
        let bytes = (try? JSONEncoder().encode(info).count) ?? Int.max
        if bytes > Limits.maxInfoBytes {
            throw MemOSError.invalidArgument(
                "\(field()) is \(bytes) bytes as JSON; the limit is \(Limits.maxInfoBytes) bytes"
            )
        }
    }
}

extension Validate {
    /// 1 to ``Limits/maxIDsPerRequest`` UUIDs in text form.
    public static func uuids(_ values: [String], field: @autoclosure () -> String) throws -> [UUID] {
        try self.count(values.count, field: field(), max: Limits.maxIDsPerRequest)
        return try values.enumerated().map { try self.uuid($0.element, field: "\(field())[\($0.offset)]") }
    }
}
