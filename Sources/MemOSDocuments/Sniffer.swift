import Foundation

/// Recognises file formats by their first bytes.
enum Sniffer {
    enum Signature: Equatable {
        case pdf
        case docx
        /// An OLE compound file holding an `EncryptedPackage`: an Office Open XML file with a password.
        case encryptedOffice
        /// A format this module does not read, named for a client ("a PNG image").
        case other(String)
    }

    enum HTMLStart {
        /// `<!doctype html` or `<html`.
        case strong
        /// Another common HTML tag, which a Markdown file may start with too.
        case weak
    }

    private static let magic: [(bytes: [UInt8], what: String)] = [
        ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG image"),
        ([0xFF, 0xD8, 0xFF], "a JPEG image"),
        (Array("GIF87a".utf8), "a GIF image"),
        (Array("GIF89a".utf8), "a GIF image"),
        ([0x49, 0x49, 0x2A, 0x00], "a TIFF image"),
        ([0x4D, 0x4D, 0x00, 0x2A], "a TIFF image"),
        ([0x00, 0x00, 0x01, 0x00], "an icon"),
        ([0x1F, 0x8B], "a gzip archive"),
        (Array("BZh".utf8), "a bzip2 archive"),
        ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "an xz archive"),
        ([0x28, 0xB5, 0x2F, 0xFD], "a zstd archive"),
        ([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], "a 7-Zip archive"),
        (Array("Rar!".utf8), "a RAR archive"),
        ([0x7F, 0x45, 0x4C, 0x46], "an executable"),
        ([0xCF, 0xFA, 0xED, 0xFE], "an executable"),
        (Array("ID3".utf8), "audio"),
        (Array("OggS".utf8), "audio or video"),
        (Array("fLaC".utf8), "audio"),
        ([0x1A, 0x45, 0xDF, 0xA3], "a video"),
        (Array("{\\rtf".utf8), "an RTF document"),
        (Array("%!PS".utf8), "a PostScript document"),
        (Array("SQLite format 3".utf8), "a database"),
        ([0x00, 0x61, 0x73, 0x6D], "a WebAssembly module"),
    ]

    private static let ole: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
    private static let zip: [UInt8] = [0x50, 0x4B]

    /// The signature of a known binary format, nil when there is none.
    static func signature(of data: Data, head: [UInt8]) -> Signature? {
        if self.contains(Array("%PDF-".utf8), in: head.prefix(1_024)) { return .pdf }
        if head.starts(with: self.zip), head.count >= 4, [0x03, 0x05, 0x07].contains(head[2]) {
            return self.zipSignature(of: data)
        }
        if head.starts(with: self.ole) {
            return self.isEncryptedPackage(data)
                ? .encryptedOffice
                : .other("a legacy Microsoft Office file (Word 97–2003 .doc or similar; save it as .docx)")
        }
        if let known = self.magic.first(where: { head.starts(with: $0.bytes) }),
            !known.bytes.allSatisfy({ (0x20..<0x7F).contains($0) }) || self.isBinary(head)
                || known.bytes.first == UInt8(ascii: "{") || known.bytes.first == UInt8(ascii: "%")
        {
            // A signature of printable characters alone could begin a text file, so it counts only in binary
            // data, but for RTF and PostScript, which are text.
            return .other(known.what)
        }
        if head.count >= 12, head.starts(with: Array("RIFF".utf8)) {
            switch String(decoding: head[8..<12], as: UTF8.self) {
            case "WEBP": return .other("a WebP image")
            case "WAVE": return .other("audio")
            default: return .other("a RIFF media file")
            }
        }
        if head.count >= 12, Array(head[4..<8]) == Array("ftyp".utf8) { return .other("a video or HEIF image") }
        if head.count >= 26, head.starts(with: Array("BM".utf8)), head[6..<10].allSatisfy({ $0 == 0 }) {
            return .other("a BMP image")
        }
        return nil
    }

    /// Whether an OLE compound file has the stream Office puts a password-protected OOXML package in.
    static func isEncryptedPackage(_ data: Data) -> Bool {
        let name = "EncryptedPackage".utf16.flatMap {
            [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)]
        }
        return data.range(of: Data(name)) != nil
    }

    private static func zipSignature(of data: Data) -> Signature {
        func has(_ path: String) -> Bool { data.range(of: Data(path.utf8)) != nil }
        if has("word/document.xml") { return .docx }
        if has("xl/workbook.xml") { return .other("an Excel workbook (.xlsx)") }
        if has("ppt/presentation.xml") { return .other("a PowerPoint presentation (.pptx)") }
        if has("application/vnd.oasis.opendocument") { return .other("an OpenDocument file") }
        if has("application/epub+zip") { return .other("an EPUB book") }
        return .other("a ZIP archive that is not a Word document")
    }

    /// Whether the text starts (after a BOM, whitespace, comments and an XML declaration) with an HTML tag.
    static func htmlStart(_ head: [UInt8]) -> HTMLStart? {
        var rest = head[...]
        if rest.starts(with: [0xEF, 0xBB, 0xBF]) { rest = rest.dropFirst(3) }
        while true {
            rest = rest.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x0C }
            if rest.starts(with: Array("<!--".utf8)) {
                guard let end = self.range(of: Array("-->".utf8), in: rest) else { return nil }
                rest = rest[end.upperBound...]
            } else if rest.starts(with: Array("<?xml".utf8)) {
                guard let end = self.range(of: Array("?>".utf8), in: rest) else { return nil }
                rest = rest[end.upperBound...]
            } else {
                break
            }
        }
        let lower = String(decoding: rest.prefix(16), as: UTF8.self).lowercased()
        if lower.hasPrefix("<!doctype html") { return .strong }
        if self.startsWithTag(lower, ["html"]) { return .strong }
        let weak = [
            "head", "body", "title", "meta", "script", "style", "iframe", "div", "p", "table", "font", "a", "b",
        ]
        if self.startsWithTag(lower, weak + ["h1", "h2", "h3", "br", "link"]) { return .weak }
        return nil
    }

    private static func startsWithTag(_ text: String, _ tags: [String]) -> Bool {
        tags.contains { tag in
            guard text.hasPrefix("<" + tag) else { return false }
            let after = text.dropFirst(tag.count + 1).first
            return after == nil || after == ">" || after == " " || after == "/" || after == "\n" || after == "\t"
        }
    }

    /// Whether the bytes hold a NUL or are not UTF-8 (allowing for a character cut off at the end).
    static func isBinary(_ head: [UInt8]) -> Bool {
        if head.contains(0) { return true }
        return !(0...3).contains { String(validating: head.dropLast($0), as: UTF8.self) != nil }
    }

    static func withoutBOM(_ data: Data) -> Data {
        data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data
    }

    private static func contains(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Bool {
        self.range(of: needle, in: haystack) != nil
    }

    private static func range(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Range<Int>? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        var start = haystack.startIndex
        while start <= haystack.endIndex - needle.count {
            if haystack[start..<start + needle.count].elementsEqual(needle) { return start..<start + needle.count }
            start += 1
        }
        return nil
    }
}
