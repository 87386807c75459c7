import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// A SAX reader of one XML part of a DOCX that keeps to ``DocumentLimits/maxXMLDepth`` and never resolves
/// external entities. Subclasses handle elements by local name (the namespace prefix dropped) and text.
class BoundedXMLReader: NSObject, XMLParserDelegate {
    private let maxDepth: Int
    private let part: String
    private(set) var depth = 0
    /// The first error a handler met; parsing stops there.
    var failure: DocumentError?

    init(part: String, limits: DocumentLimits) {
        self.part = part
        self.maxDepth = limits.maxXMLDepth
    }

    /// Parses `data`; throws `.corrupt` for XML that is not well-formed or declares a DTD (Word never writes
    /// one; refusing it keeps entity expansion out), `.tooComplex` past the depth limit, or a handler's error.
    func read(_ data: Data) throws(DocumentError) {
        if data.range(of: Data("<!DOCTYPE".utf8)) != nil || data.range(of: Data("<!ENTITY".utf8)) != nil {
            throw DocumentError(
                reason: .corrupt,
                message: "the DOCX's \(self.part) declares a DTD, which Word documents never do"
            )
        }
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = self
        let parsed = parser.parse()
        if let failure = self.failure { throw failure }
        // libxml2 recovers from some errors (an element left open at the end among them) and still reports success.
        guard parsed, self.depth == 0 else {
            throw DocumentError(
                reason: .corrupt,
                message:
                    "the DOCX's \(self.part) is not well-formed XML",
                underlying: parser.parserError
            )
        }
    }

    /// An element opens; `attributes` are keyed by local name.
    func start(_ name: Substring, attributes: [Substring: String]) throws(DocumentError) {}
    /// An element closes.
    func end(_ name: Substring) throws(DocumentError) {}
    /// Text inside the current element.
    func text(_ string: String) throws(DocumentError) {}

    func fail(_ error: DocumentError, _ parser: XMLParser) {
        if self.failure == nil { self.failure = error }
        parser.abortParsing()
    }

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        guard self.failure == nil else { return }
        self.depth += 1
        guard self.depth <= self.maxDepth else {
            return self.fail(
                DocumentError(
                    reason: .tooComplex,
                    message:
                        "the DOCX's \(self.part) nests elements more than \(self.maxDepth) deep, the limit"
                ),
                parser
            )
        }
        var attributes: [Substring: String] = [:]
        for (key, value) in attributeDict { attributes[Self.localName(key)] = value }
        do {
            try self.start(Self.localName(elementName), attributes: attributes)
        } catch {
            self.fail(error, parser)
        }
    }

    func parser(
        _ parser: XMLParser,
        didEndElement elementName: String,
        namespaceURI: String?,
        qualifiedName qName: String?
    ) {
        guard self.failure == nil else { return }
        do {
            try self.end(Self.localName(elementName))
        } catch {
            self.fail(error, parser)
        }
        self.depth -= 1
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard self.failure == nil else { return }
        do {
            try self.text(string)
        } catch {
            self.fail(error, parser)
        }
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        self.parser(parser, foundCharacters: String(decoding: CDATABlock, as: UTF8.self))
    }

    static func localName(_ name: String) -> Substring {
        guard let colon = name.lastIndex(of: ":") else { return name[...] }
        return name[name.index(after: colon)...]
    }
}
