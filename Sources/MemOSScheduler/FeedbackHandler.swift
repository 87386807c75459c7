import Foundation
import MemOSCore

/// Runs ``JobKind/feedback`` jobs: applies feedback on memories.
///
/// Explicit edits are applied first, with or without an LLM. With an LLM, the feedback's words are then judged
/// against the memories it concerns (``FeedbackJudge``): each memory it corrects is updated, each that no longer
/// holds archived, and each new fact it states added. Every change is in the memory's history under action
/// `feedback`, attributed to the job and its author, and restorable; the job's result lists them.
///
/// A repeated attempt (a worker died mid-job, or a concurrent change made one fail) does not apply a change twice: an
/// edit whose memory already has the content asked for is skipped, and the added memories are written under the
/// idempotency key `job:<job id>`. The changes the result lists are read from the history rows of the job, so they
/// are the same whichever attempt made them.
public struct FeedbackHandler: JobHandler {
    let store: any MemoryStore
    let embedder: any Embedder
    let chatModel: (any ChatModel)?

    public init(store: any MemoryStore, embedder: any Embedder, chatModel: (any ChatModel)?) {
        self.store = store
        self.embedder = embedder
        self.chatModel = chatModel
    }

    public func run(_ claimed: ClaimedJob) async throws -> JobResult {
        let job = claimed.job
        let payload = try FeedbackJob(payload: claimed.payload)
        let revision = Revision(
            action: "feedback",
            actor: claimed.createdBy,
            jobID: job.id,
            reason: String(payload.feedback.prefix(512))
        )
        var added: [JSONValue] = []
        var changed: [UUID] = []
        var notes: [String] = []

        for edit in payload.edits {
            if edit.archive {
                if try await self.archive(edit.memoryID, cubeID: job.cubeID, revision) { changed.append(edit.memoryID) }
            } else if let content = edit.content,
                try await self.update(edit.memoryID, to: content, cubeID: job.cubeID, revision)
            {
                changed.append(edit.memoryID)
            }
        }

        let feedback = payload.feedback.trimmingCharacters(in: .whitespacesAndNewlines)
        if !feedback.isEmpty, let chatModel = self.chatModel {
            let memories = try await self.store.memories(ids: payload.memoryIDs, cubeID: job.cubeID)
                .filter { $0.status == .activated }
            let answer = try await chatModel.complete(
                system: FeedbackJudge.systemPrompt,
                user: FeedbackJudge.prompt(feedback: feedback, memories: memories)
            )
            var additions: [(content: String, type: MemoryType)] = []
            for operation in try FeedbackJudge.parse(answer, memoryCount: memories.count) {
                switch operation {
                case .update(let index, let content):
                    if try await self.update(memories[index].id, to: content, cubeID: job.cubeID, revision) {
                        changed.append(memories[index].id)
                    }
                case .archive(let index):
                    if try await self.archive(memories[index].id, cubeID: job.cubeID, revision) {
                        changed.append(memories[index].id)
                    }
                case .add(let content, let type):
                    additions.append((content, type))
                }
            }
            if !additions.isEmpty, let author = claimed.createdBy {
                for memory in try await self.add(additions, job: job, author: author, feedback: feedback) {
                    added.append(
                        .object([
                            "action": .string("add"), "memory_id": .string(memory.id.lowercasedString),
                            "after": .string(memory.content),
                        ])
                    )
                    changed.append(memory.id)
                }
            }
        } else if !feedback.isEmpty {
            notes.append(
                "no LLM is configured (MEMOS_LLM_URL): only the explicit edits were applied; the feedback's words were kept with the job"
            )
        }
        let changes =
            try await self.recordedChanges(of: job, memories: payload.memoryIDs + payload.edits.map(\.memoryID))
            + added
        return JobResult(
            result: [
                "changes": .array(changes),
                "applied": .number(Double(changes.count)),
                "notes": .array(notes.map(JSONValue.string)),
            ],
            memoryIDs: changed
        )
    }

    /// The updates and archives this job made, in order, from the memories' history.
    func recordedChanges(of job: Job, memories ids: [UUID]) async throws -> [JSONValue] {
        let entries = try await self.store.histories(
            memoryIDs: Array(Set(ids)),
            cubeID: job.cubeID,
            limitPerMemory: 20
        ).filter { $0.jobID == job.id && $0.action == "feedback" }.sorted { $0.id < $1.id }
        return entries.map { entry in
            var change: [String: JSONValue] = [
                "action": .string(entry.after?.status == .archived ? "archive" : "update"),
                "memory_id": .string(entry.memoryID.lowercasedString),
            ]
            if let before = entry.before?.content { change["before"] = .string(before) }
            if entry.after?.status != .archived, let after = entry.after?.content { change["after"] = .string(after) }
            return .object(change)
        }
    }

    /// Sets a memory's content (and vector); false when it already has it or is not in the cube.
    func update(_ id: UUID, to content: String, cubeID: String, _ revision: Revision) async throws -> Bool {
        guard let memory = try await self.store.memories(ids: [id], cubeID: cubeID).first,
            memory.content != content
        else { return false }
        let vector = VectorMath.normalized(try await self.embedder.embed([content])[0])
        let model = self.embedder.modelID
        _ = try await self.store.revise(ids: [id], cubeID: cubeID, revision) { memories in
            memories.map { memory in
                var memory = memory
                memory.content = content
                memory.key = FastReader.key(for: content)
                memory.embedding = vector
                memory.embeddingModel = model
                return memory
            }
        }
        return true
    }

    /// Archives a live memory; false when it is not live or not in the cube.
    func archive(_ id: UUID, cubeID: String, _ revision: Revision) async throws -> Bool {
        guard let memory = try await self.store.memories(ids: [id], cubeID: cubeID).first,
            memory.status == .activated
        else { return false }
        _ = try await self.store.revise(ids: [id], cubeID: cubeID, revision) { memories in
            memories.map { memory in
                var memory = memory
                memory.status = .archived
                return memory
            }
        }
        return true
    }

    /// Writes the new facts, citing the feedback.
    func add(
        _ additions: [(content: String, type: MemoryType)],
        job: Job,
        author: UUID,
        feedback: String
    ) async throws -> [Memory] {
        let vectors = try await self.embedder.embed(additions.map(\.content))
        let memories = zip(additions, vectors).map { addition, vector in
            NewMemory(
                sessionID: job.sessionID,
                memoryType: addition.type,
                key: FastReader.key(for: addition.content),
                content: addition.content,
                tags: ["feedback"],
                info: ["feedback_job_id": .string(job.id.lowercasedString)],
                sources: [
                    Source(
                        type: "feedback",
                        role: "user",
                        sessionID: job.sessionID.isEmpty ? nil : job.sessionID,
                        content: String(feedback.prefix(512))
                    )
                ],
                confidence: 0.9,
                embeddingModel: self.embedder.modelID,
                embedding: VectorMath.normalized(vector)
            )
        }
        let outcome = try await self.store.add(
            memories,
            messages: [],
            cubeID: job.cubeID,
            author: author,
            idempotency: IdempotencyKey(key: "job:\(job.id.lowercasedString)", fingerprint: "feedback"),
            job: nil
        )
        return try await self.store.memories(of: outcome, cubeID: job.cubeID)
    }
}
