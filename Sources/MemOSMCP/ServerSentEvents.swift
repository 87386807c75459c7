import Foundation

/// Reads the messages out of a stream of server-sent events, as the SDK's HTTP transport writes them: events
/// separated by a blank line, each message in `data:` lines; events without data (the SDK's priming events) hold no
/// message.
enum ServerSentEvents {
    /// The data of each event that has some, in order.
    static func messages(in bytes: Data) -> [Data] {
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        return text.components(separatedBy: "\n\n").compactMap { event in
            let data = event.split(separator: "\n", omittingEmptySubsequences: false).compactMap { line -> Substring? in
                guard line.hasPrefix("data:") else { return nil }
                let value = line.dropFirst("data:".count)
                return value.hasPrefix(" ") ? value.dropFirst() : value
            }
            let message = data.joined(separator: "\n")
            return message.isEmpty ? nil : Data(message.utf8)
        }
    }
}
