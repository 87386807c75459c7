import Foundation

/// Reads PDFs with poppler's command-line tools (Debian: poppler-utils): `pdfinfo` for the page count, the
/// title and whether a password is needed, then `pdftotext` for the text, a page per form feed.
///
/// The tools run as child processes rather than a PDF library in this one: a malformed or hostile PDF can
/// crash a parser or make it exhaust memory, and in a child process that ends only the child. Each runs under
/// an address-space limit (``DocumentLimits/pdfAddressSpaceBytes``, through util-linux's `prlimit`, else the
/// shell's `ulimit -v`), and is killed at ``DocumentLimits/pdfTimeout`` (both tools together) or when its text
/// passes ``DocumentLimits/maxExtractedBytes``. The file goes to a private temporary file, removed afterwards.
///
/// Within a page, lines are joined into paragraphs with a space, a blank line ends a paragraph, and a word
/// hyphenated across lines ("inter-" then "national") is joined. A PDF has no sections here (its outline is
/// not read). Throws `.encrypted` when the PDF needs a password, `.corrupt` when the tools cannot read it,
/// `.tooLarge` for more than ``DocumentLimits/maxPages`` pages, `.timeout`, and `.unsupported` when the tools
/// are not installed.
public struct PDFParser: DocumentParser {
    /// Where `pdfinfo`, `pdftotext` and `prlimit` are looked for, in order.
    public var toolDirectories: [String]

    public static let defaultToolDirectories = ["/usr/bin", "/usr/local/bin", "/opt/homebrew/bin", "/bin"]

    public init(toolDirectories: [String] = Self.defaultToolDirectories) {
        self.toolDirectories = toolDirectories
    }

