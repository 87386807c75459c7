import Foundation

/// Reads Markdown with a line scanner: ATX (`#` … `######`) and setext (`===`, `---` underlined) headings make
/// the section path; a fenced code block (```` ``` ```` or `~~~`) is one block, kept verbatim, and nothing in it
/// is a heading; other blocks are the lines between blank lines, list items and inline markup kept as written.
/// Front matter (`---` … `---` or `+++` … `+++` at the very top) is dropped; its `title:` becomes the title,
/// else the first level-1 heading does.
public struct MarkdownParser: DocumentParser {
    public init() {}

    private struct Fence {
        var marker: Character
        var length: Int
        var lines: [Substring] = []
    }

    public func parse(_ data: Data, limits: DocumentLimits) async throws(DocumentError) -> ParsedDocument {
        try limits.checkSize(of: data.count)
        var lines = try PlainTextParser.lines(of: data)[...]
        var title = Self.dropFrontMatter(&lines)
        var collector = BlockCollector(limits: limits)
        var paragraph: [Substring] = []
        var fence: Fence?

        func flushParagraph() throws(DocumentError) {
            try collector.append(paragraph.joined(separator: "\n"))
            paragraph.removeAll(keepingCapacity: true)
        }
        func heading(_ text: String, level: Int) throws(DocumentError) {
            try flushParagraph()
            try collector.heading(text, level: level)
            if level == 1, title == nil, let text = collector.sectionPath.first { title = text }
        }

        for rawLine in lines {
            let line = PlainTextParser.trimmingTrailingWhitespace(rawLine)
            if let open = fence {
                if let close = Self.fence(line), close.marker == open.marker, close.length >= open.length,
                    close.info.isEmpty
                {
                    try collector.append(open.lines.joined(separator: "\n"))
                    fence = nil
                } else {
                    fence?.lines.append(line)
                }
                continue
            }
            let indent = line.prefix { $0 == " " }.count
            let content = line.drop { $0 == " " || $0 == "\t" }
            if let open = Self.fence(line), open.marker == "~" || !open.info.contains("`") {
                try flushParagraph()
                fence = Fence(marker: open.marker, length: open.length)
            } else if content.isEmpty {
                try flushParagraph()
            } else if indent < 4, let (level, text) = Self.atxHeading(content) {
                try heading(text, level: level)
            } else if indent < 4, let level = Self.setextLevel(content), !paragraph.isEmpty,
                let first = paragraph.first, !Self.isListItemOrQuote(first)
            {
                let text = paragraph.joined(separator: " ")
                paragraph.removeAll(keepingCapacity: true)
                try heading(text, level: level)
            } else if indent < 4, Self.isThematicBreak(content) {
                try flushParagraph()
            } else {
                paragraph.append(line)
            }
        }
        if let open = fence { try collector.append(open.lines.joined(separator: "\n")) }
        try flushParagraph()
        return ParsedDocument(format: .markdown, title: title, blocks: collector.blocks)
    }

    /// Drops front matter at the top of `lines`; answers its `title:` if it has one.
    static func dropFrontMatter(_ lines: inout ArraySlice<Substring>) -> String? {
        guard let first = lines.first.map(PlainTextParser.trimmingTrailingWhitespace), first == "---" || first == "+++"
        else { return nil }
        let closers: Set<Substring> = first == "---" ? ["---", "..."] : ["+++"]
        guard
            let end = lines.dropFirst().firstIndex(where: {
                closers.contains(PlainTextParser.trimmingTrailingWhitespace($0))
            })
        else { return nil }
        var title: String?
        for line in lines[lines.startIndex + 1..<end] {
            let parts = line.split(maxSplits: 1, whereSeparator: { $0 == ":" || $0 == "=" })
            guard parts.count == 2, BlockCollector.trimmed(parts[0]).lowercased() == "title" else { continue }
            let value = BlockCollector.trimmed(parts[1])
            let unquoted = value.count >= 2 && (value.first == "\"" || value.first == "'") && value.last == value.first
            title = unquoted ? String(value.dropFirst().dropLast()) : value
        }
        lines = lines[(end + 1)...]
        return title.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A fence line: three or more backticks or tildes, then an info string.
    static func fence(_ line: Substring) -> (marker: Character, length: Int, info: Substring)? {
        let content = line.drop { $0 == " " || $0 == "\t" }
        guard let marker = content.first, marker == "`" || marker == "~" else { return nil }
        let length = content.prefix { $0 == marker }.count
        guard length >= 3 else { return nil }
        return (marker, length, content.dropFirst(length).drop { $0 == " " || $0 == "\t" })
    }

    /// An ATX heading's level and text: one to six `#`, then a space or the end; a closing run of `#` dropped.
    static func atxHeading(_ content: Substring) -> (Int, String)? {
        let level = content.prefix { $0 == "#" }.count
        guard (1...6).contains(level) else { return nil }
        var text = content.dropFirst(level)
        guard text.isEmpty || text.first == " " || text.first == "\t" else { return nil }
        text = Substring(BlockCollector.trimmed(text))
        let closing = text.reversed().prefix { $0 == "#" }.count
        if closing == text.count {
            text = ""
        } else if closing > 0 {
            let beforeClosing = text.dropLast(closing)
            if beforeClosing.last == " " || beforeClosing.last == "\t" { text = beforeClosing }
        }
        return (level, BlockCollector.trimmed(text))
    }

    /// The level a setext underline gives the paragraph above it: 1 for `=`, 2 for `-`.
    static func setextLevel(_ content: Substring) -> Int? {
        guard let marker = content.first, marker == "=" || marker == "-" else { return nil }
        let run = content.prefix { $0 == marker }
        guard content.dropFirst(run.count).allSatisfy({ $0 == " " || $0 == "\t" }) else { return nil }
        return marker == "=" ? 1 : 2
    }

    /// `***`, `---` or `___` (three or more, spaces allowed between).
    static func isThematicBreak(_ content: Substring) -> Bool {
        guard let marker = content.first, marker == "*" || marker == "-" || marker == "_" else { return false }
        let marks = content.filter { $0 != " " && $0 != "\t" }
        return marks.count >= 3 && marks.allSatisfy { $0 == marker }
    }

    static func isListItemOrQuote(_ line: Substring) -> Bool {
        let content = line.drop { $0 == " " || $0 == "\t" }
        guard let first = content.first else { return false }
        if first == ">" { return true }
        if first == "-" || first == "*" || first == "+" {
            return content.dropFirst().first == " " || content.dropFirst().first == "\t"
        }
        let digits = content.prefix(while: \.isASCII).prefix { $0.isNumber }
        guard !digits.isEmpty, digits.count <= 9 else { return false }
        let after = content.dropFirst(digits.count)
        return (after.first == "." || after.first == ")") && (after.dropFirst().first.map(\.isWhitespace) ?? true)
    }
}
