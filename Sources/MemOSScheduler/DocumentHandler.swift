import Foundation
import MemOSCore
import MemOSDocuments

/// Runs ``JobKind/parseDocument`` jobs: parses a queued document, embeds its chunks (reporting progress on the job
/// and the document after each batch) and makes them its memories in one transaction.
///
/// A file that cannot be read leaves the document FAILED with the reason and completes the job (retrying would not
/// help); an outage (database, remote embedder) fails the attempt and the job is retried. An attempt repeated after
/// a worker died replaces what the first wrote, if anything: the document's memories are swapped in one transaction.
public struct DocumentHandler: JobHandler {
    let documents: any DocumentStore
    let jobs: any JobStore
    let ingestor: DocumentIngestor

    public init(documents: any DocumentStore, jobs: any JobStore, ingestor: DocumentIngestor) {
        self.documents = documents
        self.jobs = jobs
        self.ingestor = ingestor
    }

    public func run(_ claimed: ClaimedJob) async throws -> JobResult {
        let job = claimed.job
        let payload = try DocumentJob(payload: claimed.payload)
        guard let author = claimed.createdBy else {
            throw MemOSError.invalidArgument("document job \(job.id) has no author")
        }
        guard let document = try await self.documents.document(id: payload.documentID, cubeID: job.cubeID),
            document.jobID == job.id, document.status == .queued || document.status == .parsing
        else {
            // Deleted, or a newer parse took over: nothing to do.
            return JobResult(result: ["skipped": .string("the document is no longer queued for this job")])
        }
        guard let bytes = try await self.documents.bytes(documentID: document.id, cubeID: job.cubeID) else {
            return JobResult(result: ["skipped": .string("the document's bytes are gone")])
        }
        let parsed: ParsedDocument
        let chunks: [Chunk]
        do {
            (parsed, chunks) = try await self.ingestor.chunks(of: bytes, document: document)
        } catch let error as DocumentError {
            try await self.documents.fail(
                documentID: document.id,
                cubeID: job.cubeID,
                jobID: job.id,
                reason: error.reason.rawValue,
                message: error.message
            )
            return JobResult(result: ["failed": .string(error.message), "reason": .string(error.reason.rawValue)])
        }
        let total = chunks.count
        _ = try await self.documents.reportProgress(
            documentID: document.id,
            cubeID: job.cubeID,
            jobID: job.id,
            chunkCount: total,
            chunksDone: 0
        )
        let content = try await self.ingestor.content(of: document, parsed: parsed, chunks: chunks) { done in
            guard
                try await self.documents.reportProgress(
                    documentID: document.id,
                    cubeID: job.cubeID,
                    jobID: job.id,
                    chunkCount: total,
                    chunksDone: done
                )
            else { throw CancellationError() }
            _ = try await self.jobs.reportProgress(claimed, progress: Float(done) / Float(max(total, 1)))
        }
        guard
            let changeSeq = try await self.documents.complete(
                documentID: document.id,
                cubeID: job.cubeID,
                jobID: job.id,
                author: author,
                parsed: content
            )
        else {
            return JobResult(result: ["skipped": .string("the document was deleted while it was parsed")])
        }
        return JobResult(
            result: [
                "document_id": .string(document.id.lowercasedString),
                "chunks": .number(Double(content.chunkCount)),
                "pages": .number(Double(content.pageCount)),
                "memories": .number(Double(content.memories.count)),
                "change_seq": .number(Double(changeSeq)),
            ]
        )
    }
}
