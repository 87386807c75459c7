import ArgumentParser
import AsyncHTTPClient
import Foundation
import MemOSCore
import MemOSProto
import NIOCore
import NIOHTTP1
import SwiftProtobuf

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `memos export`: a whole cube as JSON Lines (see docs/export-import.md).
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Writes every memory of a cube (all statuses, with history, sources and embedding) as JSON Lines.",
        discussion:
            "The last line, {\"end\":{\"memories\":N}}, marks a complete export; `memos import` refuses a file without it."
    )

    @OptionGroup var client: ClientOptions
    @Argument(help: "Cube id.") var cubeID: String
    @Option(name: [.short, .long], help: "File to write (default: standard output).") var output: String?
    @Flag(help: "Draw the progress bar even when standard error is not a terminal.") var progress = false

    func run() async throws {
        let statuses = "statuses=ACTIVATED,ARCHIVED,DELETED"
        let counted = try await self.client.data(.GET, "/v1/cubes/\(self.cubeID)/memories/count?\(statuses)")
        let total = try Memos_Retrieval_V1_CountMemoriesResponse(jsonUTF8Data: counted, options: lenientJSON).total
        let file: FileHandle
        if let output = self.output {
            guard FileManager.default.createFile(atPath: output, contents: nil) else {
                throw ValidationError("cannot create \(output)")
            }
            file = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        } else {
            file = .standardOutput
        }
        defer { if self.output != nil { try? file.close() } }

        var bar = ProgressBar(label: "export \(self.cubeID)", total: Int(total), forced: self.progress)
        let response = try await self.client.response(.GET, "/v1/cubes/\(self.cubeID)/export", timeout: .hours(24))
        var lines = LineSplitter()
        var written = 0
        var end: Int?
        for try await chunk in response.body {
            var out = Data()
            for line in lines.push(chunk) {
                if let count = ExportEnd(line)?.memories {
                    end = count
                } else {
                    written += 1
                }
                out.append(line)
                out.append(UInt8(ascii: "\n"))
            }
            file.write(out)
            bar.set(written)
        }
        bar.finish()
        guard let end, end == written else {
            FileHandle.standardError.write(
                Data("error: the export of \(self.cubeID) was cut short after \(written) memories\n".utf8)
            )
            throw ExitCode.failure
        }
        FileHandle.standardError.write(Data("exported \(written) memories of \(self.cubeID)\n".utf8))
    }
}

