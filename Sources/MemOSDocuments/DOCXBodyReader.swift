import Foundation

/// Reads `word/document.xml`: a block per paragraph (`w:p`) outside tables and per table row (`w:tr`, its cells
/// joined with ` | `); `w:t` is text, `w:tab` a tab, `w:br` and `w:cr` a line break. A paragraph whose style is a
/// heading (by `word/styles.xml`, else by a style id such as "Heading2"), or that has its own outline level,
/// opens a section instead. Deleted and moved-away revisions, the fallback copy of alternate content and old
/// formatting of tracked changes are skipped.
final class DOCXBodyReader: BoundedXMLReader {
    private struct Paragraph {
        var text = ""
        var styleID: String?
        var outlineLevel: Int?
    }

    private static let skipped: Set<Substring> = ["Fallback", "pPrChange", "rPrChange", "moveFrom", "del"]

    private(set) var collector: BlockCollector
    /// The text of the first paragraph styled Title.
    private(set) var titleParagraph: String?
    private let headingLevels: [String: Int]
    private var paragraphs: [Paragraph] = []
    private var rows: [[String]] = []
    private var cells: [String] = []
    private var skipDepth = 0
    private var runDepth = 0
    private var textDepth = 0

    init(limits: DocumentLimits, headingLevels: [String: Int]) {
        self.collector = BlockCollector(limits: limits)
        self.headingLevels = headingLevels
        super.init(part: "document.xml", limits: limits)
    }

    override func start(_ name: Substring, attributes: [Substring: String]) throws(DocumentError) {
        if self.skipDepth > 0 || Self.skipped.contains(name) {
            self.skipDepth += 1
            return
        }
        switch name {
        case "p": self.paragraphs.append(Paragraph())
        case "pStyle": self.editParagraph { $0.styleID = attributes["val"] }
        case "outlineLvl":
            if let level = attributes["val"].flatMap({ Int($0) }), (0...8).contains(level) {
                self.editParagraph { $0.outlineLevel = level + 1 }
            }
        case "r": self.runDepth += 1
        case "t": self.textDepth += 1
        case "tab" where self.runDepth > 0: self.editParagraph { $0.text += "\t" }
        case "br" where self.runDepth > 0, "cr" where self.runDepth > 0: self.editParagraph { $0.text += "\n" }
        case "noBreakHyphen": self.editParagraph { $0.text += "-" }
        case "tr": self.rows.append([])
        case "tc": self.cells.append("")
        default: break
        }
    }

    override func end(_ name: Substring) throws(DocumentError) {
        if self.skipDepth > 0 {
            self.skipDepth -= 1
            return
        }
        switch name {
        case "p":
            if let paragraph = self.paragraphs.popLast() { try self.finish(paragraph) }
        case "r": self.runDepth -= 1
        case "t": self.textDepth -= 1
        case "tc":
            if let cell = self.cells.popLast(), !self.rows.isEmpty {
                self.rows[self.rows.count - 1].append(BlockCollector.trimmed(cell))
            }
        case "tr":
            if let row = self.rows.popLast() { try self.add(row.filter { !$0.isEmpty }.joined(separator: " | ")) }
        default: break
        }
    }

    override func text(_ string: String) throws(DocumentError) {
        if self.skipDepth == 0, self.textDepth > 0 { self.editParagraph { $0.text += string } }
    }

    private func editParagraph(_ edit: (inout Paragraph) -> Void) {
        guard !self.paragraphs.isEmpty else { return }
        edit(&self.paragraphs[self.paragraphs.count - 1])
    }

    private func finish(_ paragraph: Paragraph) throws(DocumentError) {
        let level =
            paragraph.outlineLevel
            ?? paragraph.styleID.flatMap { self.headingLevels[$0] ?? DOCXStylesReader.headingLevel(styleName: $0) }
        guard let level, self.cells.isEmpty else { return try self.add(paragraph.text) }
        try self.collector.heading(paragraph.text, level: level)
        if level == 0, self.titleParagraph == nil { self.titleParagraph = self.collector.sectionPath.last }
    }

    /// Adds text to the innermost open table cell, or else as a block.
    private func add(_ text: String) throws(DocumentError) {
        if self.cells.isEmpty {
            try self.collector.append(text)
        } else if !text.isEmpty {
            let last = self.cells.count - 1
            self.cells[last] += self.cells[last].isEmpty ? text : "\n" + text
        }
    }
}