    public func parse(_ data: Data, limits: DocumentLimits) async throws(DocumentError) -> ParsedDocument {
        try limits.checkSize(of: data.count)
        guard Sniffer.signature(of: data, head: [UInt8](data.prefix(1_024))) == .pdf else {
            throw DocumentError(reason: .corrupt, message: "the file is not a PDF (it has no %PDF- header)")
        }
        guard let pdfinfo = self.tool("pdfinfo"), let pdftotext = self.tool("pdftotext") else {
            throw DocumentError(
                reason: .unsupported,
                message:
                    "reading PDFs needs poppler-utils (pdfinfo, pdftotext), which is not installed on the server"
            )
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("memos-\(UUID().uuidString).pdf")
        guard
            FileManager.default.createFile(
                atPath: file.path,
                contents: data,
                attributes: [.posixPermissions: 0o600]
            )
        else {
            throw DocumentError(reason: .unsupported, message: "the server could not store the PDF to read it")
        }
        defer { try? FileManager.default.removeItem(at: file) }

        let deadline = ContinuousClock.now + limits.pdfTimeout
        let info = try await self.run(pdfinfo, ["-enc", "UTF-8", file.path], deadline: deadline, limits: limits)
        let fields = Self.fields(String(decoding: info.stdout, as: UTF8.self))
        guard let pages = fields["Pages"].flatMap({ Int($0) }), pages >= 0 else {
            throw DocumentError(reason: .corrupt, message: "the PDF could not be read")
        }
        guard pages <= limits.maxPages else {
            throw DocumentError(
                reason: .tooLarge,
                message: "the PDF has \(pages) pages; the limit is \(limits.maxPages)"
            )
        }
        var blocks: [TextBlock] = []
        if pages > 0 {
            let text = try await self.run(
                pdftotext,
                ["-enc", "UTF-8", "-eol", "unix", "-f", "1", "-l", String(pages), file.path, "-"],
                deadline: deadline,
                limits: limits
            )
            blocks = try Self.blocks(String(decoding: text.stdout, as: UTF8.self), limits: limits)
        }
        let title = fields["Title"].map { BlockCollector.collapsingWhitespace($0) }
        return ParsedDocument(
            format: .pdf,
            pageCount: pages,
            title: title?.isEmpty == false ? title : nil,
            blocks: blocks
        )
    }

    /// Runs a tool under the address-space limit; maps its failures to ``DocumentError``.
    private func run(
        _ tool: String,
        _ arguments: [String],
        deadline: ContinuousClock.Instant,
        limits: DocumentLimits
    ) async throws(DocumentError) -> ToolProcess.Output {
        let (executable, fullArguments) = self.limited(tool, arguments, addressSpace: limits.pdfAddressSpaceBytes)
        let output = try await ToolProcess.run(
            executable,
            fullArguments,
            timeout: deadline - ContinuousClock.now,
            maxStdoutBytes: limits.maxExtractedBytes
        )
        if output.timedOut {
            throw DocumentError(
                reason: .timeout,
                message: "reading the PDF took longer than \(limits.pdfTimeout), the limit"
            )
        }
        if output.overflowed {
            throw DocumentError(
                reason: .tooLarge,
                message:
                    "the PDF's text is over \(limits.maxExtractedBytes) bytes, the limit of extracted text"
            )
        }
        let stderr = String(decoding: output.stderr, as: UTF8.self)
        if stderr.contains("Incorrect password") {
            throw DocumentError(reason: .encrypted, message: "the PDF is encrypted and needs a password")
        }
        guard !output.signalled, output.status == 0 else {
            throw DocumentError(
                reason: .corrupt,
                message:
                    "the PDF could not be read",
                underlying: ToolFailure(
                    tool: (tool as NSString).lastPathComponent,
                    status: output.status,
                    signalled: output.signalled,
                    stderr: stderr
                )
            )
        }
        return output
    }

    /// The command that runs `tool` with its address space limited.
    private func limited(_ tool: String, _ arguments: [String], addressSpace: Int) -> (String, [String]) {
        if let prlimit = self.tool("prlimit") {
            return (prlimit, ["--as=\(addressSpace)", "--core=0", "--", tool] + arguments)
        }
        let kibibytes = max(addressSpace / 1_024, 1)
        return ("/bin/sh", ["-c", "ulimit -c 0; ulimit -v \(kibibytes) && exec \"$0\" \"$@\"", tool] + arguments)
    }

    private func tool(_ name: String) -> String? {
        self.toolDirectories.lazy.map { ($0 as NSString).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `pdfinfo`'s "Key: value" lines.
    static func fields(_ output: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            if fields[key] == nil { fields[key] = BlockCollector.trimmed(line[line.index(after: colon)...]) }
        }
        return fields
    }

    /// `pdftotext`'s output as blocks: pages end with a form feed; paragraphs end at blank lines.
    static func blocks(_ text: String, limits: DocumentLimits) throws(DocumentError) -> [TextBlock] {
        var collector = BlockCollector(limits: limits)
        var pages = text.split(separator: "\u{0C}", omittingEmptySubsequences: false)
        if pages.count > 1, pages.last?.allSatisfy(\.isWhitespace) == true { pages.removeLast() }
        for (index, page) in pages.enumerated() {
            var paragraph = ""
            for rawLine in page.split(separator: "\n", omittingEmptySubsequences: false) {
                let line = BlockCollector.trimmed(rawLine)
                if line.isEmpty {
                    try collector.append(paragraph, page: index + 1)
                    paragraph = ""
                } else if paragraph.isEmpty {
                    paragraph = line
                } else if Self.endsWithHyphenatedWord(paragraph), line.first?.isLowercase == true {
                    paragraph.removeLast()
                    paragraph += line
                } else {
                    paragraph += " " + line
                }
            }
            try collector.append(paragraph, page: index + 1)
        }
        return collector.blocks
    }

    /// Whether the text ends with a letter and a hyphen ("inter-").
    private static func endsWithHyphenatedWord(_ text: String) -> Bool {
        guard text.last == "-", let beforeHyphen = text.dropLast().last else { return false }
        return beforeHyphen.isLetter
    }
}

/// What a PDF tool said when it failed, for the server's log.
struct ToolFailure: Error, CustomStringConvertible {
    var tool: String
    var status: Int32
    var signalled: Bool
    var stderr: String

    var description: String {
        "\(self.tool) \(self.signalled ? "killed by signal" : "exited with") \(self.status): \(self.stderr)"
    }
}
