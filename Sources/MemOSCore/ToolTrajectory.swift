import Foundation

/// One call of a tool and its answer, paired from a conversation's turns: what becomes a ToolTrajectoryMemory.
///
/// An assistant turn's `tool_calls` are matched to the "tool" turns that answer them by call id. A call nobody
/// answered is kept with no result; an answer whose call is not in the request is kept under the answering turn's
/// name (or "unknown").
public struct ToolTrajectory: Sendable, Hashable {
    public var name: String
    public var arguments: String
    /// The answer's text; nil when no turn answered the call.
    public var result: String?
    public var failed: Bool
    public var durationMilliseconds: Int64?
    /// The turns it came from: the call's, then the answer's.
    public var messages: [StoredMessage]

    /// How much of the arguments and of the result a memory's text keeps (a memory holds at most 16,384 bytes;
    /// the embedder reads the first 256 word pieces).
    static let argumentsExcerpt = 2_000
    static let resultExcerpt = 4_000

    /// The trajectories of a conversation, in the order of their calls (answers without a call last).
    public static func pairs(in messages: [StoredMessage]) -> [ToolTrajectory] {
        var trajectories: [ToolTrajectory] = []
        var byCallID: [String: Int] = [:]
        for stored in messages {
            guard let tool = stored.message.tool else { continue }
            for call in tool.calls {
                if !call.id.isEmpty { byCallID[call.id] = trajectories.count }
                trajectories.append(
                    ToolTrajectory(
                        name: call.name,
                        arguments: call.arguments,
                        result: nil,
                        failed: false,
                        durationMilliseconds: nil,
                        messages: [stored]
                    )
                )
            }
            guard stored.message.role == "tool" else { continue }
            let answer = stored.message.content
            let failed = tool.failed ?? Self.looksFailed(answer)
            if let callID = tool.callID, let index = byCallID.removeValue(forKey: callID) {
                trajectories[index].result = answer
                trajectories[index].failed = failed
                trajectories[index].durationMilliseconds = tool.durationMilliseconds
                trajectories[index].messages.append(stored)
            } else {
                trajectories.append(
                    ToolTrajectory(
                        name: stored.message.name.isEmpty ? "unknown" : stored.message.name,
                        arguments: "",
                        result: answer,
                        failed: failed,
                        durationMilliseconds: tool.durationMilliseconds,
                        messages: [stored]
                    )
                )
            }
        }
        return trajectories
    }

    /// Whether an answer reads as a failure: a JSON object with an `error` (or `exception`) field that is not null
    /// or false, or a text that starts with "error" or "exception" (case-insensitive, after white space).
    public static func looksFailed(_ answer: String) -> Bool {
        let trimmed = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{"), let data = trimmed.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        {
            for field in ["error", "exception"] {
                guard let value = object[field] else { continue }
                if value is NSNull { continue }
                if let flag = value as? Bool, !flag { continue }
                return true
            }
            return false
        }
        let lowered = trimmed.prefix(16).lowercased()
        return lowered.hasPrefix("error") || lowered.hasPrefix("exception")
    }

    /// The memory's text: the call, its outcome and an excerpt of its result.
    public var content: String {
        var lines = ["Tool call: \(self.name)(\(Self.excerpt(self.arguments, Self.argumentsExcerpt)))"]
        let took = self.durationMilliseconds.map { " in \($0) ms" } ?? ""
        switch (self.result, self.failed) {
        case (nil, _): lines.append("Outcome: no result recorded")
        case (_, true): lines.append("Outcome: failed\(took)")
        case (_, false): lines.append("Outcome: succeeded\(took)")
        }
        if let result = self.result { lines.append("Result: \(Self.excerpt(result, Self.resultExcerpt))") }
        return lines.joined(separator: "\n")
    }

    /// `tool_name`, `tool_status` ("success", "error" or "no_result"), `tool_arguments` (an excerpt) and
    /// `tool_duration_ms` when known: filterable as `info.tool_name` etc.
    public var info: [String: JSONValue] {
        var info: [String: JSONValue] = [
            "tool_name": .string(self.name),
            "tool_status": .string(self.status),
            "tool_arguments": .string(Self.excerpt(self.arguments, Self.argumentsExcerpt)),
        ]
        if let duration = self.durationMilliseconds { info["tool_duration_ms"] = .number(Double(duration)) }
        return info
    }

    public var status: String { self.result == nil ? "no_result" : self.failed ? "error" : "success" }

    /// `tool`, `tool:<name>` and `tool:<status>`, within the tag limits.
    public var tags: [String] { ["tool", Self.nameTag(self.name), "tool:" + self.status] }

    /// The tag that finds a tool's memories, calls and schema alike: `tool:<name>`, lower-case, within 64 bytes.
    public static func nameTag(_ name: String) -> String {
        var tag = "tool:"
        for character in name.lowercased() {
            guard tag.utf8.count + character.utf8.count <= Limits.maxTagBytes else { break }
            tag.append(character)
        }
        return tag
    }

    static func excerpt(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}
