import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import Logging
import MemOSCore
import MemOSProto
import NIOCore
import SwiftProtobuf

/// `GET /v1/cubes/{cube_id}/export`: every memory of a cube, whatever its status, as JSON Lines.
///
/// Each line is an ``Memos_Common_V1_ExportedMemory`` (the memory with its sources and embedding, and its whole
/// history, newest first), newest memory first; the last line is `{"end":{"memories":N}}`, so a reader can tell
/// a complete export from one cut short. The stream is made from the services' ListMemories and BatchGetHistory
/// calls (each checked by the service against the caller's membership), one page of memories at a time.
extension Gateway {
    func addExportRoute(to router: Router<GatewayRequestContext>) {
        router.get("/v1/cubes/:cube_id/export") { request, context in
            do {
                let caller = try await self.caller(request, context)
                let cubeID = try Self.cubeParameter(context)
                // Checked before the status is sent: a refused export is an error answer, not an empty stream.
                try await self.accounts.authorize(caller, cubes: [cubeID], for: .read)
                let metadata = caller.metadata
                let logger = context.logger
                return Response(
                    status: .ok,
                    headers: [.contentType: "application/x-ndjson"],
                    body: ResponseBody { writer in
                        do {
                            try await self.export(cubeID: cubeID, metadata: metadata, to: &writer)
                        } catch {
                            // The status is sent; leaving out the end line tells the reader the export is incomplete.
                            logger.error("export failed", metadata: ["cube_id": "\(cubeID)", "cause": "\(error)"])
                        }
                        try await writer.finish(nil)
                    }
                )
            } catch {
                return self.errorResponse(error, logger: context.logger)
            }
        }
    }

    /// Writes the cube's memories page by page, then the end line.
    func export(cubeID: String, metadata: Metadata, to writer: inout any ResponseBodyWriter) async throws {
        let retrieval = self.clients.retrieval
        var pageToken = ""
        var count = 0
        repeat {
            let page = try await retrieval.listMemories(
                .with {
                    $0.cubeID = cubeID
                    $0.statuses = [.activated, .archived, .deleted]
                    $0.pageSize = Int32(Limits.maxPageSize)
                    $0.pageToken = pageToken
                    $0.includeEmbeddings = true
                },
                metadata: metadata
            )
            let histories = try await self.histories(of: page.memories, cubeID: cubeID, metadata: metadata)
            var buffer = ByteBuffer()
            for (memory, history) in zip(page.memories, histories) {
                let line = Memos_Common_V1_ExportedMemory.with {
                    $0.memory = memory
                    $0.history = history
                }
                buffer.writeBytes(try line.jsonUTF8Bytes(options: Self.jsonEncoding) as [UInt8])
                buffer.writeInteger(UInt8(ascii: "\n"))
            }
            try await writer.write(buffer)
            count += page.memories.count
            pageToken = page.nextPageToken
        } while !pageToken.isEmpty
        try await writer.write(ByteBuffer(string: "{\"end\":{\"memories\":\(count)}}\n"))
    }

    /// Memories per BatchGetHistory call (its limit), which also returns at most this many entries per memory.
    static let historyBatch = 200

    /// The whole history of each memory, in the order of `memories`: one BatchGetHistory per 200 memories, and
    /// GetHistory pages for the rare memory whose history is longer than that read returns.
    func histories(
        of memories: [Memos_Common_V1_Memory],
        cubeID: String,
        metadata: Metadata
    ) async throws -> [[Memos_Common_V1_HistoryEntry]] {
        let ingest = self.clients.ingest
        var byMemory: [String: [Memos_Common_V1_HistoryEntry]] = [:]
        for start in stride(from: 0, to: memories.count, by: Self.historyBatch) {
            let batch = try await ingest.batchGetHistory(
                .with {
                    $0.cubeID = cubeID
                    $0.memoryIds = memories[start..<min(start + Self.historyBatch, memories.count)].map(\.id)
                },
                metadata: metadata
            )
            for entry in batch.entries { byMemory[entry.memoryID.lowercased(), default: []].append(entry) }
            for memoryID in batch.truncatedMemoryIds {
                var entries: [Memos_Common_V1_HistoryEntry] = []
                var pageToken = ""
                repeat {
                    let page = try await ingest.getHistory(
                        .with {
                            $0.cubeID = cubeID
                            $0.memoryID = memoryID
                            $0.pageSize = 200
                            $0.pageToken = pageToken
                        },
                        metadata: metadata
                    )
                    entries += page.entries
                    pageToken = page.nextPageToken
                } while !pageToken.isEmpty
                byMemory[memoryID.lowercased()] = entries
            }
        }
        return memories.map { byMemory[$0.id.lowercased()] ?? [] }
    }
}
