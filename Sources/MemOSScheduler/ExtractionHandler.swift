import Foundation
import MemOSCore

/// Runs ``JobKind/extract`` jobs: makes the memories of an asynchronous AddMessages.
///
/// The memories are written with the idempotency key `job:<job id>` under the job's author, so an attempt
/// repeated after a worker died mid-job writes nothing new and returns the first attempt's memories.
public struct ExtractionHandler: JobHandler {
    let store: any MemoryStore
    let extractor: MemoryExtractor

    public init(store: any MemoryStore, extractor: MemoryExtractor) {
        self.store = store
        self.extractor = extractor
    }

    public func run(_ claimed: ClaimedJob) async throws -> JobResult {
        let job = claimed.job
        let payload = try ExtractionJob(payload: claimed.payload)
        guard let author = claimed.createdBy else {
            throw MemOSError.invalidArgument("extraction job \(job.id) has no author")
        }
        let messages = try await self.store.messages(ids: payload.messageIDs, cubeID: job.cubeID)
        let made = try await self.extractor.extract(payload.request(messages: messages))
        let outcome = try await self.store.add(
            made.memories,
            messages: [],
            cubeID: job.cubeID,
            author: author,
            idempotency: IdempotencyKey(key: "job:\(job.id.lowercasedString)", fingerprint: "extract"),
            job: nil
        )
        let superseded = try await Supersession.apply(
            made: try await self.store.memories(of: outcome, cubeID: job.cubeID),
            store: self.store,
            cubeID: job.cubeID,
            actor: author,
            jobID: job.id
        )
        return JobResult(
            result: [
                "superseded": .number(Double(superseded.count)),
                "memories": .number(Double(outcome.receipt.memoryIDs.count)),
                "change_seq": .number(Double(outcome.receipt.changeSeq)),
                "warnings": .array(made.warnings.map(JSONValue.string)),
            ],
            memoryIDs: outcome.receipt.memoryIDs
        )
    }
}
