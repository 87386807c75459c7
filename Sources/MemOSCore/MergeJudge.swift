import Foundation

/// Asks a ``ChatModel`` how two similar memories relate: the same fact (merged into one text), contradictory
/// (the newer replaces the older), or distinct facts that only look alike.
public enum MergeJudge {
    public enum Verdict: Sendable, Hashable {
        case duplicate(merged: String)
        case contradiction
        case unrelated
    }

    public static let systemPrompt = """
        You keep a user's long-term memory tidy. You get two memories, OLDER and NEWER. Decide how they relate:
        - "duplicate": they state the same fact (perhaps with different details); write "merged", one statement
          in the third person that keeps every detail of both;
        - "contradiction": they cannot both be true now (for example a changed address, job or preference); the
          NEWER one wins;
        - "unrelated": different facts that happen to look alike.
        Answer with one JSON object and nothing else: {"relation": "duplicate", "merged": "..."} or
        {"relation": "contradiction"} or {"relation": "unrelated"}.
        """

    public static func prompt(older: Memory, newer: Memory) -> String {
        "OLDER (\(older.createdAt.formatted(.iso8601))): \(older.content)\nNEWER (\(newer.createdAt.formatted(.iso8601))): \(newer.content)"
    }

    /// The verdict in a model's answer.
    /// - Throws: ``FineReader/ParseError`` when the answer holds no usable verdict.
    public static func parse(_ answer: String) throws -> Verdict {
        guard let json = FineReader.outermostObject(in: answer), let data = json.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw FineReader.ParseError(reason: "the answer holds no JSON object")
        }
        switch (object["relation"] as? String)?.lowercased() {
        case "duplicate":
            guard let merged = (object["merged"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines),
                !merged.isEmpty
            else {
                throw FineReader.ParseError(reason: "a duplicate verdict without a \"merged\" text")
            }
            return .duplicate(merged: String(merged.prefix(Limits.maxContentBytes / 4)))
        case "contradiction":
            return .contradiction
        case "unrelated":
            return .unrelated
        default:
            throw FineReader.ParseError(reason: "the answer has no known \"relation\"")
        }
    }
}
