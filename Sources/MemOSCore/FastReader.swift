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

    /// Defaults chosen on LoCoMo: see docs/benchmarks.md ("Retrieval quality (LoCoMo)").
    public init(windowSize: Int = 4, overlap: Int = 0) {
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

    /// The windows of a conversation.
    ///
    /// With a `budget` (the embedder's input limit, in the tokens `count` measures), every window fits it: a
    /// window closes early rather than exceed it, and a turn too long on its own is split at word boundaries
    /// into parts that each fit (every part keeps the turn's message id), so no text is silently cut off.
    public func windows(
        of messages: [StoredMessage],
        budget: Int? = nil,
        count: (String) -> Int? = { _ in nil }
    ) -> [Window] {
        let counted = budget.map { budget in messages.flatMap { Self.split($0, budget: budget, count: count) } }
        let pieces = counted?.map(\.message) ?? messages
        // A window's tokens are its lines' tokens, the special tokens counted once: word pieces never span the
        // line breaks between them (as `split` relies on), so each line is counted once, not once per window
        // that tries it.
        let special = budget == nil ? 0 : count("") ?? 0
        func fits(_ slice: ArraySlice<StoredMessage>) -> Bool {
            guard let budget, let counted else { return true }
            var tokens = special
            for index in slice.indices {
                guard let line = counted[index].tokens else { return true }
                tokens += line - special
            }
            return tokens <= budget
        }
        var windows: [Window] = []
        var start = 0
        while start < pieces.count {
            var end = start + 1
            while end < min(start + self.windowSize, pieces.count), fits(pieces[start...end]) { end += 1 }
            let slice = Array(pieces[start..<end])
            let text = slice.map(Self.line(for:)).joined(separator: "\n")
            let allUser = slice.allSatisfy { $0.message.role.lowercased() == "user" }
            windows.append(Window(messages: slice, text: text, memoryType: allUser ? .userMemory : .longTermMemory))
            if end == pieces.count { break }
            start = max(end - self.overlap, start + 1)
        }
        return windows
    }

    /// The turn as parts whose lines each fit `budget` tokens (the turn itself when it fits or cannot be measured),
    /// each with its line's tokens (nil when they cannot be measured).
    static func split(
        _ stored: StoredMessage,
        budget: Int,
        count: (String) -> Int?
    ) -> [(message: StoredMessage, tokens: Int?)] {
        guard let whole = count(Self.line(for: stored)) else { return [(stored, nil)] }
        guard whole > budget else { return [(stored, whole)] }
        var empty = stored
        empty.message.content = ""
        // Word pieces never span whitespace, so a text's tokens are its words' tokens (less the special tokens
        // each separate count adds) plus the line's prefix.
        let special = count("") ?? 0
        let prefix = count(Self.line(for: empty)) ?? 0
        var parts: [(words: [Substring], tokens: Int)] = [([], prefix)]
        for word in stored.message.content.split(whereSeparator: \.isWhitespace) {
            let cost = max((count(String(word)) ?? 0) - special, 0)
            if parts[parts.count - 1].tokens + cost > budget, !parts[parts.count - 1].words.isEmpty {
                parts.append(([], prefix))
            }
            parts[parts.count - 1].words.append(word)
            parts[parts.count - 1].tokens += cost
        }
        return parts.map { words, tokens in
            var part = stored
            part.message.content = words.joined(separator: " ")
            return (part, tokens)
        }
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
        // The first line that is not empty, measured up to the limit only (a window's first turn, not the window).
        let start = text.firstIndex { !$0.isNewline } ?? text.endIndex
        let line = text[start...].prefix { !$0.isNewline }
        guard let cut = line.index(line.startIndex, offsetBy: maxCharacters, limitedBy: line.endIndex),
            cut < line.endIndex
        else { return String(line) }
        return String(line[..<cut]) + "…"
    }
}
