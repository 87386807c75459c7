import Foundation
import GRPCCore
import HTTPTypes
import MemOSDocumentFixtures
import MemOSProto
import SwiftProtobuf
import Testing

@testable import MemOSTestSupport

@Suite("Documents: upload, parse, search with citations, delete")
struct DocumentTests {
    static let markdown = """
        # Travel handbook

        Our team books trains for trips under four hours.

        ## Visas

        Citizens of Portugal need no visa for the Schengen area. The embassy in Lisbon answers questions about \
        longer stays.

        ## Insurance

        Every traveller carries the company's health insurance card, issued by the office in Porto.
        """

    /// Uploads `bytes` as the raw body; the fields go in the query.
    static func upload(
        _ stack: TestStack,
        _ bytes: [UInt8],
        query: String,
        contentType: String = "application/octet-stream",
        key: String? = nil
    ) async throws -> TestStack.HTTPResult {
        try await stack.http(
            .post,
            "/v1/documents?\(query)",
            key: key ?? stack.alice.key,
            bytes: bytes,
            headers: [.contentType: contentType]
        )
    }

    /// A `multipart/form-data` body: the fields, then the file.
    static func form(_ fields: [(String, String)], file: [UInt8], filename: String, type: String) -> ([UInt8], String) {
        let boundary = "memos-test-boundary-7d1f"
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Array(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: \(type)\r\n\r\n"
                .utf8
        )
        body += file
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    /// A search that reads the write `after` answered (its `change_seq`), when given.
    static func search(
        _ stack: TestStack,
        _ query: String,
        after write: TestStack.HTTPResult
    ) async throws -> [[String: Any]] {
        let seq = write.json["change_seq"].map { "\($0)" } ?? "0"
        // The longest wait allowed: a starved test run may take seconds to apply a write.
        return try await Self.search(stack, query, extra: #", "min_change_seq": \#(seq), "max_wait_ms": 30000"#)
    }

    static func search(_ stack: TestStack, _ query: String, extra: String = "") async throws -> [[String: Any]] {
        let result = try await stack.http(
            .post,
            "/v1/search",
            key: stack.alice.key,
            body: #"{"cube_ids": ["alice-cube"], "query": "\#(query)", "relativity": 0\#(extra)}"#
        )
        #expect(result.status == .ok, "\(result.body)")
        return result.json["hits"] as? [[String: Any]] ?? []
    }

    @Test("a Markdown file is parsed inline; its chunks are found by search and cite the document and section")
    func markdownInline() async throws {
        try await TestStack.run { stack in
            let added = try await Self.upload(
                stack,
                Array(Self.markdown.utf8),
                query: "cube_id=alice-cube&name=handbook.md&tags=travel,policy"
            )
            #expect(added.status == .ok, "\(added.body)")
            let document = try #require(added.json["document"] as? [String: Any])
            #expect(document["status"] as? String == "READY")
            #expect(document["media_type"] as? String == "text/markdown")
            #expect((document["chunk_count"] as? Int ?? 0) >= 1)
            let documentID = try #require(document["id"] as? String)

            let hits = try await Self.search(stack, "Which office issues the health insurance card?")
            let hit = try #require(hits.first)
            let memory = try #require(hit["memory"] as? [String: Any])
            #expect(memory["memory_type"] as? String == "RAW_FILE_MEMORY")
            #expect((memory["content"] as? String)?.contains("Porto") == true)
            #expect(memory["tags"] as? [String] == ["travel", "policy"])
            let source = try #require((memory["sources"] as? [[String: Any]])?.first)
            #expect(source["type"] as? String == "doc")
            #expect(source["document_id"] as? String == documentID)
            #expect(source["doc_path"] as? String == "handbook.md")
            #expect(source["section"] as? [String] == ["Travel handbook", "Insurance"])
            #expect(source["media_type"] as? String == "text/markdown")

            // Document fields in the filter grammar; memory types choose documents or conversations.
            try await stack.http(
                .post,
                "/v1/messages",
                key: stack.alice.key,
                body:
                    #"{"cube_id": "alice-cube", "messages": [{"role": "user", "content": "My insurance card is blue"}]}"#
            ).expectOK()
            let byName = try await Self.search(
                stack,
                "insurance card",
                extra: #", "filter": {"condition": {"field": "document_name", "op": "EQ", "value": "handbook.md"}}"#
            )
            #expect(!byName.isEmpty)
            #expect(
                byName.allSatisfy { ($0["memory"] as? [String: Any])?["memory_type"] as? String == "RAW_FILE_MEMORY" }
            )
            let notDocuments = try await Self.search(
                stack,
                "insurance card",
                extra: #", "filter": {"condition": {"field": "document_id", "op": "NE", "value": "\#(documentID)"}}"#
            )
            #expect(!notDocuments.isEmpty)
            #expect(
                notDocuments.allSatisfy {
                    ($0["memory"] as? [String: Any])?["memory_type"] as? String != "RAW_FILE_MEMORY"
                }
            )
            let onlyFiles = try await Self.search(
                stack,
                "insurance card",
                extra: #", "memory_types": ["RAW_FILE_MEMORY"]"#
            )
            #expect(!onlyFiles.isEmpty)
            #expect(
                onlyFiles.allSatisfy {
                    ($0["memory"] as? [String: Any])?["memory_type"] as? String == "RAW_FILE_MEMORY"
                }
            )

            // The same bytes again are the same document; nothing is parsed or written twice.
            let again = try await Self.upload(
                stack,
                Array(Self.markdown.utf8),
                query: "cube_id=alice-cube&name=copy.md"
            )
            #expect(again.json["duplicate"] as? Bool == true)
            #expect((again.json["document"] as? [String: Any])?["id"] as? String == documentID)
            let listed = try await stack.http(.get, "/v1/cubes/alice-cube/documents", key: stack.alice.key)
            #expect((listed.json["documents"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test("HTML through a multipart form keeps its title and headings; scripts are dropped")
    func htmlMultipart() async throws {
        try await TestStack.run { stack in
            let html = """
                <!doctype html><html><head><title>Kitchen rules</title><style>p { color: red }</style></head>
                <body><script>var secret = "tracking-pixel";</script>
                <h1>Kitchen</h1><p>The dishwasher runs every evening at nine.</p>
                <h2>Fridge</h2><p>Label your food with your name and the date.</p></body></html>
                """
            let (body, type) = Self.form(
                [("cube_id", "alice-cube"), ("session_id", "onboarding")],
                file: Array(html.utf8),
                filename: "rules.html",
                type: "text/html"
            )
            let added = try await stack.http(
                .post,
                "/v1/documents",
                key: stack.alice.key,
                bytes: body,
                headers: [.contentType: type]
            )
            #expect(added.status == .ok, "\(added.body)")
            let document = try #require(added.json["document"] as? [String: Any])
            #expect(document["title"] as? String == "Kitchen rules")
            #expect(document["name"] as? String == "rules.html")
            #expect(document["session_id"] as? String == "onboarding")
            let id = try #require(document["id"] as? String)

            let hits = try await Self.search(stack, "When does the dishwasher run?")
            let memory = try #require(hits.first?["memory"] as? [String: Any])
            #expect((memory["content"] as? String)?.contains("nine") == true)
            #expect(((memory["sources"] as? [[String: Any]])?.first?["section"] as? [String]) == ["Kitchen"])
            #expect(
                try await Self.search(stack, "tracking-pixel secret").allSatisfy {
                    !((($0["memory"] as? [String: Any])?["content"] as? String) ?? "").contains("tracking-pixel")
                }
            )
            let fetched = try await stack.http(.get, "/v1/cubes/alice-cube/documents/\(id)", key: stack.alice.key)
            #expect(fetched.json["status"] as? String == "READY")
        }
    }

