import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import MemOSCore
import MemOSDocumentFixtures
import MemOSDocuments
import MemOSEmbedding
import MemOSPostgres
import MemOSProto
import MemOSRPC
import MemOSScheduler
import MemOSServer
import ServiceLifecycle
import SwiftProtobuf

/// Documents: how fast each format is parsed and chunked against how long its chunks take to embed, and how long a
/// 100-page PDF takes from its acknowledged upload until a search finds its last page.
struct DocumentsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "documents",
        abstract: "Benchmarks document parsing and chunking, and a PDF's time until searchable."
    )

    @Option(help: "PostgreSQL server URL; a fresh database is made and dropped (env MEMOS_DATABASE_URL).")
    var databaseURL: String?
    @Option(help: "Pages of each generated document.")
    var pages = 100
    @Option(help: "Parses of each format, after one of warm-up.")
    var repeats = 3

    func run() async throws {
        guard let url = self.databaseURL ?? ProcessInfo.processInfo.environment["MEMOS_DATABASE_URL"] else {
            throw ValidationError(
                "pass --database-url or set MEMOS_DATABASE_URL (scripts/local-postgres.sh prints one)"
            )
        }
        let logger = BenchStack.logger
        let embedder = try EmbedderFactory.make(
            kind: "minilm",
            modelDirectory: EmbedderFactory.defaultModelDirectory,
            logger: logger
        )
        let pageTexts = (0..<self.pages).map(Self.page)
        let files: [(String, String, [UInt8])] = [
            (
                "plain text", "manual.txt",
                Array(pageTexts.map { $0.joined(separator: "\n\n") }.joined(separator: "\n\n").utf8)
            ),
            ("Markdown", "manual.md", Array(Self.markdown(pageTexts).utf8)),
            ("HTML", "manual.html", Array(Self.html(pageTexts).utf8)),
            ("DOCX", "manual.docx", Array(try Self.docx(pageTexts))),
            ("PDF", "manual.pdf", Array(DocumentFixtures.pdf(pages: pageTexts.map(Self.lines)))),
        ]
        let ingestor = DocumentIngestor(embedder: embedder, chatModel: nil)
        var rows: [String] = []
        for (format, name, bytes) in files {
            let document = Self.document(name: name, size: bytes.count)
            _ = try await ingestor.chunks(of: bytes, document: document)
            var best = Double.infinity
            var chunks: [Chunk] = []
            for _ in 0..<self.repeats {
                let start = ContinuousClock.now
                chunks = try await ingestor.chunks(of: bytes, document: document).1
                best = min(best, LoCoMoBench.seconds(ContinuousClock.now - start))
            }
            let embedStart = ContinuousClock.now
            _ = try await embedder.embed(chunks.map(\.text))
            let embedding = LoCoMoBench.seconds(ContinuousClock.now - embedStart)
            rows.append(
                "| \(format) | \(bytes.count / 1_024) KiB | \(chunks.count) | "
                    + String(
                        format: "%.0f | %.1f | %.2f s | %.2f s | %.1f %% |",
                        Double(self.pages) / best,
                        Double(bytes.count) / 1_048_576 / best,
                        best,
                        embedding,
                        100 * best / (best + embedding)
                    )
            )
        }
        let server = try DatabaseConfiguration(url: url, maxConnections: 16)
        let (acknowledged, searchable) = try await BenchStack.withScratchDatabase(server: server, logger: logger) {
            configuration in
            try await Database.withPool(configuration, logger: logger) { database in
                try await Migrator(database: database).migrate()
                let accounts = PostgresAccountStore(database: database)
                let user = try await accounts.createUser(name: "bench", role: .user)
                try await accounts.createCube(id: "bench", name: "bench", owner: user)
                let key = try await accounts.createAPIKey(for: user).key
                return try await self.timeUntilSearchable(
                    Array(DocumentFixtures.pdf(pages: pageTexts.map(Self.lines))),
                    database: database,
                    embedder: embedder,
                    key: key
                )
            }
        }
        print(
            """
            Documents of \(self.pages) pages (about 450 words each), parsed and chunked for the MiniLM embedder \
            (best of \(self.repeats)), on \(Machine.describe())
            | format | size | chunks | pages/s | MB/s | parse and chunk | embed the chunks | parse share |
            |---|---|---|---|---|---|---|---|
            \(rows.joined(separator: "\n"))

            A \(self.pages)-page PDF through the services (gRPC AddDocument; the scheduler parses, embeds and stores it):
            acknowledged after \(String(format: "%.2f", acknowledged)) s; searchable \
            \(String(format: "%.1f", searchable)) s after the acknowledgement (a search finds its last page).
            """
        )
    }

    /// Uploads the PDF and polls until a search finds the sentence only its last page holds.
    func timeUntilSearchable(
        _ pdf: [UInt8],
        database: Database,
        embedder: any Embedder,
        key: String
    ) async throws -> (Double, Double) {
        let logger = BenchStack.logger
        let ingest = ServerFactory.ingest(
            database: database,
            embedder: embedder,
            listener: .tcp(host: "127.0.0.1", port: 0),
            logger: logger
        )
        let retrieval = ServerFactory.retrieval(
            database: database,
            embedder: embedder,
            listener: .tcp(host: "127.0.0.1", port: 0),
            logger: logger
        )
        let workers = ServerFactory.schedulerWorkers(
            database: database,
            embedder: embedder,
            configuration: .init(pollInterval: .milliseconds(100)),
            logger: logger
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for service in [ingest, retrieval] { group.addTask { try await service.run() } }
            let background = ServiceGroup(services: [workers], logger: logger)
            group.addTask { try await background.run() }
            defer {
                for service in [ingest, retrieval] { service.stopServing() }
            }
            let outcome: Result<(Double, Double), any Error>
            do {
                outcome = .success(
                    try await self.upload(
                        pdf,
                        ingestPort: try await ingest.listeningPort,
                        retrievalPort: try await retrieval.listeningPort,
                        key: key
                    )
                )
            } catch {
                outcome = .failure(error)
            }
            await background.triggerGracefulShutdown()
            return try outcome.get()
        }
    }

    func upload(_ pdf: [UInt8], ingestPort: Int, retrievalPort: Int, key: String) async throws -> (Double, Double) {
        let metadata: Metadata = ["authorization": "Bearer \(key)"]
        return try await withGRPCClient(
            transport: .http2NIOPosix(
                target: .ipv4(address: "127.0.0.1", port: ingestPort),
                transportSecurity: .plaintext
            )
        ) { ingestClient in
            try await withGRPCClient(
                transport: .http2NIOPosix(
                    target: .ipv4(address: "127.0.0.1", port: retrievalPort),
                    transportSecurity: .plaintext
                )
            ) { retrievalClient in
                let ingest = Memos_Ingest_V1_IngestService.Client(wrapping: ingestClient)
                let retrieval = Memos_Retrieval_V1_RetrievalService.Client(wrapping: retrievalClient)
                let start = ContinuousClock.now
                let added = try await ingest.addDocument(metadata: metadata) { writer in
                    try await writer.write(
                        .with {
                            $0.metadata = .with {
                                $0.cubeID = "bench"
                                $0.name = "manual.pdf"
                            }
                        }
                    )
                    for offset in stride(from: 0, to: pdf.count, by: 256 * 1_024) {
                        try await writer.write(
                            .with { $0.data = Data(pdf[offset..<min(offset + 256 * 1_024, pdf.count)]) }
                        )
                    }
                }
                let acknowledged = ContinuousClock.now
                let needle = "The lighthouse keeper logged the final reading on page \(self.pages)."
                while true {
                    let document = try await ingest.getDocument(
                        .with {
                            $0.cubeID = "bench"
                            $0.documentID = added.document.id
                        },
                        metadata: metadata
                    )
                    if document.status == .failed { throw ValidationError("the PDF failed: \(document.error)") }
                    if document.status == .ready {
                        let found = try await retrieval.search(
                            .with {
                                $0.cubeIds = ["bench"]
                                $0.query = needle
                                $0.topK = 5
                            },
                            metadata: metadata
                        )
                        if found.hits.contains(where: { $0.memory.content.contains("lighthouse keeper") }) { break }
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
                return (
                    LoCoMoBench.seconds(acknowledged - start), LoCoMoBench.seconds(ContinuousClock.now - acknowledged)
                )
            }
        }
    }

    static func document(name: String, size: Int) -> Document {
        Document(
            id: UUID.random(),
            cubeID: "bench",
            name: name,
            mediaType: "",
            sizeBytes: Int64(size),
            sha256: "",
            status: .queued,
            authorUserID: UUID.random(),
            createdAt: Date(),
            updatedAt: Date()
        )
    }

    static let words = """
        the survey team measured river depth at dawn while engineers reviewed pump schedules and the committee \
        discussed budgets for maintenance of bridges roads tunnels harbours railways and the old lighthouse near \
        the northern cliffs where storms often damage cables so crews carry spare parts batteries radios and maps
        """.split(separator: " ").map(String.init)

    /// Five paragraphs of about 90 words; the last page also holds the sentence the search looks for.
    static func page(_ number: Int) -> [String] {
        var generator = SplitMix64(seed: UInt64(number + 1))
        var paragraphs = (0..<5).map { _ in
            (0..<6).map { _ in
                let sentence = (0..<15).map { _ in Self.words[Int(generator.next() % UInt64(Self.words.count))] }
                return sentence.joined(separator: " ").prefix(1).uppercased()
                    + sentence.joined(separator: " ").dropFirst()
                    + "."
            }.joined(separator: " ")
        }
        if number == 99 || number == 0 {
            paragraphs.append("The lighthouse keeper logged the final reading on page \(number + 1).")
        }
        return paragraphs
    }

    /// A page's paragraphs as PDF lines of about 12 words, a blank line between paragraphs.
    static func lines(_ page: [String]) -> [String] {
        page.flatMap { paragraph -> [String] in
            let words = paragraph.split(separator: " ")
            return stride(from: 0, to: words.count, by: 12).map {
                words[$0..<min($0 + 12, words.count)].joined(separator: " ")
            }
                + [""]
        }
    }

    static func markdown(_ pages: [[String]]) -> String {
        pages.enumerated().map { index, paragraphs in
            (index % 10 == 0 ? "# Part \(index / 10 + 1)\n\n" : "") + "## Section \(index + 1)\n\n"
                + paragraphs.joined(separator: "\n\n")
        }.joined(separator: "\n\n")
    }

    static func html(_ pages: [[String]]) -> String {
        "<!doctype html><html><head><title>Manual</title></head><body>"
            + pages.enumerated().map { index, paragraphs in
                "<h2>Section \(index + 1)</h2>" + paragraphs.map { "<p>\($0)</p>" }.joined()
            }.joined() + "</body></html>"
    }

    static func docx(_ pages: [[String]]) throws -> Data {
        try DocumentFixtures.docx(
            body: pages.enumerated().map { index, paragraphs in
                DocumentFixtures.paragraph("Section \(index + 1)", style: "Heading1")
                    + paragraphs.map { DocumentFixtures.paragraph($0) }.joined()
            }.joined()
        )
    }
}