/// `memos import`: a `memos export` file into a cube, idempotently.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Adds the memories of a `memos export` file to a cube; running it again adds nothing.",
        discussion: """
            Each memory keeps its content, type, key, tags, info, validity, confidence, session, sources and status; \
            its embedding too when the cube's service embeds with the same model. It gets a new id and one more \
            source, {type: "import", memory_id: <id in the exported cube>}, by which a later import of the same \
            file recognises it. History stays in the file (see docs/export-import.md).
            """
    )

    @OptionGroup var client: ClientOptions
    @Argument(help: "Cube id (it must exist; you must be its owner or a writer).") var cubeID: String
    @Argument(help: "The file `memos export` wrote; '-' for standard input.") var file: String
    @Flag(help: "Draw the progress bar even when standard error is not a terminal.") var progress = false

    func run() async throws {
        let records = try self.readRecords()
        var bar = ProgressBar(label: "import \(self.cubeID)", total: records.count, forced: self.progress)
        let model = try await self.embeddingModel()
        var imported = try await self.importedCopies()
        let missing = records.reversed().filter { imported[$0.memory.id] == nil }
        bar.set(records.count - missing.count)
        for batch in Self.batches(missing) {
            let request = Memos_Ingest_V1_AddMemoriesRequest.with {
                $0.cubeID = self.cubeID
                $0.sessionID = batch[0].memory.sessionID
                $0.items = batch.map { Self.input($0.memory, model: model) }
                $0.idempotencyKey = Self.idempotencyKey(batch)
            }
            let data = try await self.client.data(.POST, "/v1/memories", body: try request.gatewayJSON())
            let added = try Memos_Ingest_V1_AddMemoriesResponse(jsonUTF8Data: data, options: lenientJSON).memories
            for (record, memory) in zip(batch, added) { imported[record.memory.id] = memory }
            bar.advance(by: batch.count)
        }
        bar.finish()
        let changed = try await self.applyStatuses(records, imported)
        FileHandle.standardError.write(
            Data(
                "imported \(missing.count) memories into \(self.cubeID) (\(records.count - missing.count) already there; \(changed) statuses set)\n"
                    .utf8
            )
        )
    }

    /// The file's memories, checked complete by its end line.
    func readRecords() throws -> [Memos_Common_V1_ExportedMemory] {
        let data =
            self.file == "-"
            ? FileHandle.standardInput.readDataToEndOfFile()
            : try Data(contentsOf: URL(fileURLWithPath: self.file))
        var splitter = LineSplitter()
        var lines = splitter.push(ByteBuffer(bytes: data))
        lines += splitter.rest
        guard let last = lines.popLast(), let end = ExportEnd(last)?.memories, end == lines.count else {
            throw ValidationError(
                "\(self.file) is not a complete `memos export` file: its last line must be {\"end\":{\"memories\":N}}"
            )
        }
        return try lines.enumerated().map { number, line in
            do {
                return try Memos_Common_V1_ExportedMemory(jsonUTF8Data: line, options: lenientJSON)
            } catch {
                throw ValidationError("\(self.file) line \(number + 1): \(error)")
            }
        }
    }

    /// The embedding model of the cube's service, from the answer to a search (which names it). The search asks
    /// for a perfect score, so that it hardly ever returns (and counts a use of) a memory.
    func embeddingModel() async throws -> String {
        let probe = Memos_Retrieval_V1_SearchRequest.with {
            $0.cubeIds = [self.cubeID]
            $0.query = "import"
            $0.topK = 1
            $0.relativity = 1
        }
        let data = try await self.client.data(.POST, "/v1/search", body: try probe.gatewayJSON())
        return try Memos_Retrieval_V1_SearchResponse(jsonUTF8Data: data, options: lenientJSON).embeddingModel
    }

    /// The cube's memories that came from an import, by the id they had in the exported cube.
    func importedCopies() async throws -> [String: Memos_Common_V1_Memory] {
        var copies: [String: Memos_Common_V1_Memory] = [:]
        var pageToken = ""
        repeat {
            let query = "statuses=ACTIVATED,ARCHIVED,DELETED&page_size=500&page_token=\(pageToken)"
            let data = try await self.client.data(.GET, "/v1/cubes/\(self.cubeID)/memories?\(query)")
            let page = try Memos_Retrieval_V1_ListMemoriesResponse(jsonUTF8Data: data, options: lenientJSON)
            for memory in page.memories {
                for source in memory.sources where source.type == Self.sourceType && !source.memoryID.isEmpty {
                    copies[source.memoryID] = memory
                }
            }
            pageToken = page.nextPageToken.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        } while !pageToken.isEmpty
        return copies
    }

    /// Deletes or archives the copies that are active while the file says deleted or archived (the state an
    /// interrupted import leaves); returns how many changed.
    func applyStatuses(
        _ records: [Memos_Common_V1_ExportedMemory],
        _ copies: [String: Memos_Common_V1_Memory]
    ) async throws -> Int {
        func ids(_ status: Memos_Common_V1_MemoryStatus) -> [String] {
            records.filter { $0.memory.status == status }.compactMap { copies[$0.memory.id] }.filter {
                $0.status == .activated
            }.map(\.id)
        }
        let deleted = ids(.deleted)
        let archived = ids(.archived)
        for chunk in deleted.chunks(of: 1_000) {
            let request = Memos_Ingest_V1_DeleteMemoriesRequest.with {
                $0.cubeID = self.cubeID
                $0.ids = .with { $0.ids = chunk }
            }
            _ = try await self.client.data(.POST, "/v1/memories/delete", body: try request.gatewayJSON())
        }
        for chunk in archived.chunks(of: 1_000) {
            let request = Memos_Ingest_V1_ArchiveMemoriesRequest.with {
                $0.cubeID = self.cubeID
                $0.memoryIds = chunk
                $0.reason = "imported as archived"
            }
            _ = try await self.client.data(.POST, "/v1/memories/archive", body: try request.gatewayJSON())
        }
        return deleted.count + archived.count
    }

    static let sourceType = "import"

    /// The memory as an item to add: its embedding only when `model` made it.
    static func input(_ memory: Memos_Common_V1_Memory, model: String) -> Memos_Ingest_V1_MemoryInput {
        .with {
            $0.content = memory.content
            $0.memoryType = memory.memoryType
            $0.key = memory.key
            $0.tags = memory.tags
            if memory.hasInfo { $0.info = memory.info }
            if memory.hasValidFrom { $0.validFrom = memory.validFrom }
            if memory.hasValidTo { $0.validTo = memory.validTo }
            $0.confidence = memory.confidence
            if memory.embeddingModel == model, !memory.embedding.isEmpty {
                $0.embedding = memory.embedding
                $0.embeddingModel = model
            }
            let origin = Memos_Common_V1_Source.with {
                $0.type = Self.sourceType
                $0.memoryID = memory.id
            }
            // At the limit of 64 sources, the import's own source takes the last place.
            $0.sources = Array(memory.sources.prefix(63)) + [origin]
        }
    }

    /// Runs of memories of one session, each small enough for one request (500 items, well under 4 MiB).
    static func batches(_ records: [Memos_Common_V1_ExportedMemory]) -> [[Memos_Common_V1_ExportedMemory]] {
        var batches: [[Memos_Common_V1_ExportedMemory]] = []
        var bytes = 0
        for record in records {
            let size = (try? record.memory.serializedBytes() as [UInt8])?.count ?? 0
            if let last = batches.last?.last, last.memory.sessionID == record.memory.sessionID,
                batches[batches.count - 1].count < 500, bytes + size < 1_024 * 1_024
            {
                batches[batches.count - 1].append(record)
                bytes += size
            } else {
                batches.append([record])
                bytes = size
            }
        }
        return batches
    }

    /// The same batch of the same file gets the same key, so a retried request writes nothing twice.
    static func idempotencyKey(_ batch: [Memos_Common_V1_ExportedMemory]) -> String {
        let ids = batch.map(\.memory.id)
        return "import-\(ids[0])-\(ids.count)-" + Fingerprint.of(ids.joined(separator: ",").utf8)
    }
}

