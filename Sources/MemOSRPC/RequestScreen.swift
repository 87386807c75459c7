import Foundation
import MemOSCore
import SwiftProtobuf

/// Checks that hold for every field of every request, before a handler reads it: no string contains a NUL
/// character (PostgreSQL cannot store one), no float or double is NaN or infinite, and every timestamp lies
/// within ``Checked``'s range (0001-01-01 to 9999-12-31).
///
/// Binary protobuf already guarantees valid UTF-8. The walk visits each field once and copies nothing; only a
/// request that fails is encoded again, as JSON, to name the field in the error.
public enum RequestScreen {
    /// - Throws: `invalidArgument` naming the first offending field.
    public static func check<M: SwiftProtobuf.Message>(_ message: M) throws {
        var visitor = Visitor(types: [M.self])
        do {
            try message.traverse(visitor: &visitor)
        } catch let problem as Problem {
            throw MemOSError.invalidArgument(Self.describe(problem, in: message))
        }
    }

    enum Problem: Error {
        case nul
        case nonFinite
        /// The message-typed fields leading to the timestamp: each one's containing type, number and list index.
        case timestamp(trail: [Step])
    }

    struct Step {
        var container: any SwiftProtobuf.Message.Type
        var fieldNumber: Int
        var index: Int?
    }

    private static func describe(_ problem: Problem, in message: some SwiftProtobuf.Message) -> String {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        let object = (try? message.jsonUTF8Data(options: options)).flatMap {
            try? JSONSerialization.jsonObject(with: $0, options: [.fragmentsAllowed])
        }
        switch problem {
        case .timestamp(let trail):
            let path = trail.map { step in
                Self.name(ofField: step.fieldNumber, in: step.container) + (step.index.map { "[\($0)]" } ?? "")
            }.joined(separator: ".")
            return "\(path) must be a time from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z"
        case .nul:
            let path = object.flatMap { Self.path(in: $0, where: { $0.contains("\u{0}") }) } ?? "a string field"
            return "\(path) contains a NUL character (U+0000), which is not allowed in any text"
        case .nonFinite:
            let path = object.flatMap { Self.path(in: $0, where: { ["NaN", "Infinity", "-Infinity"].contains($0) }) }
            return "\(path ?? "a number field") must be a finite number, not NaN or infinity"
        }
    }

