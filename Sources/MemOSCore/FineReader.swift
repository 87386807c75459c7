import Foundation

/// A chat-completion model (an OpenAI-compatible `/v1/chat/completions` endpoint in production).
public protocol ChatModel: Sendable {
    /// The model name, recorded on what it writes.
    var modelID: String { get }
    /// The assistant's answer to a system prompt and one user message, asking for a JSON object.
    func complete(system: String, user: String) async throws -> String
}

/// The LLM reader: asks a ``ChatModel`` to extract self-contained facts from a window of conversation.
///
/// The prompt asks for `{"memory list": [{"key", "memory_type", "value", "tags"}], "summary"}`, in the style of
/// MemOS's extraction prompt: third person, relative dates resolved against the messages' times, pronouns
/// resolved to names. ``parse(_:)`` accepts what real models return around that JSON: code fences, prose
/// before or after, `memory_list`/`memories` spellings, a missing key or type or tags.
public struct FineReader: Sendable {
    /// Turns per window sent to the model (default 10).
    public var windowSize: Int

    public init(windowSize: Int = 10) {
        precondition(windowSize > 0)
        self.windowSize = windowSize
    }

    /// One fact the model extracted.
    public struct Extracted: Sendable, Hashable {
        public var key: String
        public var memoryType: MemoryType
        public var value: String
        public var tags: [String]
        /// For a PreferenceMemory: `preference_type`, `topic` and `holder` (see ``PreferenceSupersession``).
        public var info: [String: JSONValue] = [:]

        /// Implied preferences are less sure than stated facts.
        public var confidence: Float {
            self.info["preference_type"] == .string("implicit_preference") ? 0.6 : 0.9
        }
    }

    /// Why an answer could not be used.
    public struct ParseError: Error, Hashable, CustomStringConvertible {
        public var reason: String
        public var description: String { self.reason }
    }

    public static let systemPrompt = """
        You turn a conversation into long-term memories about the user and the people, events and plans in it.
        Write each memory as one self-contained statement in the third person:
        - name people instead of using pronouns ("Caroline said ..." rather than "she said ...");
        - turn relative times into dates using the message times ("yesterday" in a message of 2023-05-08 becomes
          "on 2023-05-07"); keep the original wording when no message time is given;
        - keep concrete details (names, places, numbers, titles) and leave out small talk.
        Use memory_type "UserMemory" for facts about the user (traits, biography), "PreferenceMemory" for what a
        person likes or dislikes, habits and standing wishes, and "LongTermMemory" for everything else. Give each
        memory a short key (a title of a few words) and 1-4 lowercase tags. A PreferenceMemory also has "topic" (one
        lowercase word for what it is about, the same word for preferences that replace each other: "seat" for
        "prefers window seats" and for "prefers aisle seats"), "holder" (the name of the person whose preference it
        is, "" for the user) and "preference_type": "explicit_preference" when the person said it,
        "implicit_preference" when you infer it from what they did or chose.
        Answer with one JSON object and nothing else:
        {"memory list": [{"key": "...", "memory_type": "UserMemory", "value": "...", "tags": ["..."]},
         {"key": "...", "memory_type": "PreferenceMemory", "value": "...", "tags": ["..."], "topic": "...",
          "holder": "", "preference_type": "explicit_preference"}],
         "summary": "one or two sentences about the whole conversation"}
        When nothing is worth remembering, answer {"memory list": [], "summary": ""}.
        """

    /// The user message for a window: one line per turn, `role: [time]: content`.
    public static func prompt(for messages: [StoredMessage]) -> String {
        "Conversation:\n" + messages.map(FastReader.line(for:)).joined(separator: "\n")
    }

    /// The facts in a model's answer.
    /// - Throws: ``ParseError`` when no usable JSON object is found.
    public static func parse(_ answer: String) throws -> (memories: [Extracted], summary: String) {
        guard let json = Self.outermostObject(in: answer) else {
            throw ParseError(reason: "the answer holds no JSON object")
        }
        guard let data = json.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw ParseError(reason: "the answer's JSON is not valid")
        }
        guard let list = (object["memory list"] ?? object["memory_list"] ?? object["memories"]) as? [Any] else {
            throw ParseError(reason: "the answer has no \"memory list\" array")
        }
        var memories: [Extracted] = []
        for case let item as [String: Any] in list {
            guard let value = (item["value"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines),
                !value.isEmpty
            else {
                continue
            }
            let key = (item["key"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            let type = (item["memory_type"] as? String).flatMap(MemoryType.init(rawValue:))
            let tags = (item["tags"] as? [Any] ?? []).compactMap { $0 as? String }
                .map { String($0.trimmingCharacters(in: .whitespaces).lowercased().prefix(Limits.maxTagBytes)) }
                .filter { !$0.isEmpty }
            var extracted = Extracted(
                key: key.isEmpty ? FastReader.key(for: value) : String(key.prefix(200)),
                memoryType: type == .userMemory ? .userMemory : .longTermMemory,
                value: String(value.prefix(Limits.maxContentBytes / 4)),
                tags: Array(Set(tags)).sorted().prefix(8).map { $0 }
            )
            if type == .preferenceMemory {
                extracted.memoryType = .preferenceMemory
                let topic = (item["topic"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
                let implicit = (item["preference_type"] as? String) == "implicit_preference"
                extracted.info = MemoryExtractor.preferenceInfo(
                    type: implicit ? "implicit_preference" : "explicit_preference",
                    topic: String((topic?.isEmpty == false ? topic! : extracted.key.lowercased()).prefix(64)),
                    holder: String(((item["holder"] as? String) ?? "").prefix(Limits.maxIdentifierBytes)),
                    polarity: nil,
                    object: nil
                )
            }
            memories.append(extracted)
        }
        if memories.isEmpty, !list.isEmpty {
            throw ParseError(reason: "no item of the answer's \"memory list\" has a \"value\"")
        }
        return (memories, object["summary"] as? String ?? "")
    }

    /// The text from the first `{` to its matching `}`, skipping braces inside strings; nil when unbalanced.
    static func outermostObject(in text: String) -> String? {
        guard let start = text.firstIndex(of: "{") else { return nil }
        var depth = 0
        var inString = false
        var escaped = false
        var index = start
        while index < text.endIndex {
            let character = text[index]
            if inString {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                }
            } else if character == "\"" {
                inString = true
            } else if character == "{" {
                depth += 1
            } else if character == "}" {
                depth -= 1
                if depth == 0 { return String(text[start...index]) }
            }
            index = text.index(after: index)
        }
        return nil
    }
}
