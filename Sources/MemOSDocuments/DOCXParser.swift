import Foundation
import ZIPFoundation

/// Reads Word documents (Office Open XML, `.docx`): `word/document.xml` for the text, `word/styles.xml` for
/// which paragraph styles are headings, `docProps/core.xml` for the title.
///
/// Entries are inflated in memory, counted as they inflate (the ZIP headers' sizes are not trusted): past
/// ``DocumentLimits/maxDecompressedBytes`` for the entries read together, or past
/// ``DocumentLimits/maxCompressionRatio`` times an entry's compressed size (once it passes 1 MiB), reading stops
/// with `.tooLarge`. A password-protected Word file is an OLE compound file, not a ZIP: `.encrypted`. Anything
/// else that is not a ZIP archive with `word/document.xml` is `.corrupt`.
public struct DOCXParser: DocumentParser {
    public init() {}

    private struct Abort: Error {}

    public func parse(_ data: Data, limits: DocumentLimits) async throws(DocumentError) -> ParsedDocument {
        try limits.checkSize(of: data.count)
        let head = [UInt8](data.prefix(8))
        if head == [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] {
            if Sniffer.isEncryptedPackage(data) {
                throw DocumentError(reason: .encrypted, message: "the Word document is encrypted and needs a password")
            }
            throw DocumentError(
                reason: .unsupported,
                message:
                    "the file is a legacy Word 97–2003 document (.doc), not .docx; save it as .docx"
            )
        }
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw DocumentError(
                reason: .corrupt,
                message: "the file is not a valid DOCX (not a ZIP archive)",
                underlying: error
            )
        }
        guard let body = archive["word/document.xml"] else {
            throw DocumentError(reason: .corrupt, message: "the file is not a valid DOCX (it has no word/document.xml)")
        }
        var budget = limits.maxDecompressedBytes

        var headingLevels: [String: Int] = [:]
        if let entry = archive["word/styles.xml"] {
            let styles = DOCXStylesReader(limits: limits)
            try styles.read(Self.inflate(entry, from: archive, budget: &budget, limits: limits))
            headingLevels = styles.headingLevels
        }
        var title: String?
        if let entry = archive["docProps/core.xml"] {
            let core = DOCXCoreReader(limits: limits)
            try core.read(Self.inflate(entry, from: archive, budget: &budget, limits: limits))
            title = core.title
        }
        let reader = DOCXBodyReader(limits: limits, headingLevels: headingLevels)
        try reader.read(Self.inflate(body, from: archive, budget: &budget, limits: limits))
        return ParsedDocument(format: .docx, title: title ?? reader.titleParagraph, blocks: reader.collector.blocks)
    }

    /// An entry's bytes, inflated within the budget and the compression ratio.
    static func inflate(
        _ entry: Entry,
        from archive: Archive,
        budget: inout Int,
        limits: DocumentLimits
    ) throws(DocumentError) -> Data {
        guard entry.type == .file else {
            throw DocumentError(reason: .corrupt, message: "the DOCX's \(entry.path) is not a file")
        }
        // The header's compressed size is not trusted beyond the archive's own size.
        let compressed = min(Int(clamping: entry.compressedSize), archive.data?.count ?? Int.max)
        let (byRatio, overflow) = max(compressed, 1).multipliedReportingOverflow(by: max(limits.maxCompressionRatio, 1))
        let ratioLimit = max(overflow ? Int.max : byRatio, DocumentLimits.ratioFreeInflatedBytes)
        let limit = min(ratioLimit, budget)
        var inflated = Data()
        let checksum: CRC32
        do {
            checksum = try archive.extract(entry) { chunk in
                guard chunk.count <= limit - inflated.count else { throw Abort() }
                inflated.append(chunk)
            }
        } catch is Abort {
            if limit == budget {
                throw DocumentError(
                    reason: .tooLarge,
                    message:
                        "the DOCX decompresses beyond \(limits.maxDecompressedBytes) bytes, the limit of decompressed bytes"
                )
            }
            throw DocumentError(
                reason: .tooLarge,
                message:
                    "the DOCX's \(entry.path) decompresses beyond \(limits.maxCompressionRatio) times its compressed "
                    + "size, the limit"
            )
        } catch {
            throw DocumentError(
                reason: .corrupt,
                message: "the DOCX's \(entry.path) could not be decompressed",
                underlying: error
            )
        }
        guard checksum == entry.checksum else {
            throw DocumentError(reason: .corrupt, message: "the DOCX's \(entry.path) fails its checksum")
        }
        budget -= inflated.count
        return inflated
    }
}