    /// The proto name of a message-typed field: decode a message holding only that field, empty, and read its
    /// JSON. (SwiftProtobuf keeps its field names internal.)
    private static func name(ofField fieldNumber: Int, in type: any SwiftProtobuf.Message.Type) -> String {
        var bytes: [UInt8] = []
        var tag = UInt64(truncatingIfNeeded: fieldNumber) << 3 | 2
        while tag >= 0x80 {
            bytes.append(UInt8(tag & 0x7F) | 0x80)
            tag >>= 7
        }
        bytes.append(UInt8(tag))
        bytes.append(0)
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        guard let probe = try? type.init(serializedBytes: bytes), let json = try? probe.jsonUTF8Data(options: options),
            let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any], let name = object.keys.first
        else { return "field \(fieldNumber)" }
        return name
    }

    /// The JSON path (`items[2].content`) of the first string or key that matches.
    private static func path(in value: Any, prefix: String = "", where matches: (String) -> Bool) -> String? {
        switch value {
        case let text as String:
            return matches(text) ? prefix : nil
        case let list as [Any]:
            for (index, element) in list.enumerated() {
                if let found = self.path(in: element, prefix: "\(prefix)[\(index)]", where: matches) { return found }
            }
        case let object as [String: Any]:
            for (key, element) in object.sorted(by: { $0.key < $1.key }) {
                let name = prefix.isEmpty ? key : "\(prefix).\(key)"
                if matches(key) { return "\(name) (a key)" }
                if let found = self.path(in: element, prefix: name, where: matches) { return found }
            }
        default:
            break
        }
        return nil
    }

    private struct Visitor: SwiftProtobuf.Visitor {
        /// The types of the messages being visited, outermost first, and the fields and indexes that led there.
        var types: [any SwiftProtobuf.Message.Type]
        var trail: [Step] = []

        mutating func enter<M: SwiftProtobuf.Message>(_ value: M, fieldNumber: Int, index: Int?) throws {
            self.trail.append(Step(container: self.types[self.types.count - 1], fieldNumber: fieldNumber, index: index))
            if let timestamp = value as? Google_Protobuf_Timestamp,
                Checked.date(seconds: timestamp.seconds, nanos: timestamp.nanos) == nil
            {
                throw Problem.timestamp(trail: self.trail)
            }
            self.types.append(M.self)
            try value.traverse(visitor: &self)
            self.types.removeLast()
            self.trail.removeLast()
        }

        @inline(__always)
        func check(_ text: String) throws {
            if text.utf8.contains(0) { throw Problem.nul }
        }

        mutating func visitSingularDoubleField(value: Double, fieldNumber: Int) throws {
            if !value.isFinite { throw Problem.nonFinite }
        }

        mutating func visitSingularFloatField(value: Float, fieldNumber: Int) throws {
            if !value.isFinite { throw Problem.nonFinite }
        }

        func checkFinite(_ values: [some BinaryFloatingPoint]) throws {
            if values.contains(where: { !$0.isFinite }) { throw Problem.nonFinite }
        }

        mutating func visitRepeatedFloatField(value: [Float], fieldNumber: Int) throws { try self.checkFinite(value) }
        mutating func visitPackedFloatField(value: [Float], fieldNumber: Int) throws { try self.checkFinite(value) }
        mutating func visitRepeatedDoubleField(value: [Double], fieldNumber: Int) throws { try self.checkFinite(value) }
        mutating func visitPackedDoubleField(value: [Double], fieldNumber: Int) throws { try self.checkFinite(value) }

        mutating func visitSingularInt64Field(value: Int64, fieldNumber: Int) throws {}
        mutating func visitSingularUInt64Field(value: UInt64, fieldNumber: Int) throws {}
        mutating func visitSingularBoolField(value: Bool, fieldNumber: Int) throws {}
        mutating func visitSingularBytesField(value: Data, fieldNumber: Int) throws {}
        mutating func visitSingularEnumField<E: SwiftProtobuf.Enum>(value: E, fieldNumber: Int) throws {}
        mutating func visitRepeatedInt32Field(value: [Int32], fieldNumber: Int) throws {}
        mutating func visitRepeatedInt64Field(value: [Int64], fieldNumber: Int) throws {}
        mutating func visitPackedInt32Field(value: [Int32], fieldNumber: Int) throws {}
        mutating func visitPackedInt64Field(value: [Int64], fieldNumber: Int) throws {}
        mutating func visitRepeatedEnumField<E: SwiftProtobuf.Enum>(value: [E], fieldNumber: Int) throws {}
        mutating func visitPackedEnumField<E: SwiftProtobuf.Enum>(value: [E], fieldNumber: Int) throws {}
        mutating func visitUnknown(bytes: Data) throws {}

        mutating func visitSingularStringField(value: String, fieldNumber: Int) throws {
            try self.check(value)
        }

        mutating func visitRepeatedStringField(value: [String], fieldNumber: Int) throws {
            for text in value { try self.check(text) }
        }

        mutating func visitSingularMessageField<M: SwiftProtobuf.Message>(value: M, fieldNumber: Int) throws {
            try self.enter(value, fieldNumber: fieldNumber, index: nil)
        }

        mutating func visitRepeatedMessageField<M: SwiftProtobuf.Message>(value: [M], fieldNumber: Int) throws {
            for (index, element) in value.enumerated() {
                try self.enter(element, fieldNumber: fieldNumber, index: index)
            }
        }

        mutating func visitSingularGroupField<G: SwiftProtobuf.Message>(value: G, fieldNumber: Int) throws {
            try self.enter(value, fieldNumber: fieldNumber, index: nil)
        }

        mutating func visitMapField<KeyType, ValueType: MapValueType>(
            fieldType: _ProtobufMap<KeyType, ValueType>.Type,
            value: _ProtobufMap<KeyType, ValueType>.BaseType,
            fieldNumber: Int
        ) throws {
            for (key, element) in value {
                if let key = key as? String { try self.check(key) }
                if let text = element as? String { try self.check(text) }
                if let number = element as? Double, !number.isFinite { throw Problem.nonFinite }
                if let number = element as? Float, !number.isFinite { throw Problem.nonFinite }
            }
        }

        mutating func visitMapField<KeyType, ValueType>(
            fieldType: _ProtobufEnumMap<KeyType, ValueType>.Type,
            value: _ProtobufEnumMap<KeyType, ValueType>.BaseType,
            fieldNumber: Int
        ) throws where ValueType.RawValue == Int {
            for key in value.keys {
                if let key = key as? String { try self.check(key) }
            }
        }

        mutating func visitMapField<KeyType, ValueType>(
            fieldType: _ProtobufMessageMap<KeyType, ValueType>.Type,
            value: _ProtobufMessageMap<KeyType, ValueType>.BaseType,
            fieldNumber: Int
        ) throws {
            for (key, element) in value {
                if let key = key as? String { try self.check(key) }
                try self.enter(element, fieldNumber: fieldNumber, index: nil)
            }
        }

        mutating func visitExtensionFields(fields: ExtensionFieldValueSet, start: Int, end: Int) throws {}
    }
}
