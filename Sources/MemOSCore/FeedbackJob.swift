import Foundation

/// Feedback on memories, as queued by SubmitFeedback: the words, the memories they concern, and explicit edits.
public struct FeedbackJob: Sendable, Hashable {
    /// One explicit correction: new content, or an archive.
    public struct Edit: Sendable, Hashable {
        public var memoryID: UUID
        public var content: String?
        public var archive: Bool

        public init(memoryID: UUID, content: String?, archive: Bool) {
            self.memoryID = memoryID
            self.content = content
            self.archive = archive
        }
    }

    public var feedback: String
    public var memoryIDs: [UUID]
    public var edits: [Edit]
    public var sessionID: String

    /// Most memories one feedback concerns, and most edits it carries.
    public static let maxMemories = 100
    public static let maxEdits = 100
    /// Longest feedback text, in bytes.
    public static let maxFeedbackBytes = 8_192

    public init(feedback: String, memoryIDs: [UUID], edits: [Edit], sessionID: String) {
        self.feedback = feedback
        self.memoryIDs = memoryIDs
        self.edits = edits
        self.sessionID = sessionID
    }

    /// Reads a job's payload.
    /// - Throws: `invalidArgument` when it is not a feedback payload.
    public init(payload: [String: JSONValue]) throws {
        guard case .string(let feedback)? = payload["feedback"] else {
            throw MemOSError.invalidArgument("the job's payload is not a feedback payload")
        }
        self.feedback = feedback
        if case .array(let ids)? = payload["memory_ids"] {
            self.memoryIDs = ids.compactMap { if case .string(let id) = $0 { UUID(uuidString: id) } else { nil } }
        } else {
            self.memoryIDs = []
        }
        if case .array(let edits)? = payload["edits"] {
            self.edits = edits.compactMap { edit in
                guard case .object(let fields) = edit, case .string(let id)? = fields["memory_id"],
                    let memoryID = UUID(uuidString: id)
                else { return nil }
                var content: String?
                if case .string(let text)? = fields["content"] { content = text }
                return Edit(memoryID: memoryID, content: content, archive: fields["archive"] == .bool(true))
            }
        } else {
            self.edits = []
        }
        if case .string(let session)? = payload["session_id"] { self.sessionID = session } else { self.sessionID = "" }
    }

    public var payload: [String: JSONValue] {
        [
            "feedback": .string(self.feedback),
            "memory_ids": .array(self.memoryIDs.map { .string($0.lowercasedString) }),
            "edits": .array(
                self.edits.map { edit in
                    var fields: [String: JSONValue] = [
                        "memory_id": .string(edit.memoryID.lowercasedString), "archive": .bool(edit.archive),
                    ]
                    if let content = edit.content { fields["content"] = .string(content) }
                    return .object(fields)
                }
            ),
            "session_id": .string(self.sessionID),
        ]
    }

    /// The job to queue for a cube, run on behalf of `author`.
    public func newJob(cubeID: String, author: UUID) -> NewJob {
        NewJob(
            cubeID: cubeID,
            kind: JobKind.feedback,
            payload: self.payload,
            sessionID: self.sessionID,
            createdBy: author
        )
    }
}

/// What an LLM makes of feedback on memories: the changes it asks for.
///
/// The model sees the feedback and the memories it concerns (by their index in the prompt, never by id, so that
/// it can only touch those), and answers `{"operations": [{"op": "update", "index": 1, "content": "..."},
/// {"op": "archive", "index": 2}, {"op": "add", "content": "...", "memory_type": "UserMemory"}]}`.
public enum FeedbackJudge {
    /// One change the model asked for.
    public enum Operation: Sendable, Hashable {
        case update(index: Int, content: String)
        case archive(index: Int)
        case add(content: String, memoryType: MemoryType)
    }

    public static let systemPrompt = """
        A user gives feedback on memories an assistant keeps about them: a correction ("no, I moved to Porto, not \
        Lisbon"), a confirmation, something that no longer holds, or a new fact. Decide what to change.
        - "update": a numbered memory is wrong or outdated; give its corrected text, as a self-contained statement \
        in the third person that keeps the memory's other details.
        - "archive": a numbered memory no longer holds and nothing replaces it.
        - "add": a new fact the feedback states that no memory holds; memory_type "UserMemory" for facts about the \
        user, "PreferenceMemory" for likes and dislikes, "LongTermMemory" otherwise.
        Change nothing the feedback does not ask for. A confirmation changes nothing.
        Answer with one JSON object and nothing else:
        {"operations": [{"op": "update", "index": 1, "content": "..."}, {"op": "archive", "index": 2},
         {"op": "add", "content": "...", "memory_type": "UserMemory"}]}
        When nothing should change, answer {"operations": []}.
        """

    /// The user message: the memories, numbered from 1, then the feedback.
    public static func prompt(feedback: String, memories: [Memory]) -> String {
        var lines = ["Memories:"]
        if memories.isEmpty { lines.append("(none)") }
        for (index, memory) in memories.enumerated() { lines.append("\(index + 1). \(memory.content)") }
        lines.append("")
        lines.append("Feedback: \(feedback)")
        return lines.joined(separator: "\n")
    }

    /// The operations of an answer, with indexes from 0; those naming no memory of the prompt are left out.
    /// - Throws: ``FineReader/ParseError`` when the answer holds no JSON object with an `operations` array.
    public static func parse(_ answer: String, memoryCount: Int) throws -> [Operation] {
        guard let json = FineReader.outermostObject(in: answer), let data = json.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw FineReader.ParseError(reason: "the answer holds no JSON object")
        }
        guard let list = object["operations"] as? [Any] else {
            throw FineReader.ParseError(reason: "the answer has no \"operations\" array")
        }
        var operations: [Operation] = []
        for case let item as [String: Any] in list {
            let content = (item["content"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            let index = ((item["index"] as? Int) ?? (item["index"] as? Double).map { Int($0) }).map { $0 - 1 }
            switch item["op"] as? String {
            case "update":
                guard let index, (0..<memoryCount).contains(index), !content.isEmpty else { continue }
                operations.append(.update(index: index, content: String(content.prefix(Limits.maxContentBytes / 4))))
            case "archive":
                guard let index, (0..<memoryCount).contains(index) else { continue }
                operations.append(.archive(index: index))
            case "add":
                guard !content.isEmpty else { continue }
                let type = (item["memory_type"] as? String).flatMap(MemoryType.init(rawValue:))
                let allowed: Set<MemoryType> = [.userMemory, .preferenceMemory, .longTermMemory]
                operations.append(
                    .add(
                        content: String(content.prefix(Limits.maxContentBytes / 4)),
                        memoryType: type.map { allowed.contains($0) ? $0 : .longTermMemory } ?? .longTermMemory
                    )
                )
            default:
                continue
            }
        }
        return operations
    }
}
