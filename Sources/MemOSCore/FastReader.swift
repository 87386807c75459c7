import Foundation

/// The no-LLM reader: consecutive turns are grouped into windows, and each window becomes one memory whose
/// text is one line per turn, `role: [time]: content`, as MemOS's fast mode writes it.
///
/// A window whose turns are all the user's becomes a UserMemory, any other a LongTermMemory.
public struct FastReader: Sendable {
    /// Turns per window.
    public var windowSize: Int
    /// Turns shared by consecutive windows.
    public var overlap: Int

    /// Defaults chosen on LoCoMo: see docs/benchmarks.md ("Retrieval quality on LoCoMo").
    public init(windowSize: Int = 3, overlap: Int = 0) {
        precondition(windowSize > 0 && overlap >= 0 && overlap < windowSize)
        self.windowSize = windowSize
        self.overlap = overlap
    }

    /// A window: the turns it holds and the memory text made from them.
    public struct Window: Sendable, Hashable {
        public var messages: [StoredMessage]
        public var text: String
        public var memoryType: MemoryType
    }

    public func windows(of messages: [StoredMessage]) -> [Window] {
        var windows: [Window] = []
        var start = 0
        while start < messages.count {
            let end = min(start + self.windowSize, messages.count)
            let slice = Array(messages[start..<end])
            let text = slice.map(Self.line(for:)).joined(separator: "\n")
            let allUser = slice.allSatisfy { $0.message.role.lowercased() == "user" }
            windows.append(Window(messages: slice, text: text, memoryType: allUser ? .userMemory : .longTermMemory))
            if end == messages.count { break }
            start = end - self.overlap
        }
        return windows
    }

    static func line(for stored: StoredMessage) -> String {
        let speaker = stored.message.name.isEmpty ? stored.message.role : stored.message.name
        if let time = stored.message.chatTime {
            return "\(speaker): [\(time.formatted(.iso8601))]: \(stored.message.content)"
        }
        return "\(speaker): \(stored.message.content)"
    }

    /// A short title: the first words of a text, at most `maxCharacters` characters.
    public static func key(for text: String, maxCharacters: Int = 80) -> String {
        let flat = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        if flat.count <= maxCharacters { return flat }
        return String(flat.prefix(maxCharacters)) + "…"
    }
}
