import CLibXML2
import Foundation

/// Reads HTML with libxml2's HTML parser, which recovers from broken markup the way browsers do and decodes
/// entities and the declared character set.
///
/// `h1`–`h6` make the section path; `<title>` is the title. `script`, `style`, `noscript`, `template`, `svg`,
/// `iframe`, `object`, `embed`, `canvas` and the rest of `head` are dropped. Block elements (`p`, `div`, `li`,
/// `tr`, `pre`, `blockquote`, `section`, `br` …) end a block; table cells in a row are joined with ` | `.
/// Whitespace is collapsed, but inside `pre`. The tree is walked without recursion; elements nested deeper than
/// ``DocumentLimits/maxXMLDepth`` are `.tooComplex`. No network access (`HTML_PARSE_NONET`) and libxml2's own
/// size limits stay on (no `HTML_PARSE_HUGE`).
public struct HTMLParser: DocumentParser {
    public init() {}

    /// libxml2 sets up its globals on first use; doing it once here keeps concurrent first uses from racing.
    private static let initialized: Bool = {
        xmlInitParser()
        return true
    }()

    public func parse(_ data: Data, limits: DocumentLimits) async throws(DocumentError) -> ParsedDocument {
        try limits.checkSize(of: data.count)
        guard Self.initialized, let size = Int32(exactly: data.count), size > 0 else {
            throw DocumentError(reason: .empty, message: "the file is empty")
        }
        let options =
            HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue
            | HTML_PARSE_RECOVER.rawValue
        // Without a declared charset libxml2 reads bytes as ISO-8859-1 once it meets one that is not UTF-8; bytes
        // that are valid UTF-8 are read as UTF-8.
        let encoding: String? = String(validating: Sniffer.withoutBOM(data), as: UTF8.self) != nil ? "UTF-8" : nil
        let document: htmlDocPtr? = data.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self) else { return nil }
            return htmlReadMemory(base, size, nil, encoding, Int32(bitPattern: options))
        }
        guard let document else { throw DocumentError(reason: .corrupt, message: "the HTML could not be parsed") }
        defer { xmlFreeDoc(document) }
        var walker = HTMLWalker(limits: limits)
        try walker.walk(document)
        return ParsedDocument(format: .html, title: walker.title, blocks: walker.collector.blocks)
    }
}

/// The depth-first walk over libxml2's tree that turns it into blocks.
private struct HTMLWalker {
    var collector: BlockCollector
    var title: String?
    private let maxDepth: Int
    private var text = ""
    private var pendingSpace = false
    private var preDepth = 0
    private var inHead = false
    private var titleText: String?
    private var heading: (level: Int, text: String)?
    private var cellsInRow = 0

    private static let dropped: Set<String> = [
        "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas", "select",
    ]
    private static let blocks: Set<String> = [
        "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "caption", "pre",
        "blockquote", "section", "article", "aside", "header", "footer", "nav", "main", "figure", "figcaption",
        "form", "fieldset", "legend", "address", "details", "summary", "br", "hr", "body", "html", "center",
        "dialog", "menu", "option", "textarea", "frameset", "noframes", "hgroup", "search",
    ]
    private static let headings: [String: Int] = ["h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6]

    init(limits: DocumentLimits) {
        self.collector = BlockCollector(limits: limits)
        self.maxDepth = limits.maxXMLDepth
    }

    mutating func walk(_ document: htmlDocPtr) throws(DocumentError) {
        let root = UnsafeMutableRawPointer(document)
        var current = document.pointee.children
        var depth = 1
        while var node = current {
            if try self.enter(node), let child = node.pointee.children {
                depth += 1
                guard depth <= self.maxDepth else {
                    throw DocumentError(
                        reason: .tooComplex,
                        message:
                            "the HTML nests elements more than \(self.maxDepth) deep, the limit"
                    )
                }
                current = child
                continue
            }
            if node.pointee.type == XML_ELEMENT_NODE { try self.leave(node) }
            while true {
                if let next = node.pointee.next {
                    current = next
                    break
                }
                guard let parent = node.pointee.parent, UnsafeMutableRawPointer(parent) != root else {
                    current = nil
                    break
                }
                depth -= 1
                try self.leave(parent)
                node = parent
            }
        }
        try self.flush()
    }

    /// Handles a node on the way down; answers whether to walk its children.
    private mutating func enter(_ node: xmlNodePtr) throws(DocumentError) -> Bool {
        switch node.pointee.type {
        case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
            if let content = node.pointee.content { self.addText(String(cString: content)) }
            return false
        case XML_ELEMENT_NODE:
            let name = Self.name(of: node)
            if Self.dropped.contains(name) { return false }
            if name == "head" {
                self.inHead = true
            } else if name == "title" {
                self.titleText = ""
            } else if let level = Self.headings[name] {
                try self.flush()
                self.heading = (level, "")
            } else if name == "pre" {
                try self.flush()
                self.preDepth += 1
            } else if name == "td" || name == "th" {
                if self.cellsInRow > 0 { self.addText(" | ") }
                self.cellsInRow += 1
            } else if Self.blocks.contains(name) {
                try self.flush()
            }
            return true
        default:
            return false
        }
    }

    /// Handles an element on the way up, after its children.
    private mutating func leave(_ node: xmlNodePtr) throws(DocumentError) {
        let name = Self.name(of: node)
        if name == "head" {
            self.inHead = false
        } else if name == "title", let titleText {
            let collapsed = BlockCollector.collapsingWhitespace(titleText)
            if self.title == nil, !collapsed.isEmpty { self.title = collapsed }
            self.titleText = nil
        } else if Self.headings[name] != nil, let heading {
            self.heading = nil
            try self.collector.heading(heading.text, level: heading.level)
        } else if name == "pre" {
            try self.flush()
            self.preDepth -= 1
        } else if name == "tr" {
            try self.flush()
        } else if Self.blocks.contains(name) {
            try self.flush()
        }
    }

    private mutating func addText(_ string: String) {
        if self.titleText != nil {
            self.titleText? += string
        } else if self.inHead {
            return
        } else if self.heading != nil {
            self.heading?.text += string
        } else if self.preDepth > 0 {
            if self.pendingSpace, !self.text.isEmpty { self.text += " " }
            self.pendingSpace = false
            self.text += string
        } else {
            for scalar in string.unicodeScalars {
                if scalar.properties.isWhitespace {
                    self.pendingSpace = true
                } else {
                    if self.pendingSpace, !self.text.isEmpty { self.text.unicodeScalars.append(" ") }
                    self.pendingSpace = false
                    self.text.unicodeScalars.append(scalar)
                }
            }
        }
    }

    private mutating func flush() throws(DocumentError) {
        try self.collector.append(self.text)
        self.text = ""
        self.pendingSpace = false
        self.cellsInRow = 0
    }

    private static func name(of node: xmlNodePtr) -> String {
        guard let name = node.pointee.name else { return "" }
        return String(cString: name)
    }
}
