import Foundation

/// Reads `docProps/core.xml` for the document's title (`dc:title`).
final class DOCXCoreReader: BoundedXMLReader {
    private var titleText: String?
    private(set) var title: String?

    init(limits: DocumentLimits) {
        super.init(part: "core.xml", limits: limits)
    }

    override func start(_ name: Substring, attributes: [Substring: String]) throws(DocumentError) {
        if name == "title", self.depth == 2 { self.titleText = "" }
    }

    override func end(_ name: Substring) throws(DocumentError) {
        guard name == "title", let titleText else { return }
        let collapsed = BlockCollector.collapsingWhitespace(titleText)
        if !collapsed.isEmpty, collapsed.utf8.count <= 4_096 { self.title = collapsed }
        self.titleText = nil
    }

    override func text(_ string: String) throws(DocumentError) {
        if self.titleText != nil, self.titleText?.utf8.count ?? 0 <= 4_096 { self.titleText? += string }
    }
}
