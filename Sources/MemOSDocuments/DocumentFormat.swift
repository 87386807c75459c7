import Foundation

/// A document format this module reads; the raw value is its media type.
public enum DocumentFormat: String, Sendable, CaseIterable {
    case plainText = "text/plain"
    case markdown = "text/markdown"
    case html = "text/html"
    case pdf = "application/pdf"
    case docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
}

extension DocumentFormat {
    /// The format of an uploaded file: by its content first, then its declared media type, then its name.
    ///
    /// The content decides when it carries a signature: `%PDF-` in the first KiB is a PDF; a ZIP archive holding
    /// `word/document.xml` is DOCX; an OLE compound file holding an `EncryptedPackage` is a password-protected
    /// DOCX (its parser says `.encrypted`); `<!doctype html` or `<html` at the start is HTML. Other text goes by
    /// the declared type (`text/html`, `text/markdown`, `text/plain`; parameters such as `charset` ignored),
    /// then by the name's extension (`.md`, `.markdown` are Markdown; `.html`, `.htm` HTML), then by a few HTML
    /// tags at the start (`<body`, `<div`, `<p` …), else it is plain text.
    ///
    /// Throws `.empty` for no bytes and `.unsupported`, naming what was seen, for images, audio, video, other
    /// archives, legacy Office files, binary data (NUL bytes) and text that is not UTF-8. Binary content without
    /// a signature that is declared (or named) PDF or DOCX is taken as that format, so its parser reports it
    /// `.corrupt`.
    public static func detect(
        data: Data,
        declaredMediaType: String?,
        name: String?
    ) throws(DocumentError) -> DocumentFormat {
        guard !data.isEmpty else { throw DocumentError(reason: .empty, message: "the file is empty") }
        let hint = Self(mediaType: declaredMediaType) ?? Self(fileName: name)
        let head = [UInt8](data.prefix(8_192))

        switch Sniffer.signature(of: data, head: head) {
        case .pdf: return .pdf
        case .docx: return .docx
        case .encryptedOffice: return .docx
        case .other(let what): throw Self.unsupported(what)
        case nil: break
        }

        let html = Sniffer.htmlStart(head)
        if html == .strong { return .html }
        let isText = !head.contains(0) && String(validating: Sniffer.withoutBOM(data), as: UTF8.self) != nil
        guard isText else {
            if let hint, hint == .pdf || hint == .docx { return hint }
            if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) {
                throw DocumentError(
                    reason: .unsupported,
                    message: "the file is UTF-16 text; only UTF-8 text is supported"
                )
            }
            if !head.contains(0) {
                throw DocumentError(
                    reason: .unsupported,
                    message: "the file is not UTF-8 text and has no known document signature"
                )
            }
            throw Self.unsupported("binary data")
        }
        if let hint, hint != .pdf, hint != .docx { return hint }
        return html == .weak ? .html : .plainText
    }

    /// The format a media type names, ignoring parameters and case; nil for any other.
    init?(mediaType: String?) {
        guard let mediaType else { return nil }
        let essence = mediaType.split(separator: ";", maxSplits: 1).first.map { BlockCollector.trimmed($0) } ?? ""
        switch essence.lowercased() {
        case "text/plain": self = .plainText
        case "text/markdown", "text/x-markdown": self = .markdown
        case "text/html", "application/xhtml+xml": self = .html
        case "application/pdf", "application/x-pdf": self = .pdf
        case Self.docx.rawValue: self = .docx
        default: return nil
        }
    }

    /// The format a file name's extension names; nil for any other.
    init?(fileName: String?) {
        guard let fileName, let dot = fileName.lastIndex(of: ".") else { return nil }
        switch fileName[fileName.index(after: dot)...].lowercased() {
        case "txt", "text": self = .plainText
        case "md", "markdown", "mdown", "mkd": self = .markdown
        case "html", "htm", "xhtml": self = .html
        case "pdf": self = .pdf
        case "docx": self = .docx
        default: return nil
        }
    }

    private static func unsupported(_ what: String) -> DocumentError {
        DocumentError(
            reason: .unsupported,
            message:
                "the file looks like \(what), which is not a supported document format "
                + "(plain text, Markdown, HTML, PDF, DOCX)"
        )
    }
}
