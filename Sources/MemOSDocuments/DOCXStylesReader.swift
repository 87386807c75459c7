import Foundation

/// Reads `word/styles.xml` for the heading level of each paragraph style: from its name ("heading 2",
/// "Title"), its outline level, or the style it is based on.
final class DOCXStylesReader: BoundedXMLReader {
    private struct Style {
        var name: String?
        var basedOn: String?
        var outlineLevel: Int?
    }

    private var styles: [String: Style] = [:]
    private var current: (id: String, style: Style)?

    init(limits: DocumentLimits) {
        super.init(part: "styles.xml", limits: limits)
    }

    /// Heading levels by style id: 0 for a title, 1–9 for headings.
    var headingLevels: [String: Int] {
        var levels: [String: Int] = [:]
        for id in self.styles.keys {
            var next: String? = id
            var hops = 0
            while let styleID = next, let style = self.styles[styleID], hops < 16 {
                if let level = style.name.flatMap(DOCXStylesReader.headingLevel(styleName:)) ?? style.outlineLevel {
                    levels[id] = level
                    break
                }
                next = style.basedOn
                hops += 1
            }
        }
        return levels
    }

    /// The level a style name or id stands for, matched without case, spaces or punctuation: "Title" 0,
    /// "heading 1" … "Heading9" 1–9.
    static func headingLevel(styleName: String) -> Int? {
        let squeezed = styleName.lowercased().filter { $0.isLetter || $0.isNumber }
        if squeezed == "title" { return 0 }
        guard squeezed.hasPrefix("heading"), let level = Int(squeezed.dropFirst("heading".count)),
            (1...9).contains(level)
        else { return nil }
        return level
    }

    override func start(_ name: Substring, attributes: [Substring: String]) throws(DocumentError) {
        switch name {
        case "style":
            if attributes["type"] == "paragraph", let id = attributes["styleId"] {
                self.current = (id, Style())
            }
        case "name": self.current?.style.name = attributes["val"]
        case "basedOn": self.current?.style.basedOn = attributes["val"]
        case "outlineLvl":
            // 0–8 are heading levels 1–9; 9 is body text.
            if let level = attributes["val"].flatMap({ Int($0) }), (0...8).contains(level) {
                self.current?.style.outlineLevel = level + 1
            }
        default: break
        }
    }

    override func end(_ name: Substring) throws(DocumentError) {
        if name == "style", let current {
            self.styles[current.id] = current.style
            self.current = nil
        }
    }
}
