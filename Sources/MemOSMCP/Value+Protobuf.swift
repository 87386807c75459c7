import Foundation
import MCP
import MemOSCore
import SwiftProtobuf

extension Value {
    /// A proto message as the HTTP API's JSON shows it (field names in snake_case, enums by name, 64-bit integers as
    /// numbers, default values left out): a tool's `structuredContent`.
    ///
    /// Built through `google.protobuf.Value` rather than `JSONDecoder`, which would read text shaped like a data URL
    /// as binary data.
    init(message: some SwiftProtobuf.Message) throws {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        options.alwaysPrintInt64sAsNumbers = true
        let json = try message.jsonString(options: options)
        self.init(try Google_Protobuf_Value(jsonString: json))
    }

    init(_ proto: Google_Protobuf_Value) {
        switch proto.kind {
        case .nullValue, .none:
            self = .null
        case .boolValue(let bool):
            self = .bool(bool)
        case .numberValue(let number):
            // Whole numbers (counts, change sequence numbers, versions) stay integers.
            if let int = Int(exactly: number), abs(number) < 9_007_199_254_740_992 {
                self = .int(int)
            } else {
                self = .double(number)
            }
        case .stringValue(let string):
            self = .string(string)
        case .listValue(let list):
            self = .array(list.values.map(Value.init))
        case .structValue(let object):
            self = .object(object.fields.mapValues(Value.init))
        }
    }

    /// The value as `google.protobuf.Value`, to read a proto message (a filter) from a tool's JSON argument.
    var protobufValue: Google_Protobuf_Value {
        switch self {
        case .null: Google_Protobuf_Value(nilLiteral: ())
        case .bool(let bool): Google_Protobuf_Value(boolValue: bool)
        case .int(let int): Google_Protobuf_Value(numberValue: Double(int))
        case .double(let double): Google_Protobuf_Value(numberValue: double)
        case .string, .data: Google_Protobuf_Value(stringValue: ToolArguments.text(self) ?? "")
        case .array(let values): Google_Protobuf_Value(listValue: .init(values: values.map(\.protobufValue)))
        case .object(let fields): Google_Protobuf_Value(structValue: .init(fields: fields.mapValues(\.protobufValue)))
        }
    }
}

extension SwiftProtobuf.Message {
    /// The message read from a tool's JSON argument `name` in the HTTP API's JSON form.
    ///
    /// - Throws: `invalidArgument` naming the argument and what is wrong with it.
    init(argument value: [String: Value], name: String) throws {
        do {
            let json = try Value.object(value).protobufValue.jsonString()
            self = try Self(jsonString: json)
        } catch {
            throw MemOSError.invalidArgument("\(name) is not valid: \(error)")
        }
    }
}
