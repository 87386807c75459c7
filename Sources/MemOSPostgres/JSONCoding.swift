import Foundation
import MemOSCore

/// JSON coding for jsonb columns: dates as RFC 3339 with or without fractional seconds.
enum JSONCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = Date(rfc3339: text) { return date }
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "bad date \(text)")
            )
        }
        return decoder
    }()

    static func string(_ value: some Encodable) throws -> String {
        String(decoding: try self.encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try self.decoder.decode(type, from: Data(text.utf8))
    }
}

/// The values of one jsonb column in a bulk statement: each distinct value is encoded once, and read back once
/// from its encoding (so that it equals what a later read returns, e.g. dates in whole seconds).
struct JSONColumn<Value: Codable & Hashable> {
    private var texts: [Value: String] = [:]
    private var readBack: [Value: Value] = [:]

    /// The JSON text of `value`.
    mutating func encode(_ value: Value) throws -> String {
        if let text = self.texts[value] { return text }
        let text = try JSONCoding.string(value)
        self.texts[value] = text
        return text
    }

    /// `value` as stored: decoded from its JSON text.
    mutating func decoded(_ value: Value) throws -> Value {
        if let stored = self.readBack[value] { return stored }
        let stored = try JSONCoding.decode(Value.self, from: try self.encode(value))
        self.readBack[value] = stored
        return stored
    }
}

extension Source {
    /// Whether this source reads back from its JSON as it is (its time, if any, in whole seconds, as JSON keeps
    /// it), so that a write need not decode it again (``JSONColumn/decoded(_:)``).
    var isExactInJSON: Bool {
        guard let time = self.chatTime?.timeIntervalSince1970 else { return true }
        return time.rounded(.down) == time
    }
}
