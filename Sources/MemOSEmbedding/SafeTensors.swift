import Foundation
import MemOSCore

/// The float32 tensors of a `.safetensors` file: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian data.
struct SafeTensors {
    struct Entry: Decodable {
        var dtype: String
        var shape: [Int]
        var data_offsets: [Int]
    }

    private let data: Data
    private let dataStart: Int
    private let entries: [String: Entry]

    init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        guard data.count >= 8 else { throw Self.corrupt("file is shorter than its header") }
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        guard headerLength > 0, 8 + headerLength <= data.count else { throw Self.corrupt("bad header length") }
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any]
        var entries: [String: Entry] = [:]
        for (name, value) in header ?? [:] where name != "__metadata__" {
            let json = try JSONSerialization.data(withJSONObject: value)
            entries[name] = try JSONDecoder().decode(Entry.self, from: json)
        }
        self.data = data
        self.dataStart = 8 + headerLength
        self.entries = entries
    }

    /// A float32 tensor's values, checked against the expected shape.
    func floats(_ name: String, shape: [Int]) throws -> [Float] {
        guard let entry = self.entries[name] else { throw Self.corrupt("tensor '\(name)' is missing") }
        guard entry.dtype == "F32", entry.shape == shape else {
            throw Self.corrupt("tensor '\(name)' is \(entry.dtype) \(entry.shape), expected F32 \(shape)")
        }
        let count = shape.reduce(1, *)
        let start = self.dataStart + entry.data_offsets[0]
        let end = self.dataStart + entry.data_offsets[1]
        guard end - start == count * 4, end <= self.data.count else {
            throw Self.corrupt("tensor '\(name)' has a bad size")
        }
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { target in
            self.data.copyBytes(to: target, from: start..<end)
        }
        // The format is little-endian, as is every platform this runs on.
        return values
    }

    static func corrupt(_ detail: String) -> MemOSError {
        MemOSError(code: .failedPrecondition, message: "model.safetensors is corrupt: \(detail)")
    }
}