    @Test("a PDF is queued, parsed by the scheduler with its pages, and cited by page")
    func pdfQueued() async throws {
        try await TestStack.run { stack in
            let pages = (1...12).map { page in
                ["Chapter \(page) of the manual.", page == 9 ? "The backup generator is in the basement." : "Nothing."]
            }
            let added = try await Self.upload(
                stack,
                Array(DocumentFixtures.pdf(pages: pages)),
                query: "cube_id=alice-cube&name=manual.pdf",
                contentType: "application/pdf"
            )
            #expect(added.status == .ok, "\(added.body)")
            let document = try #require(added.json["document"] as? [String: Any])
            #expect(document["status"] as? String == "QUEUED")
            #expect(!(added.json["job_id"] as? String ?? "").isEmpty)
            let id = try #require(document["id"] as? String)
            try await stack.waitForJobs()
            let ready = try await stack.http(.get, "/v1/cubes/alice-cube/documents/\(id)", key: stack.alice.key)
            #expect(ready.json["status"] as? String == "READY", "\(ready.body)")
            #expect(ready.json["page_count"] as? Int == 12)
            #expect(ready.json["chunks_done"] as? Int == ready.json["chunk_count"] as? Int)

            let hits = try await Self.search(stack, "Where is the backup generator?")
            let hit = try #require(
                hits.first { (($0["memory"] as? [String: Any])?["content"] as? String)?.contains("generator") == true }
            )
            let source = try #require(((hit["memory"] as? [String: Any])?["sources"] as? [[String: Any]])?.first)
            #expect((source["page_start"] as? Int ?? 0) <= 9)
            #expect((source["page_end"] as? Int ?? 0) >= 9)
        }
    }

    @Test("a small file with many chunks is parsed at once but embedded by the scheduler")
    func manyChunksQueued() async throws {
        try await TestStack.run { stack in
            let text = (0..<1_500).map { "Line \($0) of the ledger records a payment to supplier \($0 % 37)." }
                .joined(separator: "\n\n")
            let added = try await Self.upload(stack, Array(text.utf8), query: "cube_id=alice-cube&name=ledger.txt")
            #expect(added.status == .ok, "\(added.body)")
            let document = try #require(added.json["document"] as? [String: Any])
            #expect(document["status"] as? String == "QUEUED")
            let id = try #require(document["id"] as? String)
            try await stack.waitForJobs()
            let ready = try await stack.http(.get, "/v1/cubes/alice-cube/documents/\(id)", key: stack.alice.key)
            #expect(ready.json["status"] as? String == "READY", "\(ready.body)")
            #expect((ready.json["chunk_count"] as? Int ?? 0) > 64)
        }
    }

    @Test("files that cannot be read: refused inline naming the cause, FAILED with the reason when queued")
    func badFiles() async throws {
        try await TestStack.run { stack in
            let empty = try await Self.upload(stack, [], query: "cube_id=alice-cube&name=empty.txt")
            #expect(empty.status == .badRequest)
            #expect(empty.errorMessage.contains("empty"), "\(empty.body)")
            let binary: [UInt8] = [0x00, 0x01, 0x02, 0xFE] + Array(repeating: 0, count: 64)
            let unsupported = try await Self.upload(stack, binary, query: "cube_id=alice-cube&name=data.bin")
            #expect(unsupported.status == .badRequest)
            let corruptDOCX = try await Self.upload(
                stack,
                Array("PK\u{3}\u{4}this is not really a zip archive".utf8),
                query: "cube_id=alice-cube&name=report.docx"
            )
            #expect(corruptDOCX.status == .badRequest, "\(corruptDOCX.body)")
            #expect(corruptDOCX.errorMessage.hasPrefix("file:"))
            let missingName = try await Self.upload(stack, Array("hello".utf8), query: "cube_id=alice-cube")
            #expect(missingName.status == .badRequest)
            #expect(missingName.errorMessage.contains("name"))
            let listed = try await stack.http(.get, "/v1/cubes/alice-cube/documents", key: stack.alice.key)
            #expect((listed.json["documents"] as? [[String: Any]] ?? []).isEmpty)

            // A corrupt PDF is queued (PDFs always are) and fails with its reason; nothing becomes searchable.
            let corruptPDF = try await Self.upload(
                stack,
                Array("%PDF-1.7\n garbage that no parser accepts \n%%EOF".utf8),
                query: "cube_id=alice-cube&name=broken.pdf"
            )
            #expect(corruptPDF.status == .ok, "\(corruptPDF.body)")
            let id = try #require((corruptPDF.json["document"] as? [String: Any])?["id"] as? String)
            try await stack.waitForJobs()
            let failed = try await stack.http(.get, "/v1/cubes/alice-cube/documents/\(id)", key: stack.alice.key)
            #expect(failed.json["status"] as? String == "FAILED")
            #expect(failed.json["error_reason"] as? String == "corrupt", "\(failed.body)")
            #expect(!(failed.json["error"] as? String ?? "").isEmpty)
            let count = try await stack.http(.get, "/v1/cubes/alice-cube/memories/count", key: stack.alice.key)
            #expect(count.json["total"] as? Int ?? 0 == 0, "\(count.body)")
        }
    }

    @Test("deleting a document deletes its memories; a restore brings both back; hard removes them for good")
    func deleteAndRestore() async throws {
        try await TestStack.run { stack in
            let docx = try DocumentFixtures.docx(
                body: DocumentFixtures.paragraph("Onboarding", style: "Heading1")
                    + DocumentFixtures.paragraph("New starters receive a laptop on their first morning.")
            )
            let added = try await Self.upload(stack, Array(docx), query: "cube_id=alice-cube&name=onboarding.docx")
            #expect(added.status == .ok, "\(added.body)")
            let id = try #require((added.json["document"] as? [String: Any])?["id"] as? String)
            #expect(!(try await Self.search(stack, "When do new starters get a laptop?")).isEmpty)

            let deleted = try await stack.http(.delete, "/v1/cubes/alice-cube/documents/\(id)", key: stack.alice.key)
            #expect(deleted.status == .ok, "\(deleted.body)")
            #expect((deleted.json["deleted_memory_count"] as? Int ?? 0) >= 1)
            #expect(try await Self.search(stack, "When do new starters get a laptop?", after: deleted).isEmpty)
            let hidden = try await stack.http(.get, "/v1/cubes/alice-cube/documents", key: stack.alice.key)
            #expect((hidden.json["documents"] as? [[String: Any]] ?? []).isEmpty)

            let restored = try await stack.http(
                .post,
                "/v1/cubes/alice-cube/documents/\(id)/restore",
                key: stack.alice.key
            )
            #expect(restored.status == .ok, "\(restored.body)")
            #expect((restored.json["document"] as? [String: Any])?["status"] as? String == "READY")
            #expect(!(try await Self.search(stack, "When do new starters get a laptop?", after: restored)).isEmpty)

            // Parsed again with another overlap, as a job; then deleted for good.
            let reparsed = try await stack.http(
                .post,
                "/v1/cubes/alice-cube/documents/\(id)/reparse?chunk_overlap_tokens=0",
                key: stack.alice.key
            )
            #expect(reparsed.status == .ok, "\(reparsed.body)")
            try await stack.waitForJobs()
            let afterReparse = try await stack.http(.get, "/v1/cubes/alice-cube/documents/\(id)", key: stack.alice.key)
            #expect(afterReparse.json["status"] as? String == "READY")
            #expect(try await Self.search(stack, "When do new starters get a laptop?").count == 1)

            let hard = try await stack.http(
                .delete,
                "/v1/cubes/alice-cube/documents/\(id)?hard=true",
                key: stack.alice.key
            )
            #expect(hard.status == .ok)
            #expect(
                try await stack.http(.get, "/v1/cubes/alice-cube/documents/\(id)", key: stack.alice.key).status
                    == .notFound
            )
            #expect(try await Self.search(stack, "When do new starters get a laptop?", after: hard).isEmpty)
        }
    }

    @Test("document access: owner and writer upload and delete, a reader reads, a stranger gets 403")
    func access() async throws {
        try await TestStack.run { stack in
            let added = try await Self.upload(
                stack,
                Array("Shared notes.".utf8),
                query: "cube_id=alice-cube&name=a.txt"
            )
            let id = try #require((added.json["document"] as? [String: Any])?["id"] as? String)
            let routes: [(HTTPRequest.Method, String)] = [
                (.get, "/v1/cubes/alice-cube/documents"),
                (.get, "/v1/cubes/alice-cube/documents/\(id)"),
            ]
            let writes: [(HTTPRequest.Method, String)] = [
                (.post, "/v1/cubes/alice-cube/documents/\(id)/reparse"),
                (.delete, "/v1/cubes/alice-cube/documents/\(id)"),
                (.post, "/v1/cubes/alice-cube/documents/\(id)/restore"),
            ]
            // A stranger: nothing, not even the upload's bytes are read.
            for (method, path) in routes + writes {
                #expect(try await stack.http(method, path, key: stack.bob.key).status == .forbidden, "\(path)")
            }
            let strangerUpload = try await Self.upload(
                stack,
                Array("Bob's text.".utf8),
                query: "cube_id=alice-cube&name=b.txt",
                key: stack.bob.key
            )
            #expect(strangerUpload.status == .forbidden)

            // A reader reads but may not write.
            try await stack.http(
                .put,
                "/v1/cubes/alice-cube/members/bob",
                key: stack.alice.key,
                body: #"{"role": "reader"}"#
            ).expectOK()
            for (method, path) in routes {
                #expect(try await stack.http(method, path, key: stack.bob.key).status == .ok)
            }
            for (method, path) in writes {
                #expect(try await stack.http(method, path, key: stack.bob.key).status == .forbidden, "\(path)")
            }
            #expect(
                try await Self.upload(
                    stack,
                    Array("x".utf8),
                    query: "cube_id=alice-cube&name=b.txt",
                    key: stack.bob.key
                )
                .status == .forbidden
            )

            // A writer uploads and deletes.
            try await stack.http(
                .put,
                "/v1/cubes/alice-cube/members/bob",
                key: stack.alice.key,
                body: #"{"role": "writer"}"#
            ).expectOK()
            let written = try await Self.upload(
                stack,
                Array("Bob's own notes on the garden.".utf8),
                query: "cube_id=alice-cube&name=b.txt",
                key: stack.bob.key
            )
            #expect(written.status == .ok, "\(written.body)")
            #expect(
                try await stack.http(.delete, "/v1/cubes/alice-cube/documents/\(id)", key: stack.bob.key).status == .ok
            )
        }
    }

    @Test("AddDocument over gRPC: bytes in parts, the limit enforced while streaming, metadata first")
    func grpcStreaming() async throws {
        try await TestStack.run { stack in
            try await stack.withGRPC { clients in
                let metadata = TestStack.metadata(stack.alice.key)
                let text = Array(String(repeating: "The quarterly report is due on the fifth. ", count: 200).utf8)
                let response = try await clients.ingest.addDocument(metadata: metadata) { writer in
                    try await writer.write(
                        .with {
                            $0.metadata = .with {
                                $0.cubeID = "alice-cube"
                                $0.name = "report.txt"
                            }
                        }
                    )
                    for start in stride(from: 0, to: text.count, by: 1_000) {
                        try await writer.write(.with { $0.data = Data(text[start..<min(start + 1_000, text.count)]) })
                    }
                }
                #expect(response.document.status == .ready)
                #expect(response.document.sizeBytes == Int64(text.count))
                #expect(response.document.chunkCount > 1)

                await #expect(throws: RPCError.self) {
                    _ = try await clients.ingest.addDocument(metadata: metadata) { writer in
                        try await writer.write(.with { $0.data = Data("no metadata".utf8) })
                    }
                }
                let declaredTooLarge = await #expect(throws: RPCError.self) {
                    _ = try await clients.ingest.addDocument(metadata: metadata) { writer in
                        try await writer.write(
                            .with {
                                $0.metadata = .with {
                                    $0.cubeID = "alice-cube"
                                    $0.name = "huge.txt"
                                    $0.sizeBytes = 60 * 1_048_576
                                }
                            }
                        )
                    }
                }
                #expect(declaredTooLarge?.code == .invalidArgument)
                let part = Data(repeating: 0x61, count: 1_048_576)
                let streamedTooLarge = await #expect(throws: RPCError.self) {
                    _ = try await clients.ingest.addDocument(metadata: metadata) { writer in
                        try await writer.write(
                            .with {
                                $0.metadata = .with {
                                    $0.cubeID = "alice-cube"
                                    $0.name = "huge.txt"
                                }
                            }
                        )
                        for _ in 0..<51 { try await writer.write(.with { $0.data = part }) }
                    }
                }
                #expect(streamedTooLarge?.code == .invalidArgument)
                #expect(streamedTooLarge?.message.contains("50 MiB") == true)
            }
        }
    }

    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 120)

    @Test("an image becomes a memory of its description with a vision model, and 412 naming the setting without")
    func images() async throws {
        try await TestStack.run { stack in
            let refused = try await Self.upload(stack, Self.png, query: "cube_id=alice-cube&name=whiteboard.png")
            #expect(refused.status == .preconditionFailed, "\(refused.body)")
            #expect(refused.errorMessage.contains("MEMOS_VISION_MODEL"))
        }
        let vision = FakeLLMServer { prompt in
            prompt.contains("[image image/png]")
                ? "A whiteboard listing the sprint goals: ship the invoice export by Friday." : nil
        }
        try await vision.runVision { model in
            try await TestStack.run(visionModel: model) { stack in
                let added = try await Self.upload(stack, Self.png, query: "cube_id=alice-cube&name=whiteboard.png")
                #expect(added.status == .ok, "\(added.body)")
                let document = try #require(added.json["document"] as? [String: Any])
                #expect(document["media_type"] as? String == "image/png")
                #expect(document["status"] as? String == "READY")
                let hits = try await Self.search(stack, "When is the invoice export due?")
                let memory = try #require(hits.first?["memory"] as? [String: Any])
                #expect((memory["content"] as? String)?.contains("invoice export") == true)
                let source = try #require((memory["sources"] as? [[String: Any]])?.first)
                #expect(source["document_id"] as? String == document["id"] as? String)
                #expect(source["media_type"] as? String == "image/png")

                // MemOS's image_url part goes the same way.
                let encoded = Data(Self.png + [1]).base64EncodedString()
                let memos = try await stack.http(
                    .post,
                    "/product/add",
                    key: stack.alice.key,
                    body:
                        #"{"writable_cube_ids": ["alice-cube"], "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,\#(encoded)"}}]}]}"#
                )
                #expect(memos.status == .ok, "\(memos.body)")
                let listed = try await stack.http(.get, "/v1/cubes/alice-cube/documents", key: stack.alice.key)
                #expect((listed.json["documents"] as? [[String: Any]])?.count == 2)
            }
        }
    }

    @Test("mode fine also extracts facts from each chunk, citing it")
    func fineFacts() async throws {
        let llm = FakeLLMServer { _ in
            #"{"memory list": [{"key": "Porto office", "memory_type": "LongTermMemory", "value": "The office in Porto issues the health insurance cards."}]}"#
        }
        try await llm.run { model in
            try await TestStack.run(chatModel: model) { stack in
                let added = try await Self.upload(
                    stack,
                    Array(Self.markdown.utf8),
                    query: "cube_id=alice-cube&name=handbook.md&mode=fine"
                )
                #expect(added.status == .ok, "\(added.body)")
                let id = try #require((added.json["document"] as? [String: Any])?["id"] as? String)
                let facts = try await Self.search(
                    stack,
                    "Porto office",
                    extra: #", "memory_types": ["LONG_TERM_MEMORY"]"#
                )
                let fact = try #require(facts.first?["memory"] as? [String: Any])
                #expect((fact["content"] as? String)?.contains("Porto") == true)
                let source = try #require((fact["sources"] as? [[String: Any]])?.first)
                #expect(source["type"] as? String == "doc")
                #expect(source["document_id"] as? String == id)
            }
        }
        try await TestStack.run { stack in
            let refused = try await Self.upload(
                stack,
                Array(Self.markdown.utf8),
                query: "cube_id=alice-cube&name=handbook.md&mode=fine"
            )
            #expect(refused.status == .preconditionFailed)
            #expect(refused.errorMessage.contains("MEMOS_LLM_URL"))
        }
    }

    @Test("MemOS: a file part of /product/add becomes a document; delete_memory takes its id in file_ids")
    func memosFilePart() async throws {
        try await TestStack.run { stack in
            let encoded = Data(Self.markdown.utf8).base64EncodedString()
            let added = try await stack.http(
                .post,
                "/product/add",
                key: stack.alice.key,
                body: """
                    {"user_id": "alice", "writable_cube_ids": ["alice-cube"], "messages": [{"role": "user", "content": [
                        {"type": "text", "text": "Here is our handbook"},
                        {"type": "file", "file": {"filename": "handbook.md", "file_data": "data:text/markdown;base64,\(encoded)"}}
                    ]}]}
                    """
            )
            #expect(added.status == .ok, "\(added.body)")
            let listed = try await stack.http(.get, "/v1/cubes/alice-cube/documents", key: stack.alice.key)
            let document = try #require((listed.json["documents"] as? [[String: Any]])?.first)
            #expect(document["name"] as? String == "handbook.md")
            let id = try #require(document["id"] as? String)
            #expect(!(try await Self.search(stack, "Which office issues the health insurance card?")).isEmpty)

            let deleted = try await stack.http(
                .post,
                "/product/delete_memory",
                key: stack.alice.key,
                body: #"{"writable_cube_ids": ["alice-cube"], "file_ids": ["\#(id)"]}"#
            )
            #expect(deleted.status == .ok, "\(deleted.body)")
            let after = try await stack.http(.get, "/v1/cubes/alice-cube/documents/\(id)", key: stack.alice.key)
            #expect(after.json["status"] as? String == "DELETED")
        }
    }
}

extension TestStack.HTTPResult {
    /// Fails the test unless the status is 200.
    func expectOK(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(self.status == .ok, "\(self.body)", sourceLocation: sourceLocation)
    }
}
