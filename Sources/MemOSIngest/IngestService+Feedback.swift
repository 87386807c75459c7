import Foundation
import GRPCCore
import MemOSCore
import MemOSProto
import MemOSRPC
import SwiftProtobuf

extension IngestService {
    /// Queues feedback for the scheduler (``FeedbackJob``): checks it, checks that every memory it names is in the
    /// cube, and commits the job; the scheduler's FeedbackHandler applies it.
    public func submitFeedback(
        request: Memos_Ingest_V1_SubmitFeedbackRequest,
        context: ServerContext
    ) async throws -> Memos_Ingest_V1_SubmitFeedbackResponse {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        try Validate.optionalText(request.feedback, field: "feedback", maxBytes: FeedbackJob.maxFeedbackBytes)
        if request.edits.isEmpty, request.feedback.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw MemOSError.invalidArgument("feedback must not be empty when no edits are given")
        }
        try Validate.count(request.memoryIds.count, field: "memory_ids", min: 0, max: FeedbackJob.maxMemories)
        try Validate.count(request.edits.count, field: "edits", min: 0, max: FeedbackJob.maxEdits)
        try Validate.optionalText(request.sessionID, field: "session_id", maxBytes: Limits.maxIdentifierBytes)
        try Validate.optionalText(request.idempotencyKey, field: "idempotency_key", maxBytes: Limits.maxIdentifierBytes)
        let memoryIDs = try request.memoryIds.enumerated().map { index, id in
            try Validate.uuid(id, field: "memory_ids[\(index)]")
        }
        let edits = try request.edits.enumerated().map { index, edit in
            let id = try Validate.uuid(edit.memoryID, field: "edits[\(index)].memory_id")
            if edit.archive { return FeedbackJob.Edit(memoryID: id, content: nil, archive: true) }
            try Validate.text(edit.content, field: "edits[\(index)].content", maxBytes: Limits.maxContentBytes)
            return FeedbackJob.Edit(memoryID: id, content: edit.content, archive: false)
        }
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .write)
        let named = Set(memoryIDs + edits.map(\.memoryID))
        let found = Set(try await self.store.memories(ids: Array(named), cubeID: request.cubeID).map(\.id))
        if let missing = named.subtracting(found).first {
            throw MemOSError(
                code: .notFound,
                message: "memory \(missing.lowercasedString) is not in cube \(request.cubeID)"
            )
        }
        let job = FeedbackJob(
            feedback: request.feedback,
            memoryIDs: memoryIDs,
            edits: edits,
            sessionID: request.sessionID
        )
        let outcome = try await self.store.add(
            [],
            messages: [],
            cubeID: request.cubeID,
            author: principal.userID,
            idempotency: try IdempotencyKey(request.idempotencyKey, for: request),
            job: job.newJob(cubeID: request.cubeID, author: principal.userID)
        )
        return .with { $0.jobID = outcome.receipt.jobID?.lowercasedString ?? "" }
    }
}