/// The last line of an export: `{"end":{"memories":N}}`.
struct ExportEnd {
    var memories: Int

    init?(_ line: Data) {
        guard line.starts(with: Data("{\"end\"".utf8)),
            let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
            let end = object["end"] as? [String: Any],
            let count = end["memories"] as? Int
        else { return nil }
        self.memories = count
    }
}

/// Cuts a byte stream into lines (without their newline).
struct LineSplitter {
    private var pending = Data()

    /// The lines completed by `chunk`.
    mutating func push(_ chunk: ByteBuffer) -> [Data] {
        self.pending.append(contentsOf: chunk.readableBytesView)
        var lines: [Data] = []
        var start = self.pending.startIndex
        while let newline = self.pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            if newline > start { lines.append(self.pending[start..<newline]) }
            start = newline + 1
        }
        self.pending = Data(self.pending[start...])
        return lines
    }

    /// A last line with no newline after it.
    var rest: [Data] { self.pending.isEmpty ? [] : [self.pending] }
}

/// Progress on standard error: a bar redrawn in place on a terminal (or when forced), else a count every 1,000.
struct ProgressBar {
    let label: String
    let total: Int
    let draws: Bool
    private var done = 0
    private var lastDraw = ContinuousClock.now - .seconds(1)

    init(label: String, total: Int, forced: Bool) {
        self.label = label
        self.total = total
        self.draws = forced || isatty(STDERR_FILENO) == 1
    }

    mutating func advance(by count: Int) { self.set(self.done + count) }

    mutating func set(_ done: Int) {
        let before = self.done
        self.done = done
        if self.draws {
            if ContinuousClock.now - self.lastDraw >= .milliseconds(100) { self.draw() }
        } else if done / 1_000 > before / 1_000 {
            FileHandle.standardError.write(Data("\(self.label): \(done)/\(self.total)\n".utf8))
        }
    }

    mutating func finish() {
        guard self.draws else { return }
        self.draw()
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private mutating func draw() {
        self.lastDraw = .now
        let width = 30
        let filled = self.total > 0 ? min(width, self.done * width / self.total) : width
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r\(self.label) [\(bar)] \(self.done)/\(self.total)".utf8))
    }
}

/// Proto JSON answers may carry fields newer than this client.
let lenientJSON: JSONDecodingOptions = {
    var options = JSONDecodingOptions()
    options.ignoreUnknownFields = true
    return options
}()

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunks(of size: Int) -> [[Element]] {
        stride(from: 0, to: self.count, by: size).map { Array(self[$0..<Swift.min($0 + size, self.count)]) }
    }
}
